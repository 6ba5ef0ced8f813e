//! The routes of every surface, read from the routers' source (`apis/*/mod.rs`, RPC ids
//! from the RPC table), and the kinds of credential each takes.

use reqwest::Method;

/// A route as a router declares it: method and path template under the surface's prefix.
#[derive(Clone, Debug)]
pub struct Route {
    pub method: Method,
    pub path: String,
}

/// Routes of `src/apis/<surface>/mod.rs`, under `prefix` (less those it serves at the root).
pub fn routes_of(surface: &str, prefix: &str) -> Vec<Route> {
    let file = format!("apis/{surface}/mod.rs");
    let mut source = read(&file);
    for function in AT_THE_ROOT {
        if let Some(body) = function_body(&source, function) {
            source = source.replace(&body, "");
        }
    }
    routes_in_source(&source, &file, prefix)
}

/// Functions of the surfaces' `mod.rs` whose routes are served at the root.
const AT_THE_ROOT: [&str; 1] = ["metrics_router"];

/// Routes served at the root, outside the four surfaces' prefixes: those the surfaces
/// declare there in their `surface.rs` (`/healthz`, `/readyz`, `/healthcheck`), `/metrics` and
/// `/openapi.json`.
pub fn root_routes() -> Vec<Route> {
    let mut routes = routes_in("apis/admin/surface.rs", "routes", "");
    routes.extend(routes_in("apis/nakama/surface.rs", "routes", ""));
    routes.extend(routes_in("apis/admin/mod.rs", "metrics_router", ""));
    routes.extend(routes_of("openapi", ""));
    routes
}

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{}/src/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The text of `fn function` in `source`, to its closing brace at the start of a line.
fn function_body(source: &str, function: &str) -> Option<String> {
    let start = source.find(&format!("fn {function}("))?;
    let body = &source[start..];
    Some(body[..body.find("\n}\n").unwrap_or(body.len())].to_owned())
}

/// The `.route(` declarations of `fn function` in `src/<file>`, under `prefix`.
pub fn routes_in(file: &str, function: &str, prefix: &str) -> Vec<Route> {
    let source = read(file);
    let body =
        function_body(&source, function).unwrap_or_else(|| panic!("no fn {function} in {file}"));
    routes_in_source(&body, file, prefix)
}

/// The `.route(` declarations in `source` (read from `file`), under `prefix`.
fn routes_in_source(source: &str, file: &str, prefix: &str) -> Vec<Route> {
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
    assert!(!routes.is_empty(), "no routes found in {file}");
    routes
}

/// The RPC ids of the Nakama surface's RPC table.
pub fn rpc_ids() -> Vec<String> {
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

/// Every route of every surface and of the root, RPCs expanded.
pub fn all_routes() -> Vec<Route> {
    let mut routes = root_routes();
    for (surface, prefix) in [
        ("spectra", "/spectra"),
        ("admin", "/admin/v1"),
        ("nakama", "/v2"),
        ("ember", "/api/game"),
        ("console", "/console"),
        ("link", "/link"),
        ("events", ""),
    ] {
        for mut route in routes_of(surface, prefix) {
            // A nested router's `/` is its prefix itself.
            if route.path == format!("{prefix}/") {
                route.path = prefix.to_owned();
            }
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
pub enum Kind {
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

pub const KINDS: [Kind; 11] = [
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
pub fn accepts(route: &Route) -> Option<Vec<Kind>> {
    let p = route.path.as_str();
    let kinds = if p.starts_with("/admin/v1/") || p == "/metrics" {
        vec![Kind::Admin]
    } else if p.starts_with("/spectra/system/") {
        vec![Kind::SpectraBackend]
    } else if p.starts_with("/spectra/stats/") {
        vec![Kind::SpectraStats]
    } else if p == "/spectra/playercam/api/createSession" {
        vec![Kind::AccessKey]
    } else if p.starts_with("/spectra/playercam/api/") {
        vec![Kind::PlayercamSecret]
    } else if ["/healthz", "/readyz", "/healthcheck", "/openapi.json"].contains(&p) {
        // Public: liveness, readiness, and the OpenAPI document.
        return None;
    } else if p.starts_with("/spectra/supporter/")
        || p.starts_with("/spectra/playercam/session/")
        || p.starts_with("/spectra/playercam/assets/")
    {
        // Public: the supporter flag, and the session page (the same for every identifier)
        // with its script and stylesheet.
        return None;
    } else if p.starts_with("/v2/account/authenticate/") || p == "/v2/account/session/refresh" {
        vec![Kind::ServerKey]
    } else if p == "/v2/session/logout" || p == "/v2/account" {
        vec![Kind::Session]
    } else if p.starts_with("/v2/rpc/") {
        vec![Kind::Session, Kind::HttpKey]
    } else if p.starts_with("/api/game/") {
        vec![Kind::ServerToken]
    } else if p == "/console/sign-in" || p.starts_with("/console/assets/") {
        // Public: the sign-in form and the embedded stylesheet and script.
        return None;
    } else if p == "/console" || p.starts_with("/console/") || p.starts_with("/link/") {
        // The console takes only its session cookie, the link page a link token in the path
        // (and the player's session cookie): no header credential opens either.
        vec![]
    } else if p == "/events" {
        // Operators see every event, an organisation's key its own match events.
        vec![Kind::Admin, Kind::AccessKey]
    } else {
        panic!(
            "route {} {p} is not classified: say what it takes",
            route.method
        );
    };
    Some(kinds)
}
