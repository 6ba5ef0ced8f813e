//! The security schemes: one per kind of credential Backline reads (`http::credentials` and
//! each surface's extractors). Operations name them in `security(("<name>" = []))`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Components, OpenApi};

/// Scheme names, as operations refer to them.
pub const SCHEMES: &[&str] = &[
    "admin_token",
    "spectra_backend_token",
    "spectra_stats_token",
    "access_key",
    "playercam_session_secret",
    "nakama_server_key",
    "nakama_session",
    "nakama_http_key",
    "nakama_http_key_basic",
    "ember_server_token",
];

fn bearer(description: &str) -> SecurityScheme {
    SecurityScheme::Http(
        Http::builder()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(description))
            .build(),
    )
}

fn basic(description: &str) -> SecurityScheme {
    SecurityScheme::Http(
        Http::builder()
            .scheme(HttpAuthScheme::Basic)
            .description(Some(description))
            .build(),
    )
}

fn header(name: &str, description: &str) -> SecurityScheme {
    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
        name,
        description,
    )))
}

fn scheme(name: &str) -> SecurityScheme {
    match name {
        "admin_token" => bearer(
            "An operator's admin token (`backline admin-token issue`); its role (owner, \
             moderator, viewer) limits the writes it may make.",
        ),
        "spectra_backend_token" => header(
            "X-User-Token",
            "Spectra Server's BACKEND_TOKEN: an API token of kind spectra-backend.",
        ),
        "spectra_stats_token" => header(
            "Authentication",
            "Spectra Server's STATS_BACKEND_TOKEN: an API token of kind spectra-stats.",
        ),
        "access_key" => header("X-Organization-Key", "An organisation's access key."),
        "playercam_session_secret" => header(
            "X-Session-Secret",
            "The secret of a player-cam session, shown once when it was created.",
        ),
        "nakama_server_key" => basic("Nakama's server key as the Basic user (no password)."),
        "nakama_session" => {
            let SecurityScheme::Http(mut http) = bearer(
                "A Nakama session token from /v2/account/authenticate/* or the \
                 account/authenticate/password RPC.",
            ) else {
                unreachable!("bearer is an HTTP scheme")
            };
            http.bearer_format = Some("JWT".into());
            SecurityScheme::Http(http)
        }
        "nakama_http_key" => SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
            "http_key",
            "Nakama's runtime http key.",
        ))),
        "nakama_http_key_basic" => basic("Nakama's runtime http key as the Basic user."),
        "ember_server_token" => bearer(
            "A game server's token (`backline server create`), sent as \
             `Authorization: Bearer <token>` (or `Bearer: <token>`).",
        ),
        other => unreachable!("unknown security scheme {other}"),
    }
}

/// Adds every scheme to the document's components.
pub fn add_schemes(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Components::default);
    for name in SCHEMES {
        components.add_security_scheme(*name, scheme(name));
    }
}
