//! Nakama authentication, session tokens, refresh and logout.

use crate::helpers::{TestApp, SERVER_KEY};
use crate::nakama_helpers::{basic, claims, custom, signed_in};
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    custom_authentication_creates_once_and_signs_nakama_claims,
    device_and_email_authentication_follow_nakamas_rules,
    the_server_key_is_required_for_authentication,
    refresh_keeps_the_token_id_and_replaces_vars_only_when_given,
    logout_revokes_the_named_tokens_or_every_session,
    tampered_expired_and_unsigned_tokens_are_refused,
    disabled_users_cannot_sign_in_or_use_their_sessions,
    the_account_endpoint_shows_the_signed_in_user,
);

async fn post(app: &TestApp, path: &str, auth: &str, body: Value) -> crate::helpers::Reply {
    app.send(
        Method::POST,
        path,
        &[
            ("authorization", auth),
            ("content-type", "application/json"),
        ],
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

async fn custom_authentication_creates_once_and_signs_nakama_claims(app: &TestApp) {
    let first = custom(app, "custom-id-123", "create=true&username=alice&").await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["created"], true);
    let token = first.body["token"].as_str().unwrap();
    let header = crate::nakama_helpers::header(token);
    assert_eq!(
        (header["alg"].as_str(), header["typ"].as_str()),
        (Some("HS256"), Some("JWT"))
    );
    let c = claims(token);
    assert_eq!(c["usn"], "alice");
    assert!(uuid::Uuid::parse_str(c["tid"].as_str().unwrap()).is_ok());
    assert!(uuid::Uuid::parse_str(c["uid"].as_str().unwrap()).is_ok());
    assert!(c.get("vrs").is_none(), "vrs is omitted when empty");
    let (exp, iat) = (c["exp"].as_i64().unwrap(), c["iat"].as_i64().unwrap());
    assert!((7190..=7210).contains(&(exp - iat)), "session lasts 7200 s");
    let refresh = claims(first.body["refresh_token"].as_str().unwrap());
    assert_eq!(refresh["tid"], c["tid"]);
    assert!((86390..=86410).contains(&(refresh["exp"].as_i64().unwrap() - iat)));

    let again = custom(app, "custom-id-123", "create=false").await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.get("created").is_none(), "{again:?}");
    assert_eq!(
        claims(again.body["token"].as_str().unwrap())["uid"],
        c["uid"]
    );
    assert_ne!(
        claims(again.body["token"].as_str().unwrap())["tid"],
        c["tid"]
    );

    custom(app, "never-seen-id", "create=false")
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    custom(app, "short", "create=true")
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    custom(app, "", "create=true")
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    // Upstream counts bytes, not characters: five 2-byte characters are a 10-byte id; 65 of
    // them (130 bytes) are too many although they are fewer than 128 characters.
    let short_in_characters = custom(app, "ééééé", "create=true").await;
    assert_eq!(
        short_in_characters.status,
        StatusCode::OK,
        "{short_in_characters:?}"
    );
    let long_in_bytes = "é".repeat(65);
    let refused = custom(app, &long_in_bytes, "create=true").await;
    refused.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert_eq!(
        refused.body["message"], "Custom ID invalid, must be 6-128 bytes.",
        "{refused:?}"
    );
    custom(app, "another-id-456", "create=true&username=alice")
        .await
        .assert_nakama_error(StatusCode::CONFLICT, 6);
    custom(app, "another-id-456", "create=maybe")
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
}

