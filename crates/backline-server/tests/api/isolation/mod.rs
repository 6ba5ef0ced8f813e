//! Isolation: every route of every surface (read from the routers' source, so a new route
//! cannot be forgotten) is asked with no credential, with each credential of a kind it does
//! not take, and with tenant A's credential on tenant B's resources. Every answer must be
//! 401, 403 or 404 and hold none of tenant B's data; afterwards B's data is as it was.

pub(crate) mod routes;
mod tenants;

use crate::ember_helpers::form;
use crate::helpers::{Reply, TestApp, HTTP_KEY, SERVER_KEY};
use crate::nakama_helpers::basic;
use reqwest::{Method, StatusCode};
use routes::{accepts, all_routes, Kind, Route, KINDS};
use serde_json::{json, Value};
use tenants::{concrete_path, tenant, Shared, Tenant};

/// The matrix makes hundreds of failed attempts from one address on purpose.
fn unlimited_guessing(config: &mut backline_server::config::Config) {
    config.guess_limit.max_failures = u32::MAX;
}

backline_store::stories!(crate::helpers::with_configured_app, unlimited_guessing =>
    every_route_refuses_missing_foreign_and_other_tenants_credentials,
    a_session_sees_and_revokes_only_its_own_user,
);

/// Sends `route` for tenant B's resources with `secret` (of `kind`) in every place a
/// credential is read from.
async fn ask(
    app: &TestApp,
    route: &Route,
    b: &Tenant,
    kind: Kind,
    secret: Option<&str>,
    payload: Option<&Value>,
) -> (String, Reply) {
    let mut path = concrete_path(route, b, secret.unwrap_or("no-secret"));
    let mut headers: Vec<(String, String)> =
        vec![("content-type".into(), "application/json".into())];
    if let Some(secret) = secret {
        let authorization = match kind {
            Kind::ServerKey | Kind::HttpKey => basic(secret),
            _ => format!("Bearer {secret}"),
        };
        headers.push(("authorization".into(), authorization));
        for name in [
            "x-user-token",
            "authentication",
            "x-organization-key",
            "x-session-secret",
        ] {
            headers.push((name.into(), secret.to_owned()));
        }
    }
    let mut query = Vec::new();
    if path.starts_with("/v2/rpc/") {
        query.push("unwrap".to_owned());
    }
    if let (Kind::HttpKey, Some(secret)) = (kind, secret) {
        query.push(format!("http_key={secret}"));
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body = (route.method != Method::GET)
        .then(|| payload.map_or_else(|| b"{}".to_vec(), |p| serde_json::to_vec(p).unwrap()));
    let reply = app.send(route.method.clone(), &path, &headers, body).await;
    (path, reply)
}

fn assert_refused_without_data(
    what: &str,
    path: &str,
    sent: Option<&str>,
    reply: &Reply,
    b: &Tenant,
) {
    assert!(
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN,
            StatusCode::NOT_FOUND
        ]
        .contains(&reply.status),
        "{what}: {path} answered {reply:?}"
    );
    for marker in b.markers() {
        if path.contains(marker) || sent.is_some_and(|s| s.contains(marker)) {
            continue;
        }
        assert!(
            !reply.text.contains(marker),
            "{what}: {path} leaked `{marker}`: {}",
            reply.text
        );
    }
}

