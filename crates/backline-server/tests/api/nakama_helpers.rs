//! Talking to the Nakama surface in tests.

use crate::helpers::{Reply, TestApp, HTTP_KEY, SERVER_KEY};
use backline_domain::accounts::SystemGroup;
use backline_store::UserStore;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

/// Authenticates (creating) with a custom id; the reply.
pub async fn custom(app: &TestApp, id: &str, query: &str) -> Reply {
    let auth = basic(SERVER_KEY);
    app.send(
        Method::POST,
        &format!("/v2/account/authenticate/custom?{query}"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(serde_json::to_vec(&json!({"id": id})).unwrap()),
    )
    .await
}

/// A new user signed in with a custom id, in `groups`; its user id and session token.
pub async fn signed_in(app: &TestApp, custom_id: &str, groups: &[SystemGroup]) -> (String, String) {
    let r = custom(app, custom_id, "create=true").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let token = r.body["token"].as_str().unwrap().to_owned();
    let user_id = claims(&token)["uid"].as_str().unwrap().to_owned();
    let store = app.store().await;
    for group in groups {
        store
            .add_group(
                &backline_domain::ids::UserId::from_string(&user_id),
                *group,
                None,
            )
            .await
            .unwrap();
    }
    store.close().await;
    (user_id, token)
}

/// The header of a JWT.
pub fn header(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// The claims of a JWT (not verified).
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// An RPC with `?unwrap` and a Bearer token; the reply.
pub async fn rpc(app: &TestApp, id: &str, token: &str, payload: Value) -> Reply {
    let auth = format!("Bearer {token}");
    app.send(
        Method::POST,
        &format!("/v2/rpc/{id}?unwrap"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(serde_json::to_vec(&payload).unwrap()),
    )
    .await
}

/// An RPC with `?unwrap` and the http key.
pub async fn rpc_http_key(app: &TestApp, id: &str, payload: Value) -> Reply {
    app.send(
        Method::POST,
        &format!("/v2/rpc/{id}?unwrap&http_key={HTTP_KEY}"),
        &[("content-type", "application/json")],
        Some(serde_json::to_vec(&payload).unwrap()),
    )
    .await
}

impl Reply {
    /// Asserts a Nakama error envelope with this status and gRPC code.
    pub fn assert_nakama_error(&self, status: StatusCode, code: i64) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["code"], code, "{self:?}");
        assert!(
            self.body["message"].is_string() && self.body["error"].is_string(),
            "{self:?}"
        );
    }
}

/// The session signing key this app uses (generated and stored on first start).
pub async fn session_key(app: &TestApp) -> String {
    let store = app.store().await;
    let key = backline_store::SettingStore::get_setting(&store, "nakama.session_encryption_key")
        .await
        .unwrap()
        .unwrap();
    store.close().await;
    key
}

/// A second `backline serve` process on the app's database; its base URL and the child.
pub async fn second_process(app: &TestApp) -> (String, tokio::process::Child) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &app.db.url,
        ])
        .env("BACKLINE_NAKAMA__SERVER_KEY", SERVER_KEY)
        .env("BACKLINE_NAKAMA__HTTP_KEY", HTTP_KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Some(address) = line.strip_prefix("Backline listening on ") {
            // Keep reading so the child never writes into a closed pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return (address.to_owned(), child);
        }
    }
}

/// Registers a broadcaster for the operator signed in with `token`; `(sid, idle match id)`.
pub async fn register_broadcaster(app: &TestApp, token: &str, extra: Value) -> (String, String) {
    let mut body = json!({
        "server_id": 3427753309332680033u64,
        "internal_ip": "192.168.56.1",
        "external_ip": "174.58.161.237",
        "port": 6792,
        "version_lock": 14280634968751706381u64,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = rpc(app, "broadcaster/register", token, body).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    (
        r.body["sid"].as_str().unwrap().to_owned(),
        r.body["match_id"].as_str().unwrap().to_owned(),
    )
}

/// Runs the match timers once as if it were `seconds` from now.
pub async fn run_timers_in(
    app: &TestApp,
    seconds: i64,
) -> backline_server::core::evr::timers::TimerPass {
    run_timers(app, seconds, false).await
}

/// Runs the match timers once as if it were `seconds` from now, optionally as if every
/// broadcaster had kept sending heartbeats.
pub async fn run_timers(
    app: &TestApp,
    seconds: i64,
    heartbeats: bool,
) -> backline_server::core::evr::timers::TimerPass {
    let core = app.core().await;
    let n = &app.config.nakama;
    let settings = backline_server::core::evr::timers::TimerSettings {
        broadcaster_timeout_seconds: if heartbeats {
            i64::MAX / 4000
        } else {
            n.broadcaster_timeout_seconds
        },
        prepared_match_start_seconds: n.prepared_match_start_seconds,
        empty_match_end_seconds: n.empty_match_end_seconds,
        interval: std::time::Duration::from_secs(1),
    };
    let pass = core
        .run_match_timers(
            &settings,
            backline_domain::Timestamp::now().plus_seconds(seconds),
        )
        .await
        .unwrap();
    core.store.close().await;
    pass
}

/// The raw labels of every match (as a Global Private Data Access member sees them).
pub async fn raw_matches(app: &TestApp, token: &str) -> Vec<Value> {
    let r = rpc(app, "match", token, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["matches"].as_array().unwrap().clone()
}
