//! Isolation: every route of every surface (read from the routers' source, so a new route
//! cannot be forgotten) is asked with no credential, with each credential of a kind it does
//! not take, and with tenant A's credential on tenant B's resources. Every answer must be
//! 401, 403 or 404 and hold none of tenant B's data; afterwards B's data is as it was.

use crate::ember_helpers::{form, server};
use crate::helpers::{Reply, TestApp, HTTP_KEY, SERVER_KEY};
use crate::nakama_helpers::{basic, custom};
use backline_domain::ember::actions::ActionKind;
use backline_server::core::ember::executions::Target;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The matrix makes hundreds of failed attempts from one address on purpose.
fn unlimited_guessing(config: &mut backline_server::config::Config) {
    config.guess_limit.max_failures = u32::MAX;
}

macro_rules! isolation_stories {
    ($($story:ident),* $(,)?) => {
        $(mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::run(backline_store::Backend::Sqlite, super::$story).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::run(backline_store::Backend::Postgres, super::$story).await
            }
        })*
    };
}

async fn run(backend: backline_store::Backend, story: impl AsyncFnOnce(&TestApp)) {
    let Some(app) = TestApp::spawn_with(backend, unlimited_guessing).await else {
        return;
    };
    story(&app).await;
    app.stop().await;
}

isolation_stories!(
    every_route_refuses_missing_foreign_and_other_tenants_credentials,
    a_session_sees_and_revokes_only_its_own_user,
);

/// A route as a router declares it: method and path template under the surface's prefix.
#[derive(Clone, Debug)]
struct Route {
    method: Method,
    path: String,
}

