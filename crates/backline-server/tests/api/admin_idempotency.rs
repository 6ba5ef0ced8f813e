//! `Idempotency-Key` on the admin API's writes: a create sent again with its key makes one
//! entity and gets the first answer again; the key is the caller's, bound to its request, kept
//! 24 hours, sealed in the database; a failure worth retrying frees it.

use crate::helpers::TestApp;
use backline_server::core::idempotency::{IdempotencyKey, KeyedRequest};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

backline_store::stories!(crate::helpers::with_app =>
    a_create_sent_again_with_its_key_makes_one_entity_and_replays_the_answer,
    a_key_reused_for_another_request_is_refused_and_changes_nothing,
    a_key_whose_first_request_still_runs_is_refused_until_it_is_abandoned,
    keys_are_the_callers_own_and_expire_after_a_day,
    answers_that_a_retry_may_change_free_the_key,
    a_malformed_key_is_refused_and_other_methods_ignore_it,
);

/// A keyed-request answer: status, JSON body and whether it was replayed.
struct Keyed {
    status: StatusCode,
    body: Value,
    replayed: bool,
}

async fn post(app: &TestApp, token: &str, key: Option<&str>, path: &str, body: &Value) -> Keyed {
    let mut request = app
        .client
        .post(app.url(&format!("/admin/v1{path}")))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let text = response.text().await.unwrap();
    Keyed {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        replayed,
    }
}

/// The names of the admin tokens (roles, organisations) listed at `path`.
async fn names(app: &TestApp, path: &str) -> Vec<String> {
    let listed = app.admin(Method::GET, path, None).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    let items = listed.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list in {:?}", listed.body))
        .clone();
    items
        .iter()
        .filter_map(|i| i["name"].as_str().map(str::to_owned))
        .collect()
}

async fn stored_texts(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::Connection;
    match app.db.backend {
        backline_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            rows
        }
        backline_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            rows
        }
    }
}

const ROW_TEXT: &str = "SELECT id || ' ' || fingerprint || ' ' || COALESCE(content_type, '') \
                        || ' ' || COALESCE(sealed_body, '') FROM idempotency_keys";