async fn every_route_refuses_missing_foreign_and_other_tenants_credentials(app: &TestApp) {
    let shared = Shared {
        admin: app.admin_token.clone(),
        backend: app.issue_token("spectra-backend").await,
        stats: app.issue_token("spectra-stats").await,
    };
    let a = tenant(app, "alice").await;
    let b = tenant(app, "bob").await;
    let routes = all_routes();
    assert!(routes.len() >= 40, "{} routes", routes.len());
    let mut asked = 0;
    for route in &routes {
        let Some(accepted) = accepts(route) else {
            continue;
        };
        for kind in KINDS {
            let secret = a.secret(kind, &shared);
            let case = if !accepted.contains(&kind) {
                "a missing or foreign credential"
            } else if route.path.starts_with("/spectra/playercam/api/")
                && kind == Kind::PlayercamSecret
                || route.path.contains("{execution_id}") && kind == Kind::ServerToken
            {
                "another tenant's credential"
            } else {
                continue;
            };
            let (path, reply) = ask(app, route, &b, kind, secret.as_deref(), None).await;
            assert_refused_without_data(
                &format!("{case} ({kind:?})"),
                &path,
                secret.as_deref(),
                &reply,
                &b,
            );
            asked += 1;
        }
    }
    // An http key where a session is needed.
    let broadcaster = json!({
        "server_id": 1, "internal_ip": "10.0.0.1", "external_ip": "1.2.3.4",
        "port": 6792, "version_lock": 1,
    });
    for (id, payload) in [
        ("link/redeem", json!({"token": "some-token"})),
        (
            "match/join",
            json!({"match_id": "m.backline", "evr_id": "OVR-ORG-1"}),
        ),
        ("match/leave", json!({"match_id": "m.backline"})),
        ("broadcaster/register", broadcaster),
    ] {
        let route = Route {
            method: Method::POST,
            path: format!("/v2/rpc/{id}"),
        };
        let (path, reply) = ask(
            app,
            &route,
            &b,
            Kind::HttpKey,
            Some(HTTP_KEY),
            Some(&payload),
        )
        .await;
        assert_refused_without_data(
            "an http key for a session's RPC",
            &path,
            Some(HTTP_KEY),
            &reply,
            &b,
        );
    }
    eprintln!(
        "isolation: {} routes, {asked} refused requests",
        routes.len()
    );
    // Server A's own calls show nothing of B's.
    for path in ["/poll", "/meta"] {
        let method = if path == "/poll" {
            Method::POST
        } else {
            Method::GET
        };
        let own = form(app, &a.server_token, method, path, "").await;
        assert_eq!(own.status, StatusCode::OK, "{own:?}");
        for marker in b.markers() {
            assert!(!own.text.contains(marker), "{path} of A leaked `{marker}`");
        }
    }
    // Tenant B's data is as it was: its execution is still leased, its session works, its
    // player-cam session has no players.
    let finish = form(
        app,
        &b.server_token,
        Method::PATCH,
        &format!("/actions/executions/{}/finish", b.execution_id),
        "",
    )
    .await;
    assert_eq!(finish.status, StatusCode::NO_CONTENT, "{finish:?}");
    let account = app
        .get(
            "/v2/account",
            &[("authorization", &format!("Bearer {}", b.session))],
        )
        .await;
    assert_eq!(account.status, StatusCode::OK, "{account:?}");
    let players = app
        .get(
            &format!(
                "/spectra/playercam/api/session/{}/players",
                b.playercam_identifier
            ),
            &[("x-session-secret", &b.playercam_secret)],
        )
        .await;
    assert_eq!(players.body["players"], json!([]), "{players:?}");
    let _ = a.execution_id;
}

async fn a_session_sees_and_revokes_only_its_own_user(app: &TestApp) {
    let a = tenant(app, "alice").await;
    let b = tenant(app, "bob").await;
    let bearer = format!("Bearer {}", a.session);
    let account = app.get("/v2/account", &[("authorization", &bearer)]).await;
    assert_eq!(account.status, StatusCode::OK, "{account:?}");
    assert_eq!(
        account.body["user"]["id"],
        Value::String(a.user_id.clone()),
        "{account:?}"
    );
    for marker in b.markers() {
        assert!(!account.text.contains(marker), "leaked {marker}");
    }
    let logout = app
        .post_json(
            "/v2/session/logout",
            &[("authorization", &bearer)],
            &json!({"token": b.session, "refresh_token": b.refresh}),
        )
        .await;
    assert!(logout.status.is_client_error(), "{logout:?}");
    let still = app
        .get(
            "/v2/account",
            &[("authorization", &format!("Bearer {}", b.session))],
        )
        .await;
    assert_eq!(
        still.status,
        StatusCode::OK,
        "B's session survives: {still:?}"
    );
    let refreshed = app
        .post_json(
            "/v2/account/session/refresh",
            &[("authorization", &basic(SERVER_KEY))],
            &json!({"token": b.refresh}),
        )
        .await;
    assert_eq!(
        refreshed.status,
        StatusCode::OK,
        "B's refresh token survives: {refreshed:?}"
    );
}
