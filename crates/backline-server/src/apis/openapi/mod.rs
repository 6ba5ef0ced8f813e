//! `GET /openapi.json`: the OpenAPI 3.1 document of every surface, generated from the code.
//!
//! Each surface lists its own operations in one `#[derive(utoipa::OpenApi)]` next to its
//! router (`AdminApi`, `SpectraApi`, `NakamaApi`, `EmberApi`, `EventsApi`); each handler carries its
//! `#[utoipa::path(...)]` (full path, method, security scheme, body, answers). This module
//! merges them, adds the security schemes ([`security`]) and the error answers every route of
//! a surface can give ([`common`]). Recipe for a new route: annotate the handler with
//! `#[utoipa::path(...)]`, list it in its surface's `paths(...)`; `tests/api/openapi.rs`
//! fails until every served route is in the document.

mod common;
mod links;
mod security;

use crate::http::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::LazyLock;
use utoipa::OpenApi;

/// The document's own route (public).
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

/// Operations served at the root, outside the four surfaces.
#[derive(OpenApi)]
#[openapi(paths(
    openapi_json,
    crate::http::health::healthz,
    crate::http::health::readyz
))]
struct RootApi;

/// The whole document: every surface merged, security schemes and shared answers added.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = RootApi::openapi();
    doc.merge(super::admin::AdminApi::openapi());
    doc.merge(super::spectra::SpectraApi::openapi());
    doc.merge(super::nakama::NakamaApi::openapi());
    doc.merge(super::ember::EmberApi::openapi());
    doc.merge(super::events::EventsApi::openapi());
    doc.info = utoipa::openapi::InfoBuilder::new()
        .title("Backline")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Backline's operator surface (admin API under /admin/v1, /healthz, /readyz, /metrics, the \
             /events stream) and \
             the three upstream surfaces it implements: the Spectra backend (/spectra), \
             Nakama (/v2, /healthcheck) and the Ember game integration (/api/game).",
        ))
        .license(Some(utoipa::openapi::License::new("AGPL-3.0-or-later")))
        .build();
    security::add_schemes(&mut doc);
    common::add_shared_answers(&mut doc);
    common::require_a_field(&mut doc, &["EditPlayerRequest"]);
    doc
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(document()).expect("the OpenAPI document serializes");
    links::add_links(&mut doc);
    doc.to_string()
});

/// `GET /openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operator",
    responses((status = 200, description = "The OpenAPI 3.1 document of every surface",
        content_type = "application/json", body = Object)),
)]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_surface() {
        let doc: serde_json::Value = serde_json::from_str(&DOCUMENT).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
        for path in [
            "/openapi.json",
            "/healthz",
            "/readyz",
            "/metrics",
            "/admin/v1/orgs",
            "/spectra/stats/addMatch",
            "/v2/account",
            "/v2/rpc/match",
            "/api/game/poll",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
    }

    #[test]
    fn sign_ins_link_their_refresh_token_to_the_refresh() {
        let doc: serde_json::Value = serde_json::from_str(&DOCUMENT).unwrap();
        let refresh = &doc["paths"]["/v2/account/session/refresh"]["post"]["operationId"];
        for path in links::SIGN_INS {
            let link = &doc["paths"][path]["post"]["responses"]["200"]["links"]["RefreshSession"];
            assert_eq!(&link["operationId"], refresh, "{path}");
            assert_eq!(
                link["requestBody"],
                serde_json::json!({"token": "$response.body#/refresh_token"})
            );
        }
    }
}