async fn a_create_sent_again_with_its_key_makes_one_entity_and_replays_the_answer(app: &TestApp) {
    let token = app.admin_token.clone();
    let body = json!({"name": "deploy-bot", "role": "viewer"});
    let key = "0b8e6a1c-aaaa-4222-8333-944445555666";
    let first = post(app, &token, Some(key), "/admin-tokens", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert!(!first.replayed);
    let secret = first.body["token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let again = post(app, &token, Some(key), "/admin-tokens", &body).await;
        assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
        assert!(again.replayed, "the answer is marked as replayed");
        assert_eq!(again.body, first.body, "the first answer, secret and all");
    }
    let listed = names(app, "/admin-tokens").await;
    assert_eq!(
        listed.iter().filter(|n| *n == "deploy-bot").count(),
        1,
        "{listed:?}"
    );
    // The issued token works: it is the one stored, not a second one.
    let read = post(
        app,
        &secret,
        None,
        "/roles",
        &json!({"name": "x", "ingame": "x"}),
    )
    .await;
    assert_eq!(
        read.status,
        StatusCode::FORBIDDEN,
        "a viewer's token, refused a write"
    );
    // The database keeps one row per key and none of the secrets in the clear.
    let rows = stored_texts(app, ROW_TEXT).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(!rows[0].contains(&secret), "the shown-once token is sealed");
    assert!(
        !rows[0].contains(key) && !rows[0].contains(&token),
        "{rows:?}"
    );
    assert!(
        !rows[0].contains("deploy-bot"),
        "the request is kept as a hash"
    );
    // Without a key, the same create makes another entity (here: a name taken, 409).
    let unkeyed = post(app, &token, None, "/admin-tokens", &body).await;
    assert_eq!(unkeyed.status, StatusCode::CONFLICT, "{:?}", unkeyed.body);
}

async fn a_key_reused_for_another_request_is_refused_and_changes_nothing(app: &TestApp) {
    let token = app.admin_token.clone();
    let key = "role-key-1";
    let first = post(
        app,
        &token,
        Some(key),
        "/roles",
        &json!({"name": "Moderators", "ingame": "moderators"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let other = post(
        app,
        &token,
        Some(key),
        "/roles",
        &json!({"name": "Admins", "ingame": "admins"}),
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        other.body
    );
    assert_eq!(other.body["error"], "invalid", "{:?}", other.body);
    assert!(
        other.body["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key was used with another request"),
        "{:?}",
        other.body
    );
    // Another path with the same key is another request too.
    let elsewhere = post(app, &token, Some(key), "/orgs", &json!({"name": "Org"})).await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    let roles = names(app, "/roles").await;
    assert!(roles.contains(&"Moderators".to_owned()), "{roles:?}");
    assert!(!roles.contains(&"Admins".to_owned()), "{roles:?}");
    let orgs = names(app, "/orgs").await;
    assert!(!orgs.contains(&"Org".to_owned()), "{orgs:?}");
}

async fn a_key_whose_first_request_still_runs_is_refused_until_it_is_abandoned(app: &TestApp) {
    let token = app.admin_token.clone();
    let body = json!({"name": "Racers", "ingame": "racers"});
    let key = IdempotencyKey::parse(b"in-flight").unwrap();
    // Another process took the key for the same request and has not answered yet.
    let core = app.core().await;
    let bytes = serde_json::to_vec(&body).unwrap();
    core.claim_idempotency_key(KeyedRequest {
        credential: &token,
        key: &key,
        method: "POST",
        target: "/admin/v1/roles",
        body: &bytes,
    })
    .await
    .expect("the key is claimed");
    let refused = post(app, &token, Some("in-flight"), "/roles", &body).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("still running"));
    assert!(!names(app, "/roles").await.contains(&"Racers".to_owned()));
    // That process never answers: ten minutes on, the key is free again.
    app.advance(Duration::from_secs(10 * 60 + 1));
    let ran = post(app, &token, Some("in-flight"), "/roles", &body).await;
    assert_eq!(ran.status, StatusCode::CREATED, "{:?}", ran.body);
    assert!(!ran.replayed);
    assert!(names(app, "/roles").await.contains(&"Racers".to_owned()));
}

async fn keys_are_the_callers_own_and_expire_after_a_day(app: &TestApp) {
    let owner = app.admin_token.clone();
    let issued = post(
        app,
        &owner,
        None,
        "/admin-tokens",
        &json!({"name": "second-owner", "role": "owner"}),
    )
    .await;
    let other = issued.body["token"].as_str().unwrap().to_owned();
    let key = "shared-key";
    let a = post(app, &owner, Some(key), "/orgs", &json!({"name": "Org A"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{:?}", a.body);
    // The same key from another caller is that caller's own key: another request, run.
    let b = post(app, &other, Some(key), "/orgs", &json!({"name": "Org B"})).await;
    assert_eq!(b.status, StatusCode::CREATED, "{:?}", b.body);
    assert!(!b.replayed);
    // A day later the key is forgotten: the same request runs again.
    app.advance(Duration::from_secs(24 * 3600 + 1));
    let again = post(app, &owner, Some(key), "/orgs", &json!({"name": "Org A"})).await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    assert!(!again.replayed);
    assert_ne!(again.body["id"], a.body["id"], "a new organisation");
    let orgs = names(app, "/orgs").await;
    assert_eq!(orgs.iter().filter(|n| *n == "Org A").count(), 2, "{orgs:?}");
    // The sweep forgets expired keys: the two used a day ago are gone from the database.
    let core = app.core().await;
    let swept =
        backline_store::IdempotencyStore::delete_expired_idempotency_keys(&core.store, core.now())
            .await
            .unwrap();
    assert_eq!(swept, 1, "the other caller's key expired too");
    assert_eq!(stored_texts(app, ROW_TEXT).await.len(), 1);
}

async fn answers_that_a_retry_may_change_free_the_key(app: &TestApp) {
    let owner = app.admin_token.clone();
    let body = json!({"name": "Helpers", "ingame": "helpers"});
    // A credential refused: not kept, so the same key works once the credential is right.
    let refused = post(app, "not-a-token", Some("k-auth"), "/roles", &body).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let viewer = post(
        app,
        &owner,
        None,
        "/admin-tokens",
        &json!({"name": "viewer", "role": "viewer"}),
    )
    .await;
    let viewer = viewer.body["token"].as_str().unwrap().to_owned();
    let forbidden = post(app, &viewer, Some("k-auth"), "/roles", &body).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let created = post(app, &owner, Some("k-auth"), "/roles", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    // A rule broken by the request itself is its own result: kept and replayed.
    let bad = json!({"name": "", "ingame": "empty"});
    let invalid = post(app, &owner, Some("k-bad"), "/roles", &bad).await;
    assert_eq!(
        invalid.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        invalid.body
    );
    let replayed = post(app, &owner, Some("k-bad"), "/roles", &bad).await;
    assert_eq!(
        (replayed.status, replayed.replayed, &replayed.body),
        (StatusCode::UNPROCESSABLE_ENTITY, true, &invalid.body)
    );
    // The database unavailable (503): nothing changed, the key is free for the retry.
    let Some(outage) = app.db.cut_off().await else {
        return; // SQLite has no server to take away.
    };
    let unavailable = post(
        app,
        &owner,
        Some("k-down"),
        "/roles",
        &json!({"name": "Down", "ingame": "down"}),
    )
    .await;
    assert_eq!(unavailable.status, StatusCode::SERVICE_UNAVAILABLE);
    outage.restore().await;
    let mut retried = None;
    for _ in 0..100 {
        let r = post(
            app,
            &owner,
            Some("k-down"),
            "/roles",
            &json!({"name": "Down", "ingame": "down"}),
        )
        .await;
        if r.status != StatusCode::SERVICE_UNAVAILABLE {
            retried = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let retried = retried.expect("the database is back");
    assert_eq!(retried.status, StatusCode::CREATED, "{:?}", retried.body);
    assert!(!retried.replayed);
}

async fn a_malformed_key_is_refused_and_other_methods_ignore_it(app: &TestApp) {
    let owner = app.admin_token.clone();
    let long = "k".repeat(256);
    for bad in ["", "two words", long.as_str()] {
        let r = post(
            app,
            &owner,
            Some(bad),
            "/roles",
            &json!({"name": "Never", "ingame": "never"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {:?}", r.body);
        assert_eq!(r.body["error"], "bad_request", "{:?}", r.body);
    }
    assert!(!names(app, "/roles").await.contains(&"Never".to_owned()));
    // A GET with a key is an ordinary read; nothing is kept.
    let read = app
        .client
        .get(app.url("/admin/v1/roles"))
        .bearer_auth(&owner)
        .header("Idempotency-Key", "read-key")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read.headers().get("idempotent-replayed").is_none());
    assert!(stored_texts(app, ROW_TEXT).await.is_empty());
}
