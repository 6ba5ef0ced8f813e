//! `GET /openapi.json`: an OpenAPI 3.1 document that holds every route the routers serve
//! (read from the routers' source, as the isolation sweep does; the console's and the link
//! page's HTML pages aside) and nothing they do not,
//! whose references all resolve and whose operations name only declared security schemes.

use crate::helpers::TestApp;
use crate::isolation::routes::all_routes;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

backline_store::stories!(crate::helpers::with_app => the_document_lists_every_served_route_and_only_those);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The web console and the player's link page: HTML pages and forms for browsers (cookie and
/// CSRF token), not an API, so not in the document.
fn is_page(path: &str) -> bool {
    ["/console", "/link"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => references(child, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

async fn the_document_lists_every_served_route_and_only_those(app: &TestApp) {
    // Public: no credential.
    let reply = app.get("/openapi.json", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(
        reply.content_type.starts_with("application/json"),
        "{}",
        reply.content_type
    );
    let doc: Value = serde_json::from_str(&reply.text).expect("the document is JSON");
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "openapi {version}");

    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = all_routes()
        .into_iter()
        .filter(|r| !is_page(&r.path))
        .map(|r| (r.method.to_string(), r.path))
        .collect();
    assert!(served.len() >= 60, "{} routes read", served.len());
    let missing: Vec<String> = served
        .difference(&documented)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let unserved: Vec<String> = documented
        .difference(&served)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "served but missing from /openapi.json (annotate the handler with \
         #[utoipa::path] and list it in its surface's OpenApi paths):\n  {}",
        missing.join("\n  ")
    );
    assert!(
        unserved.is_empty(),
        "documented in /openapi.json but served by no router:\n  {}",
        unserved.join("\n  ")
    );

    // Every reference resolves, every operation answers something and names declared schemes.
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    assert!(!refs.is_empty());
    for target in refs {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    for name in [
        "admin_token",
        "spectra_backend_token",
        "spectra_stats_token",
        "access_key",
        "nakama_server_key",
        "nakama_session",
        "nakama_http_key",
        "ember_server_token",
    ] {
        assert!(schemes.contains_key(name), "no {name} scheme");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let what = format!("{method} {path}");
            let responses = op["responses"].as_object().expect("responses");
            // Upstream's empty match id (`/system/match//register`) never succeeds.
            assert!(
                responses.keys().any(|s| s.starts_with('2')) || path.contains("//"),
                "{what} documents no success"
            );
            for requirement in op["security"].as_array().into_iter().flatten() {
                for name in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(name), "{what}: unknown scheme {name}");
                }
            }
            if let Some(id) = op["operationId"].as_str() {
                assert!(
                    ids.insert(id.to_owned()),
                    "{what}: duplicate operationId {id}"
                );
            }
            if path.starts_with("/admin/v1/") {
                assert_eq!(
                    op["security"][0]["admin_token"],
                    serde_json::json!([]),
                    "{what} is an admin route"
                );
            }
        }
    }
    // Documented rules the server enforces: every page size is 1 to 500, an edit of a player
    // names at least one field.
    for (path, item) in paths {
        for method in METHODS {
            for p in item[method]["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "limit" && p["in"] == "query" {
                    assert_eq!(
                        (&p["schema"]["minimum"], &p["schema"]["maximum"]),
                        (&serde_json::json!(1), &serde_json::json!(500)),
                        "{method} {path}: limit without its range"
                    );
                }
            }
        }
    }
    // Every admin API POST takes an optional Idempotency-Key; no other operation does.
    let mut keyed = 0;
    for (path, item) in paths {
        for method in METHODS {
            let takes_key = item[method]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
            let admin_post = method == "post" && path.starts_with("/admin/v1/");
            if item[method].is_object() {
                assert_eq!(takes_key, admin_post, "{method} {path}");
            }
            if takes_key {
                let answers = &item[method]["responses"];
                assert!(
                    answers["409"].is_object() && answers["422"].is_object(),
                    "{path}"
                );
                keyed += 1;
            }
        }
    }
    assert!(keyed >= 18, "{keyed} admin writes take a key");
    // A new account's username states the white space the server refuses in it.
    let username = serde_json::json!(backline_domain::accounts::USERNAME_PATTERN);
    let mut usernames = 0;
    for (path, item) in paths {
        for method in METHODS {
            for p in item[method]["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "username" && p["in"] == "query" {
                    assert_eq!(p["schema"]["pattern"], username, "{method} {path}");
                    usernames += 1;
                }
            }
        }
    }
    assert_eq!(
        usernames, 3,
        "custom, device and email logins take a username"
    );
    // Every player id a route takes states the pattern every source's format is within.
    let pattern = serde_json::json!(backline_domain::accounts::ACCOUNT_ID_PATTERN);
    let mut account_ids = 0;
    for (path, item) in paths {
        for method in METHODS {
            for p in item[method]["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "account_id" {
                    assert_eq!(p["schema"]["pattern"], pattern, "{method} {path}");
                    account_ids += 1;
                }
            }
        }
    }
    for (name, field) in [
        ("CreateBanRequest", "account_id"),
        ("KickRequest", "account_id"),
        ("PlayerBody", "account_id"),
        ("LinkRequest", "external_id"),
    ] {
        let property = &doc["components"]["schemas"][name]["properties"][field];
        assert_eq!(property["pattern"], pattern, "{name}: {property}");
        account_ids += 1;
    }
    assert!(account_ids >= 13, "{account_ids} player ids documented");
    let edit = &doc["components"]["schemas"]["EditPlayerRequest"];
    assert_eq!(edit["minProperties"], 1, "{edit}");
    assert!(edit.get("maxProperties").is_none(), "{edit}");

    // A route the document says needs the admin token refuses a request without one.
    let metrics = app.get("/metrics", &[]).await;
    assert_eq!(metrics.status, StatusCode::UNAUTHORIZED, "{metrics:?}");
}
