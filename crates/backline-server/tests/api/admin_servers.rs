//! The admin API's game servers and games: create (the token shown once, stored hashed),
//! list with last poll, queue depth and last error, filter and page, edit settings (the next
//! poll delivers them), rotate the token; only owners write them.

use crate::admin_roles::{as_token, issue};
use crate::ember_helpers::{form, poll, without_settings};
use crate::helpers::TestApp;
use backline_domain::ids::ServerId;
use backline_domain::secret::SecretHash;
use backline_store::GameServerStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    servers_are_created_shown_edited_and_their_tokens_rotated,
    the_server_list_shows_polling_queue_depth_and_the_last_error,
    servers_are_filtered_and_paged,
    games_are_listed_and_shown,
    bad_server_input_is_refused_in_the_admin_shape_and_changes_nothing,
    only_owners_write_servers,
);

/// Creates a server through the admin API; its id and token.
pub async fn create_server(
    app: &TestApp,
    name: &str,
    game: &str,
    groups: &[&str],
) -> (String, String) {
    let r = app
        .admin(
            Method::POST,
            "/servers",
            Some(json!({"name": name, "game": game, "groups": groups, "poll_interval_seconds": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    (
        r.body["id"].as_str().unwrap().to_owned(),
        r.body["token"].as_str().unwrap().to_owned(),
    )
}

/// The `(action, entity_type, entity_id)` of every audit entry, oldest first.
pub async fn audit_trail(app: &TestApp) -> Vec<(String, String, Value)> {
    let r = app.admin(Method::GET, "/audit?limit=500", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut trail: Vec<(String, String, Value)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["entity_type"].as_str().unwrap().to_owned(),
                e["entity_id"].clone(),
            )
        })
        .collect();
    trail.reverse();
    trail
}

/// Every item of a paginated list, following `next_cursor` with pages of `limit`; also the
/// number of pages.
pub async fn all_pages(app: &TestApp, path: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let r = app.admin(Method::GET, &url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {r:?}");
        let page = r.body["items"].as_array().unwrap();
        assert!(page.len() <= limit);
        items.extend(page.iter().cloned());
        pages += 1;
        match r.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 50, "endless pages");
    }
    (items, pages)
}

/// Percent-encodes a query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Servers created within one millisecond are ordered by their random ids: compare sets.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

async fn servers_are_created_shown_edited_and_their_tokens_rotated(app: &TestApp) {
    let created = app
        .admin(
            Method::POST,
            "/servers",
            Some(
                json!({"name": "GMod EU 1", "game": "gmod", "groups": ["eu"],
                "poll_interval_seconds": 7, "address": "10.0.0.1:27015"}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert_eq!(created.body["name"], "GMod EU 1");
    assert_eq!(created.body["groups"], json!(["eu"]));
    assert_eq!(created.body["poll_interval_seconds"], 7);
    // Stored hashed: found by the token's hash, never shown again.
    let store = app.store().await;
    let stored = store
        .server_by_token(&SecretHash::of(&token))
        .await
        .unwrap()
        .expect("the server is found by its token's hash");
    assert_eq!(stored.id.as_str(), id);
    let shown = app
        .admin(Method::GET, &format!("/servers/{id}"), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    assert_eq!(shown.body["address"], "10.0.0.1:27015");
    assert!(shown.body.get("token").is_none());
    assert!(!shown.text.contains(&token));
    let listed = app.admin(Method::GET, "/servers", None).await;
    assert!(!listed.text.contains(&token));

    // The plugin with the token gets the settings.
    let actions = poll(app, &token, "").await;
    assert_eq!(actions[0]["type"], "settings");
    assert_eq!(actions[0]["payload"]["poll_interval"], 7);

    let edited = app
        .admin(
            Method::PATCH,
            &format!("/servers/{id}"),
            Some(json!({"name": "GMod EU One", "poll_interval_seconds": 20,
                "role_sync": {"receive": false}, "enforced_ban_scopes": ["global"],
                "groups": ["eu", "us"], "default_ban_group": "us", "address": null})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{edited:?}");
    assert_eq!(edited.body["name"], "GMod EU One");
    assert_eq!(edited.body["groups"], json!(["eu", "us"]));
    assert_eq!(edited.body["address"], Value::Null);
    let stored = store
        .get_server(&ServerId::from_string(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.poll_interval_seconds, 20);
    assert!(!stored.role_sync.receive && stored.role_sync.send);
    assert_eq!(stored.default_ban_group.as_deref(), Some("us"));
    assert_eq!(stored.address, None);
    // The next poll delivers the new settings.
    let actions = poll(app, &token, "").await;
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(
        actions[0]["payload"],
        json!({"role_sync": {"send": true, "receive": false}, "ban_log": true, "poll_interval": 20})
    );

    let rotated = app
        .admin(Method::POST, &format!("/servers/{id}/token"), None)
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{rotated:?}");
    let new_token = rotated.body["token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, token);
    form(app, &token, Method::POST, "/poll", "")
        .await
        .assert_laravel_error(401, None);
    assert!(poll(app, &new_token, "").await.is_empty());
    assert!(store
        .server_by_token(&SecretHash::of(&token))
        .await
        .unwrap()
        .is_none());
    store.close().await;

    let trail = audit_trail(app).await;
    assert_eq!(
        trail,
        vec![
            ("POST /admin/v1/servers".into(), "servers".into(), json!(id)),
            (
                "PATCH /admin/v1/servers/{server_id}".into(),
                "servers".into(),
                json!(id)
            ),
            (
                "POST /admin/v1/servers/{server_id}/token".into(),
                "servers".into(),
                json!(id)
            ),
        ]
    );
    assert!(!serde_json::to_string(&trail).unwrap().contains(&new_token));
}

async fn the_server_list_shows_polling_queue_depth_and_the_last_error(app: &TestApp) {
    let (id, token) = create_server(app, "EU", "gmod", &["eu"]).await;
    let shown = app
        .admin(Method::GET, &format!("/servers/{id}"), None)
        .await;
    assert_eq!(
        (
            &shown.body["polling"],
            &shown.body["last_poll_at"],
            &shown.body["queue_depth"],
            &shown.body["last_error"]
        ),
        (&json!(false), &Value::Null, &json!(0), &Value::Null),
        "{shown:?}"
    );
    for text in ["say one", "say two"] {
        let r = app
            .admin(
                Method::POST,
                "/actions",
                Some(json!({"server": id, "type": "command", "text": text})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    let shown = app
        .admin(Method::GET, &format!("/servers/{id}"), None)
        .await;
    assert_eq!(
        (&shown.body["queue_depth"], &shown.body["leased"]),
        (&json!(2), &json!(0))
    );
    let delivered = without_settings(poll(app, &token, "").await);
    assert_eq!(delivered.len(), 2);
    let shown = app.admin(Method::GET, "/servers", None).await;
    let item = &shown.body["items"][0];
    assert_eq!(
        (&item["polling"], &item["queue_depth"], &item["leased"]),
        (&json!(true), &json!(2), &json!(2)),
        "{shown:?}"
    );
    assert!(item["last_poll_at"].is_string());
    let first = delivered[0]["payload"]["execution_id"].as_i64().unwrap();
    let second = delivered[1]["payload"]["execution_id"].as_i64().unwrap();
    for (execution, body) in [
        (first, "error=first+failure"),
        (second, "error=Unknown+command"),
    ] {
        let r = form(
            app,
            &token,
            Method::PATCH,
            &format!("/actions/executions/{execution}/finish"),
            body,
        )
        .await;
        assert_eq!(r.status, 204, "{r:?}");
    }
    let shown = app
        .admin(Method::GET, &format!("/servers/{id}"), None)
        .await;
    assert_eq!(shown.body["queue_depth"], 0);
    assert_eq!(shown.body["last_error"]["execution_id"], second);
    assert_eq!(shown.body["last_error"]["error"], "Unknown command");
    assert!(shown.body["last_error"]["at"].is_string());
    // A server silent for more than three intervals has stopped polling.
    crate::ember_helpers::execute_sql(
        app,
        "UPDATE ember_servers SET last_poll_at = last_poll_at - $1",
        16_000,
    )
    .await;
    let shown = app
        .admin(Method::GET, &format!("/servers/{id}"), None)
        .await;
    assert_eq!(shown.body["polling"], false, "{shown:?}");
}

async fn servers_are_filtered_and_paged(app: &TestApp) {
    let (eu1, eu1_token) = create_server(app, "GMod EU 1", "gmod", &["eu"]).await;
    let (us, _) = create_server(app, "Rust US", "rust", &["us"]).await;
    let (eu2, _) = create_server(app, "gmod eu 2", "gmod", &["eu", "event"]).await;
    poll(app, &eu1_token, "").await;
    for (query, expected) in [
        ("game=rust", vec![us.clone()]),
        ("group=eu", vec![eu1.clone(), eu2.clone()]),
        ("group=even", vec![]),
        ("name=EU", vec![eu1.clone(), eu2.clone()]),
        ("name=%25", vec![]),
        ("polling=true", vec![eu1.clone()]),
        ("polling=false", vec![us.clone(), eu2.clone()]),
        ("game=gmod&polling=false", vec![eu2.clone()]),
    ] {
        let r = app
            .admin(Method::GET, &format!("/servers?{query}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {r:?}");
        assert_eq!(
            sorted(ids(r.body["items"].as_array().unwrap())),
            sorted(expected),
            "{query}"
        );
        assert_eq!(r.body["next_cursor"], Value::Null);
    }
    let (items, pages) = all_pages(app, "/servers", 2).await;
    assert_eq!(pages, 2);
    assert_eq!(
        sorted(ids(&items)),
        sorted(vec![eu1.clone(), us, eu2.clone()])
    );
    let (items, pages) = all_pages(app, "/servers?game=gmod", 1).await;
    assert_eq!((sorted(ids(&items)), pages), (sorted(vec![eu1, eu2]), 2));
}

async fn games_are_listed_and_shown(app: &TestApp) {
    let (items, _) = all_pages(app, "/games", 2).await;
    let keys = ids(&items);
    assert_eq!(keys, vec!["csgo", "gmod", "minecraft", "rust"]);
    let gmod = app.admin(Method::GET, "/games/gmod", None).await;
    assert_eq!(gmod.status, StatusCode::OK);
    assert_eq!(
        gmod.body,
        json!({"id": "gmod", "name": "Garry's Mod", "source": "steam",
            "commands": {"kick": "kickid {steamid2} \"{reason}\""}})
    );
    app.admin(Method::GET, "/games/tetris", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    // Games are configuration: not written through the API.
    app.admin(Method::POST, "/games", Some(json!({"id": "tetris"})))
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED);
}

async fn bad_server_input_is_refused_in_the_admin_shape_and_changes_nothing(app: &TestApp) {
    let auth = format!("Bearer {}", app.admin_token);
    let malformed = app
        .send(
            Method::POST,
            "/admin/v1/servers",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Some(b"{\"name\": ".to_vec()),
        )
        .await;
    malformed.assert_error(StatusCode::BAD_REQUEST);
    for body in [
        json!({"name": 5, "game": "gmod"}),
        json!({"name": "X"}),
        json!({"name": "X", "game": "tetris"}),
        json!({"name": "", "game": "gmod"}),
        json!({"name": "X", "game": "gmod", "poll_interval_seconds": 0}),
        json!({"name": "X", "game": "gmod", "colour": "red"}),
        json!({"name": "X", "game": "gmod", "groups": "eu"}),
    ] {
        app.admin(Method::POST, "/servers", Some(body.clone()))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    for query in [
        "limit=abc",
        "limit=0",
        "bogus=1",
        "polling=maybe",
        "cursor=garbage",
    ] {
        let r = app
            .admin(Method::GET, &format!("/servers?{query}"), None)
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {r:?}"
        );
        r.assert_error(r.status);
    }
    app.admin(Method::GET, "/servers/nosuch", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::PATCH, "/servers/nosuch", Some(json!({"name": "X"})))
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::POST, "/servers/nosuch/token", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let (id, _) = create_server(app, "Real", "gmod", &[]).await;
    for body in [
        json!({"enforced_ban_scopes": ["planet"]}),
        json!({"poll_interval_seconds": "fast"}),
        json!({"name": "  "}),
        json!({"role_sync": {"send": "yes"}}),
    ] {
        app.admin(Method::PATCH, &format!("/servers/{id}"), Some(body.clone()))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let listed = app.admin(Method::GET, "/servers", None).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (&items[0]["name"], &items[0]["settings_version"]),
        (&json!("Real"), &json!(1))
    );
}

async fn only_owners_write_servers(app: &TestApp) {
    let (id, _) = create_server(app, "Real", "gmod", &["eu"]).await;
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let writes = [
        (
            Method::POST,
            "/servers".to_owned(),
            json!({"name": "X", "game": "gmod"}),
        ),
        (
            Method::PATCH,
            format!("/servers/{id}"),
            json!({"name": "X"}),
        ),
        (Method::POST, format!("/servers/{id}/token"), json!({})),
    ];
    for (method, path, body) in &writes {
        for token in [&moderator, &viewer] {
            as_token(app, Some(token), method.clone(), path, Some(body.clone()))
                .await
                .assert_error(StatusCode::FORBIDDEN);
        }
        for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
            as_token(app, token, method.clone(), path, Some(body.clone()))
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    for token in [&moderator, &viewer] {
        for path in [
            "/servers".to_owned(),
            format!("/servers/{id}"),
            "/games".to_owned(),
        ] {
            let r = as_token(app, Some(token), Method::GET, &path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
        }
    }
    as_token(app, None, Method::GET, "/servers", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    let listed = app.admin(Method::GET, "/servers", None).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "Real");
    let trail = audit_trail(app).await;
    assert!(
        trail
            .iter()
            .all(|(action, _, _)| !action.contains("/servers/{server_id}")),
        "{trail:?}"
    );
}
