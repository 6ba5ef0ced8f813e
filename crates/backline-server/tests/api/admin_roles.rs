//! Operators' admin tokens: issue, list and revoke them; each role held to its writes; every
//! rejection in the admin JSON shape with nothing changed.

use crate::helpers::{cli, TestApp};
use backline_domain::admin::AdminRole;
use backline_domain::secret::SecretHash;
use backline_server::config::Config;
use backline_server::core::page::PageRequest;
use backline_server::server;
use backline_store::testing::TestDatabase;
use backline_store::{Backend, SettingStore};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    the_bootstrap_token_is_an_owner_listed_without_its_secret,
    admin_tokens_are_issued_listed_and_revoked_through_the_api,
    each_role_may_read_and_only_write_what_it_is_allowed,
    requests_without_a_valid_admin_token_are_refused_and_change_nothing,
    admin_tokens_are_issued_listed_and_revoked_through_the_cli,
);

/// An admin API call with `token` (no `Authorization` header when `None`).
pub async fn as_token(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> crate::helpers::Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    let body = body.map(|b| serde_json::to_vec(&b).unwrap());
    app.send(method, &format!("/admin/v1{path}"), &headers, body)
        .await
}

/// Issues an admin token through the API with the bootstrap owner token; the token.
pub async fn issue(app: &TestApp, name: &str, role: &str) -> String {
    let r = app
        .admin(
            Method::POST,
            "/admin-tokens",
            Some(json!({"name": name, "role": role})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (r.body["name"].as_str(), r.body["role"].as_str()),
        (Some(name), Some(role))
    );
    r.body["token"].as_str().unwrap().to_owned()
}

async fn the_bootstrap_token_is_an_owner_listed_without_its_secret(app: &TestApp) {
    let listed = app.admin(Method::GET, "/admin-tokens", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["items"][0]["name"], "bootstrap");
    assert_eq!(listed.body["items"][0]["role"], "owner");
    assert_eq!(
        listed.body["items"][0]["prefix"],
        json!(&app.admin_token[..6])
    );
    assert!(!listed.text.contains(&app.admin_token));
    let stored = app.store().await;
    let hash = SecretHash::of(&app.admin_token);
    use backline_store::AdminTokenStore;
    let found = stored
        .find_active_admin_token(&hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.role, AdminRole::Owner);
}

async fn admin_tokens_are_issued_listed_and_revoked_through_the_api(app: &TestApp) {
    let viewer = issue(app, "alice", "viewer").await;
    let listed = app.admin(Method::GET, "/admin-tokens", None).await;
    let names: Vec<_> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("bootstrap"), json!("alice")]);
    assert!(!listed.text.contains(&viewer));
    assert_eq!(
        as_token(app, Some(&viewer), Method::GET, "/orgs", None)
            .await
            .status,
        StatusCode::OK
    );

    app.admin(
        Method::POST,
        "/admin-tokens",
        Some(json!({"name": "alice", "role": "owner"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT);
    app.admin(
        Method::POST,
        "/admin-tokens",
        Some(json!({"name": "bob", "role": "god"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::DELETE, "/admin-tokens/nobody", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);

    let revoked = app.admin(Method::DELETE, "/admin-tokens/alice", None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    assert!(revoked.body["revoked_at"].is_string());
    as_token(app, Some(&viewer), Method::GET, "/orgs", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    // By id as well.
    issue(app, "carol", "viewer").await;
    let listed = app.admin(Method::GET, "/admin-tokens", None).await;
    let id = listed.body["items"][2]["id"].as_str().unwrap().to_owned();
    let revoked = app
        .admin(Method::DELETE, &format!("/admin-tokens/{id}"), None)
        .await;
    assert_eq!(
        (revoked.status, revoked.body["name"].as_str()),
        (StatusCode::OK, Some("carol"))
    );
}

async fn each_role_may_read_and_only_write_what_it_is_allowed(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let org = app.create_org("Org", None).await;
    let key_id = {
        app.issue_key(&org, None).await;
        let keys = app
            .admin(Method::GET, &format!("/orgs/{org}/keys"), None)
            .await;
        keys.body["items"][0]["id"].as_str().unwrap().to_owned()
    };
    app.issue_token("spectra-backend").await;
    let token_id = app.admin(Method::GET, "/tokens", None).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner_only: Vec<(Method, String, Value)> = vec![
        (Method::POST, "/orgs".into(), json!({"name": "X"})),
        (
            Method::PUT,
            format!("/orgs/{org}/supporter"),
            json!({"supporter": true}),
        ),
        (Method::POST, format!("/orgs/{org}/keys"), json!({})),
        (Method::DELETE, format!("/keys/{key_id}"), json!({})),
        (
            Method::POST,
            "/tokens".into(),
            json!({"kind": "spectra-stats"}),
        ),
        (Method::DELETE, format!("/tokens/{token_id}"), json!({})),
        (
            Method::POST,
            format!("/orgs/{org}/playercam-sessions"),
            json!({}),
        ),
        (
            Method::POST,
            "/admin-tokens".into(),
            json!({"name": "x", "role": "owner"}),
        ),
        (Method::DELETE, "/admin-tokens/bootstrap".into(), json!({})),
        (Method::GET, "/admin-tokens".into(), json!({})),
    ];
    for token in [&moderator, &viewer] {
        for (method, path, body) in &owner_only {
            let r = as_token(app, Some(token), method.clone(), path, Some(body.clone())).await;
            r.assert_error(StatusCode::FORBIDDEN);
        }
    }
    let moderated: Vec<(Method, String, Value)> = vec![
        (Method::PUT, "/players/p1".into(), json!({"region": "eu"})),
        (
            Method::PUT,
            "/playercam-sessions/nosuch/players/Someone%23EUW".into(),
            json!({"camera_enabled": true}),
        ),
    ];
    for (method, path, body) in &moderated {
        as_token(app, Some(&viewer), method.clone(), path, Some(body.clone()))
            .await
            .assert_error(StatusCode::FORBIDDEN);
    }
    assert!(
        app.admin(Method::GET, "/players?limit=10", None).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let edited = as_token(
        app,
        Some(&moderator),
        Method::PUT,
        "/players/p1",
        Some(json!({"region": "eu"})),
    )
    .await;
    assert_eq!(
        (edited.status, edited.body["region"].as_str()),
        (StatusCode::OK, Some("eu")),
        "{edited:?}"
    );
    let cam = as_token(
        app,
        Some(&moderator),
        Method::PUT,
        &moderated[1].1,
        Some(moderated[1].2.clone()),
    )
    .await;
    assert_ne!(cam.status, StatusCode::FORBIDDEN, "{cam:?}");

    // Nothing the refused writes asked for happened.
    let orgs = app.admin(Method::GET, "/orgs", None).await;
    assert_eq!(orgs.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(orgs.body["items"][0]["supporter"], false);
    let keys = app
        .admin(Method::GET, &format!("/orgs/{org}/keys"), None)
        .await;
    assert_eq!(keys.body["items"].as_array().unwrap().len(), 1);
    assert!(keys.body["items"][0]["revoked_at"].is_null());
    let tokens = app.admin(Method::GET, "/tokens", None).await;
    assert_eq!(tokens.body["items"].as_array().unwrap().len(), 1);
    assert!(tokens.body["items"][0]["revoked_at"].is_null());
    let sessions = app
        .admin(
            Method::GET,
            &format!("/orgs/{org}/playercam-sessions"),
            None,
        )
        .await;
    assert!(sessions.body["items"].as_array().unwrap().is_empty());
    let admins = app.admin(Method::GET, "/admin-tokens", None).await;
    assert_eq!(admins.body["items"].as_array().unwrap().len(), 3);
    assert!(admins.body["items"][0]["revoked_at"].is_null());

    // Every role reads.
    for token in [&moderator, &viewer] {
        for path in ["/orgs", "/players", "/matches", "/tokens", "/audit"] {
            let r = as_token(app, Some(token), Method::GET, path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
        }
    }
}

async fn requests_without_a_valid_admin_token_are_refused_and_change_nothing(app: &TestApp) {
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    for token in [
        None,
        Some(""),
        Some("nonsense"),
        Some(revoked.as_str()),
        Some(access_key.as_str()),
    ] {
        for (method, path) in [
            (Method::POST, "/orgs"),
            (Method::GET, "/orgs"),
            (Method::POST, "/admin-tokens"),
        ] {
            let r = as_token(
                app,
                token,
                method,
                path,
                Some(json!({"name": "Intruder", "role": "owner"})),
            )
            .await;
            r.assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    let orgs = app.admin(Method::GET, "/orgs", None).await;
    assert_eq!(orgs.body["items"].as_array().unwrap().len(), 1);
    let admins = app.admin(Method::GET, "/admin-tokens", None).await;
    assert_eq!(admins.body["items"].as_array().unwrap().len(), 2);
}

async fn admin_tokens_are_issued_listed_and_revoked_through_the_cli(app: &TestApp) {
    let url = &app.db.url;
    let (ok, issued, err) = cli(
        url,
        &[
            "admin-token",
            "issue",
            "ops",
            "--role",
            "moderator",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(issued["role"], "moderator");
    let token = issued["token"].as_str().unwrap().to_owned();
    let (ok, listed, _) = cli(url, &["admin-token", "list", "--json"]).await;
    assert!(ok);
    let tokens = listed["admin_tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(
        (tokens[1]["name"].as_str(), tokens[1]["role"].as_str()),
        (Some("ops"), Some("moderator"))
    );
    assert!(!listed.to_string().contains(&token));
    let r = as_token(
        app,
        Some(&token),
        Method::PUT,
        "/players/p1",
        Some(json!({"region": "eu"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let (ok, _, err) = cli(url, &["admin-token", "issue", "ops", "--role", "viewer"]).await;
    assert!(!ok && err.contains("exists"), "{err}");
    let (ok, revoked, err) = cli(url, &["admin-token", "revoke", "ops", "--json"]).await;
    assert!(ok, "{err}");
    assert!(revoked["revoked_at"].is_string());
    as_token(app, Some(&token), Method::GET, "/orgs", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    let (ok, _, _) = cli(url, &["admin-token", "revoke", "nobody"]).await;
    assert!(!ok);
}

async fn legacy_token_becomes_the_bootstrap_owner(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    store.migrate().await.unwrap();
    store
        .set_setting(
            "admin_token_sha256",
            SecretHash::of("old-admin-token").as_str(),
        )
        .await
        .unwrap();
    let config = Config {
        database_url: db.url.clone(),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let prepared = server::prepare(config.clone(), listener).await.unwrap();
    assert!(prepared.generated_admin_token.is_none());
    let core = prepared.core();
    let operator = core
        .authenticate_admin(None, Some("old-admin-token"))
        .await
        .unwrap();
    assert_eq!(
        (operator.name.as_str(), operator.role),
        ("bootstrap", AdminRole::Owner)
    );
    // A second start changes nothing.
    assert!(core.ensure_admin_token().await.unwrap().is_none());
    assert_eq!(
        core.list_admin_tokens(
            &crate::helpers::grant(),
            &PageRequest::new(None, None).unwrap(),
        )
        .await
        .unwrap()
        .items
        .len(),
        1
    );
    // The configured token is an owner too.
    let configured = core
        .authenticate_admin(Some("configured"), Some("configured"))
        .await
        .unwrap();
    assert_eq!(
        (configured.name.as_str(), configured.role),
        ("config", AdminRole::Owner)
    );
    store.close().await;
    drop(prepared);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_with_the_old_single_admin_token_keeps_it_as_the_bootstrap_owner_on_sqlite() {
    legacy_token_becomes_the_bootstrap_owner(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_with_the_old_single_admin_token_keeps_it_as_the_bootstrap_owner_on_postgres() {
    legacy_token_becomes_the_bootstrap_owner(Backend::Postgres).await;
}