async fn device_and_email_authentication_follow_nakamas_rules(app: &TestApp) {
    let auth = basic(SERVER_KEY);
    let device = post(
        app,
        "/v2/account/authenticate/device?create=true",
        &auth,
        json!({"id": "device-0123456789"}),
    )
    .await;
    assert_eq!(
        (device.status, device.body["created"].clone()),
        (StatusCode::OK, json!(true))
    );
    post(
        app,
        "/v2/account/authenticate/device",
        &auth,
        json!({"id": "short-id"}),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);

    let path = "/v2/account/authenticate/email?create=true";
    let created = post(
        app,
        path,
        &auth,
        json!({"email": "player@example.org", "password": "hunter22hunter"}),
    )
    .await;
    assert_eq!(
        (created.status, created.body["created"].clone()),
        (StatusCode::OK, json!(true)),
        "{created:?}"
    );
    let login = post(
        app,
        "/v2/account/authenticate/email?create=false",
        &auth,
        json!({"email": "Player@Example.org", "password": "hunter22hunter"}),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    assert_eq!(
        claims(login.body["token"].as_str().unwrap())["uid"],
        claims(created.body["token"].as_str().unwrap())["uid"]
    );
    post(
        app,
        "/v2/account/authenticate/email?create=false",
        &auth,
        json!({"email": "player@example.org", "password": "wrong-password"}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    post(
        app,
        path,
        &auth,
        json!({"email": "other@example.org", "password": "short"}),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    post(
        app,
        "/v2/account/authenticate/email?create=false",
        &auth,
        json!({"email": "nobody@example.org", "password": "whatever123"}),
    )
    .await
    .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    post(app, path, &auth, json!({"email": 5, "password": "x"}))
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    post(app, path, &auth, json!({}))
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
}

async fn the_server_key_is_required_for_authentication(app: &TestApp) {
    for auth in [basic("wrong-key"), "Bearer x".to_owned(), String::new()] {
        let r = post(
            app,
            "/v2/account/authenticate/custom?create=true",
            &auth,
            json!({"id": "custom-id-123"}),
        )
        .await;
        r.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    }
    let store = app.store().await;
    assert!(backline_store::UserStore::find_user_by_external(
        &store,
        &backline_domain::accounts::ExternalAccount::new("custom", "custom-id-123")
    )
    .await
    .unwrap()
    .is_none());
    store.close().await;
    let health = app.get("/healthcheck", &[]).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (StatusCode::OK, json!({}))
    );
}

async fn refresh_keeps_the_token_id_and_replaces_vars_only_when_given(app: &TestApp) {
    let auth = basic(SERVER_KEY);
    let first = post(
        app,
        "/v2/account/authenticate/custom?create=true",
        &auth,
        json!({"id": "custom-id-123", "vars": {"a": "1"}}),
    )
    .await;
    let c = claims(first.body["token"].as_str().unwrap());
    assert_eq!(c["vrs"], json!({"a": "1"}));
    app.advance(std::time::Duration::from_millis(1100));
    let refresh = first.body["refresh_token"].as_str().unwrap();
    let kept = post(
        app,
        "/v2/account/session/refresh",
        &auth,
        json!({"token": refresh}),
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{kept:?}");
    let k = claims(kept.body["token"].as_str().unwrap());
    assert_eq!(
        (k["tid"].clone(), k["iat"].clone(), k["vrs"].clone()),
        (c["tid"].clone(), c["iat"].clone(), json!({"a": "1"}))
    );
    assert!(k["exp"].as_i64() > c["exp"].as_i64());
    let replaced = post(
        app,
        "/v2/account/session/refresh",
        &auth,
        json!({"token": refresh, "vars": {"b": "2"}}),
    )
    .await;
    assert_eq!(
        claims(replaced.body["token"].as_str().unwrap())["vrs"],
        json!({"b": "2"})
    );
    post(
        app,
        "/v2/account/session/refresh",
        &auth,
        json!({"token": first.body["token"]}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    post(
        app,
        "/v2/account/session/refresh",
        &auth,
        json!({"token": "garbage"}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    post(
        app,
        "/v2/account/session/refresh",
        &basic("nope"),
        json!({"token": refresh}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
}

async fn account(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.get(
        "/v2/account",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

async fn logout_revokes_the_named_tokens_or_every_session(app: &TestApp) {
    let one = custom(app, "custom-id-123", "").await;
    let two = custom(app, "custom-id-123", "").await;
    let (t1, r1) = (
        one.body["token"].as_str().unwrap(),
        one.body["refresh_token"].as_str().unwrap(),
    );
    let t2 = two.body["token"].as_str().unwrap();
    let out = post(
        app,
        "/v2/session/logout",
        &format!("Bearer {t1}"),
        json!({"token": t1, "refresh_token": r1}),
    )
    .await;
    assert_eq!((out.status, out.body.clone()), (StatusCode::OK, json!({})));
    account(app, t1)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    post(
        app,
        "/v2/account/session/refresh",
        &basic(SERVER_KEY),
        json!({"token": r1}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    assert_eq!(
        account(app, t2).await.status,
        StatusCode::OK,
        "the other session lives on"
    );

    // Both empty: every session so far; a new login right after works.
    let all = post(
        app,
        "/v2/session/logout",
        &format!("Bearer {t2}"),
        json!({}),
    )
    .await;
    assert_eq!(all.status, StatusCode::OK);
    account(app, t2)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let fresh = custom(app, "custom-id-123", "").await;
    assert_eq!(
        account(app, fresh.body["token"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );

    // Someone else's token cannot be revoked through this session.
    let other = custom(app, "someone-else-1", "create=true").await;
    let ft = fresh.body["token"].as_str().unwrap();
    post(
        app,
        "/v2/session/logout",
        &format!("Bearer {ft}"),
        json!({"token": other.body["token"]}),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert_eq!(
        account(app, other.body["token"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );

    // A `null` body is no body: every session of its user.
    let ot = other.body["token"].as_str().unwrap();
    let out = post(
        app,
        "/v2/session/logout",
        &format!("Bearer {ot}"),
        json!(null),
    )
    .await;
    assert_eq!((out.status, out.body.clone()), (StatusCode::OK, json!({})));
    account(app, ot)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    assert_eq!(account(app, ft).await.status, StatusCode::OK);
}

async fn tampered_expired_and_unsigned_tokens_are_refused(app: &TestApp) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let r = custom(app, "custom-id-123", "").await;
    let token = r.body["token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = claims(token);
    c["usn"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(c.to_string()), parts[2]);
    account(app, &tampered)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    account(app, &none)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    // Signed with the right key but expired (the key is this test's configuration).
    let mut expired = claims(token);
    expired["exp"] = json!(expired["iat"].as_i64().unwrap() - 10);
    let session_key = crate::nakama_helpers::session_key(app).await;
    let signed = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &expired,
        &jsonwebtoken::EncodingKey::from_secret(session_key.as_bytes()),
    )
    .unwrap();
    account(app, &signed)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let mut fresh = claims(token);
    fresh["exp"] = json!(fresh["iat"].as_i64().unwrap() + 600);
    let resigned = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &fresh,
        &jsonwebtoken::EncodingKey::from_secret(session_key.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        account(app, &resigned).await.status,
        StatusCode::OK,
        "a token signed with the stored key works"
    );
    account(app, "not.a.token")
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
}

async fn disabled_users_cannot_sign_in_or_use_their_sessions(app: &TestApp) {
    let (user_id, token) = signed_in(app, "custom-id-123", &[]).await;
    app.core()
        .await
        .set_disabled(&crate::helpers::grant(), &user_id, true)
        .await
        .unwrap();
    app.sync_cache().await;
    account(app, &token)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    custom(app, "custom-id-123", "")
        .await
        .assert_nakama_error(StatusCode::FORBIDDEN, 7);
    app.core()
        .await
        .set_disabled(&crate::helpers::grant(), &user_id, false)
        .await
        .unwrap();
    app.sync_cache().await;
    assert_eq!(account(app, &token).await.status, StatusCode::OK);
}

async fn the_account_endpoint_shows_the_signed_in_user(app: &TestApp) {
    let (user_id, token) = signed_in(app, "custom-id-123", &[]).await;
    let r = account(app, &token).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["user"]["id"], json!(user_id));
    assert_eq!(r.body["custom_id"], "custom-id-123");
    assert_eq!(r.body["devices"], json!([]));
    for field in [
        "username",
        "display_name",
        "avatar_url",
        "create_time",
        "update_time",
    ] {
        assert!(r.body["user"][field].is_string(), "{field}");
    }
    app.get("/v2/account", &[])
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    app.send(Method::DELETE, "/v2/account", &[], None)
        .await
        .assert_nakama_error(StatusCode::METHOD_NOT_ALLOWED, 12);
    app.get("/v2/nothing", &[])
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
}

/// Logout seen by a second `backline serve` process on the same database.
async fn logout_is_seen_by_a_second_process(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let r = custom(&app, "custom-id-123", "create=true").await;
    let token = r.body["token"].as_str().unwrap().to_owned();
    let (address, mut child) = crate::nakama_helpers::second_process(&app).await;
    let client = reqwest::Client::new();
    let before = client
        .get(format!("{address}/v2/account"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.status(),
        200,
        "the second process accepts the first's token"
    );
    let out = post(
        &app,
        "/v2/session/logout",
        &format!("Bearer {token}"),
        json!({"token": token}),
    )
    .await;
    assert_eq!(out.status, StatusCode::OK);
    // The second process honours the revocation within the cache's bound (README, "The cache
    // and its bound").
    let started = std::time::Instant::now();
    let after = loop {
        let after = client
            .get(format!("{address}/v2/account"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if after.status() == 401 || started.elapsed() > crate::cache_bound::deadline(&app) {
            break after;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(
        after.status(),
        401,
        "the second process honours the revocation"
    );
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["code"], 16);
    let _ = child.kill().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_logout_is_seen_by_a_second_process() {
    logout_is_seen_by_a_second_process(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_logout_is_seen_by_a_second_process() {
    logout_is_seen_by_a_second_process(Backend::Postgres).await
}