/// Routes of `src/apis/<surface>/mod.rs`, under `prefix`.
fn routes_of(surface: &str, prefix: &str) -> Vec<Route> {
    let file = format!("{}/src/apis/{surface}/mod.rs", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(file).unwrap();
    let mut routes = Vec::new();
    for declaration in source.split(".route(").skip(1) {
        let declaration = declaration
            .split(".fallback(")
            .next()
            .unwrap_or(declaration);
        let path = declaration.split('"').nth(1).unwrap();
        let handlers = &declaration[declaration.find(',').unwrap()..];
        for (name, method) in [
            ("get(", Method::GET),
            ("post(", Method::POST),
            ("put(", Method::PUT),
            ("patch(", Method::PATCH),
            ("delete(", Method::DELETE),
        ] {
            let declared = handlers.match_indices(name).any(|(at, _)| {
                at == 0
                    || !handlers.as_bytes()[at - 1].is_ascii_alphanumeric()
                        && handlers.as_bytes()[at - 1] != b'_'
            });
            if declared {
                routes.push(Route {
                    method,
                    path: format!("{prefix}{path}"),
                });
            }
        }
    }
    assert!(!routes.is_empty(), "no routes found for {surface}");
    routes
}

/// The RPC ids of the Nakama surface's RPC table.
fn rpc_ids() -> Vec<String> {
    let file = format!("{}/src/apis/nakama/rpc/mod.rs", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(file).unwrap();
    let table = source.split("fn dispatch").nth(1).unwrap();
    let table = table.split("_ =>").next().unwrap();
    table
        .lines()
        .filter_map(|line| line.trim().strip_prefix('"'))
        .filter_map(|line| line.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// Every route of every surface, RPCs expanded.
fn all_routes() -> Vec<Route> {
    let mut routes = Vec::new();
    for (surface, prefix) in [
        ("spectra", "/spectra"),
        ("admin", "/admin/v1"),
        ("nakama", "/v2"),
        ("ember", "/api/game"),
    ] {
        for route in routes_of(surface, prefix) {
            if route.path == "/v2/rpc/{*id}" {
                for id in rpc_ids() {
                    routes.push(Route {
                        method: route.method.clone(),
                        path: format!("/v2/rpc/{id}"),
                    });
                }
            } else {
                routes.push(route);
            }
        }
    }
    routes
}

/// The kinds of credential Backline issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    None,
    Admin,
    SpectraBackend,
    SpectraStats,
    AccessKey,
    PlayercamSecret,
    ServerToken,
    Session,
    Refresh,
    ServerKey,
    HttpKey,
}

const KINDS: [Kind; 11] = [
    Kind::None,
    Kind::Admin,
    Kind::SpectraBackend,
    Kind::SpectraStats,
    Kind::AccessKey,
    Kind::PlayercamSecret,
    Kind::ServerToken,
    Kind::Session,
    Kind::Refresh,
    Kind::ServerKey,
    Kind::HttpKey,
];

/// What a route takes: `None` for public routes.
fn accepts(route: &Route) -> Option<Vec<Kind>> {
    let p = route.path.as_str();
    let kinds = if p.starts_with("/admin/v1/") {
        vec![Kind::Admin]
    } else if p.starts_with("/spectra/system/") {
        vec![Kind::SpectraBackend]
    } else if p.starts_with("/spectra/stats/") {
        vec![Kind::SpectraStats]
    } else if p == "/spectra/playercam/api/createSession" {
        vec![Kind::AccessKey]
    } else if p.starts_with("/spectra/playercam/api/") {
        vec![Kind::PlayercamSecret]
    } else if p.starts_with("/spectra/supporter/") || p.starts_with("/spectra/playercam/session/") {
        // Public: the supporter flag, and the session page (the same for every identifier).
        return None;
    } else if p.starts_with("/v2/account/authenticate/") || p == "/v2/account/session/refresh" {
        vec![Kind::ServerKey]
    } else if p == "/v2/session/logout" || p == "/v2/account" {
        vec![Kind::Session]
    } else if p.starts_with("/v2/rpc/") {
        vec![Kind::Session, Kind::HttpKey]
    } else if p.starts_with("/api/game/") {
        vec![Kind::ServerToken]
    } else {
        panic!(
            "route {} {p} is not classified: say what it takes",
            route.method
        );
    };
    Some(kinds)
}

/// One tenant's credentials and data.
struct Tenant {
    org_id: String,
    org_name: String,
    access_key: String,
    playercam_identifier: String,
    playercam_secret: String,
    user_id: String,
    username: String,
    session: String,
    refresh: String,
    server_id: String,
    server_name: String,
    server_token: String,
    execution_id: i64,
    /// The command of the execution queued for this tenant's server.
    command: String,
}

async fn tenant(app: &TestApp, name: &str) -> Tenant {
    let org_name = format!("Org of {name}");
    let org_id = app.create_org(&org_name, None).await;
    let access_key = app.issue_key(&org_id, None).await;
    let cams = app
        .admin(
            Method::POST,
            &format!("/orgs/{org_id}/playercam-sessions"),
            None,
        )
        .await;
    assert_eq!(cams.status, StatusCode::CREATED, "{cams:?}");
    let username = format!("user-of-{name}");
    let login = custom(
        app,
        &format!("custom-id-of-{name}"),
        &format!("create=true&username={username}"),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    let session = login.body["token"].as_str().unwrap().to_owned();
    let user_id = crate::nakama_helpers::claims(&session)["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let server_name = format!("Server of {name}");
    let (server_id, server_token) = server(app, &server_name, &[]).await;
    let command = format!("say secret of {name}");
    let core = app.core().await;
    let queued = core
        .queue_action(
            &Target::Server(server_id.as_str().into()),
            ActionKind::Command,
            &command,
            None,
            false,
        )
        .await
        .unwrap();
    core.store.close().await;
    // Delivered (leased) to its server, so finishing it is the next step.
    let polled = form(app, &server_token, Method::POST, "/poll", "").await;
    assert_eq!(polled.status, StatusCode::OK, "{polled:?}");
    assert!(polled.text.contains(&command), "{polled:?}");
    Tenant {
        org_id,
        org_name,
        access_key,
        playercam_identifier: cams.body["identifier"].as_str().unwrap().to_owned(),
        playercam_secret: cams.body["secret"].as_str().unwrap().to_owned(),
        user_id,
        username,
        session,
        refresh: login.body["refresh_token"].as_str().unwrap().to_owned(),
        server_id,
        server_name,
        server_token,
        execution_id: queued[0].id.0,
        command,
    }
}

/// Credentials that belong to no tenant.
struct Shared {
    admin: String,
    backend: String,
    stats: String,
}

impl Tenant {
    /// The secret of `kind` this tenant would present.
    fn secret(&self, kind: Kind, shared: &Shared) -> Option<String> {
        Some(match kind {
            Kind::None => return None,
            Kind::Admin => shared.admin.clone(),
            Kind::SpectraBackend => shared.backend.clone(),
            Kind::SpectraStats => shared.stats.clone(),
            Kind::AccessKey => self.access_key.clone(),
            Kind::PlayercamSecret => self.playercam_secret.clone(),
            Kind::ServerToken => self.server_token.clone(),
            Kind::Session => self.session.clone(),
            Kind::Refresh => self.refresh.clone(),
            Kind::ServerKey => SERVER_KEY.to_owned(),
            Kind::HttpKey => HTTP_KEY.to_owned(),
        })
    }

    /// What no answer to another tenant may contain (that the request did not itself carry).
    fn markers(&self) -> Vec<&str> {
        vec![
            &self.org_id,
            &self.org_name,
            &self.access_key,
            &self.playercam_identifier,
            &self.playercam_secret,
            &self.user_id,
            &self.username,
            &self.session,
            &self.refresh,
            &self.server_id,
            &self.server_name,
            &self.server_token,
            &self.command,
        ]
    }
}

/// `route`'s path with tenant B's resources, and `secret` where the path carries one.
fn concrete_path(route: &Route, b: &Tenant, secret: &str) -> String {
    let mut path = route.path.clone();
    for (param, value) in [
        ("{key}", b.access_key.clone()),
        ("{org_id}", b.org_id.clone()),
        ("{match_id}", crate::helpers::MATCH_ID.to_owned()),
        ("{identifier}", b.playercam_identifier.clone()),
        ("{secret}", secret.to_owned()),
        ("{full_name}", "Player%23EUW".to_owned()),
        ("{execution_id}", b.execution_id.to_string()),
        ("{source}", "steam".to_owned()),
        ("{account_id}", crate::ember_helpers::STEAM_ID.to_owned()),
        ("{ingame}", "admin".to_owned()),
        ("{key_id}", b.access_key.clone()),
        ("{token_id}", "some-token-id".to_owned()),
        ("{puuid}", "some-puuid".to_owned()),
    ] {
        path = path.replace(param, &value);
    }
    assert!(!path.contains('{'), "unfilled parameter in {path}");
    path
}

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
