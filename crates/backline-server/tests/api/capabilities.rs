//! The capability walk: every route the admin API serves (read from the router's source, as
//! the OpenAPI and isolation sweeps do), asked by no one, by a viewer, by a moderator and by
//! the owner.
//!
//! Deny by default: a route whose handler asks for no capability answers without asking for a
//! token, and fails here on its first request. Every route's capability is written below, from
//! the roles documented in `docs/admin-api.md`; a served route missing from the table fails too,
//! so a new route cannot reach viewers without someone deciding it should. The roles refused
//! are answered 403 before the request is read, and their refusals change nothing: the audit
//! log holds no entry of theirs afterwards.

use crate::admin_roles::{as_token, issue};
use crate::helpers::TestApp;
use crate::isolation::routes::{root_routes, routes_of, Route};
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app => every_served_admin_route_requires_its_documented_capability);

/// What a route's use case requires, as `docs/admin-api.md` gives the roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Capability {
    /// Every role.
    View,
    /// Moderators and owners.
    Moderate,
    /// Owners.
    Administer,
}

/// The writes a moderator may make (`docs/admin-api.md`, "Operators and roles").
const MODERATED: &[(&str, &str)] = &[
    ("POST", "/admin/v1/users/{user_id}/disable"),
    ("POST", "/admin/v1/users/{user_id}/enable"),
    ("DELETE", "/admin/v1/link-tokens/{token_id}"),
    ("PUT", "/admin/v1/players/{puuid}"),
    (
        "PUT",
        "/admin/v1/playercam-sessions/{identifier}/players/{full_name}",
    ),
    ("POST", "/admin/v1/bans"),
    ("POST", "/admin/v1/bans/{ban_id}/lift"),
    ("POST", "/admin/v1/roles"),
    ("PUT", "/admin/v1/roles/order"),
    ("PATCH", "/admin/v1/roles/{role_id}"),
    (
        "PUT",
        "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
    ),
    (
        "DELETE",
        "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
    ),
    ("POST", "/admin/v1/kicks"),
    ("POST", "/admin/v1/executions/{execution_id}/rerun"),
    ("POST", "/admin/v1/evr/matches/{match_id}/end"),
];

/// The reads only an owner may make: they show secrets or admin tokens.
const OWNER_READS: &[&str] = &["/admin/v1/admin-tokens", "/admin/v1/nakama/keys"];

/// The capability the documentation gives `route`.
fn documented(route: &Route) -> Capability {
    let method = route.method.as_str();
    if route.path.starts_with("/admin/v1/admin-tokens") || OWNER_READS.contains(&&*route.path) {
        Capability::Administer
    } else if method == "GET" {
        Capability::View
    } else if MODERATED.contains(&(method, route.path.as_str())) {
        Capability::Moderate
    } else {
        Capability::Administer
    }
}

/// The route's template with every parameter filled in (a value no entity has).
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "nosuch"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The operator routes that take an admin token: the admin API and `/metrics` (read by every
/// role).
fn operator_routes() -> Vec<Route> {
    let mut routes = routes_of("admin", "/admin/v1");
    routes.extend(root_routes().into_iter().filter(|r| r.path == "/metrics"));
    routes
}

async fn every_served_admin_route_requires_its_documented_capability(app: &TestApp) {
    let viewer = issue(app, "view", "viewer").await;
    let moderator = issue(app, "mod", "moderator").await;
    let routes = operator_routes();
    assert!(routes.len() > 60, "{} routes read", routes.len());
    assert!(
        MODERATED.iter().all(|(m, p)| routes
            .iter()
            .any(|r| r.method.as_str() == *m && r.path == *p)),
        "every moderated write is a served route"
    );
    let ask = |token: Option<&str>, route: &Route| {
        let path = concrete(&route.path);
        let path = path.strip_prefix("/admin/v1").map(str::to_owned);
        let token = token.map(str::to_owned);
        let route = route.clone();
        async move {
            let body = (route.method != Method::GET).then(|| json!({}));
            match path {
                Some(path) => as_token(app, token.as_deref(), route.method, &path, body).await,
                None => {
                    let auth = token.map(|t| format!("Bearer {t}"));
                    let headers: Vec<(&str, &str)> =
                        auth.iter().map(|a| ("authorization", a.as_str())).collect();
                    app.send(route.method, &route.path, &headers, None).await
                }
            }
        }
    };
    let mut refused_by_role = 0;
    for route in &routes {
        let needs = documented(route);
        let label = format!("{} {} ({needs:?})", route.method, route.path);

        let anonymous = ask(None, route).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{label} answered without a token: its handler asks for no capability: {anonymous:?}"
        );
        anonymous.assert_error(StatusCode::UNAUTHORIZED);

        for (role, token, has) in [
            ("viewer", &viewer, Capability::View),
            ("moderator", &moderator, Capability::Moderate),
            ("owner", &app.admin_token, Capability::Administer),
        ] {
            let reply = ask(Some(token), route).await;
            if needs > has {
                refused_by_role += 1;
                reply.assert_error(StatusCode::FORBIDDEN);
                assert_eq!(
                    reply.body["message"].as_str().unwrap_or_default(),
                    format!("the {role} role may not {} {}", route.method, route.path),
                    "{label}"
                );
            } else {
                assert!(
                    ![StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED].contains(&reply.status),
                    "{label}: the {role} role was refused: {reply:?}"
                );
                assert!(!reply.status.is_server_error(), "{label}: {reply:?}");
            }
        }
    }
    assert!(refused_by_role > 40, "{refused_by_role} refusals");

    // The refused never got as far as a change: no entry of theirs in the audit log.
    let audit = app
        .admin(Method::GET, "/audit?actor=view&limit=500", None)
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{audit:?}");
    assert_eq!(
        audit.body["items"],
        json!([]),
        "the viewer changed something"
    );
    let audit = app
        .admin(Method::GET, "/audit?actor=mod&limit=500", None)
        .await;
    for entry in audit.body["items"].as_array().unwrap() {
        let action = entry["action"].as_str().unwrap();
        assert!(
            MODERATED.iter().any(|(m, p)| action == format!("{m} {p}")),
            "the moderator made an owner's change: {action}"
        );
    }
}
