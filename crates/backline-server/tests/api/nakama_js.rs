//! The unmodified `@heroiclabs/nakama-js` 2.8.0 client against a running Backline.
//!
//! The client is installed from npm into `tests/nakama-js/` (`npm ci --ignore-scripts`, from
//! the committed lock file) the first time this test runs.

use crate::helpers::{TestApp, HTTP_KEY, SERVER_KEY};
use crate::nakama_helpers::{rpc, signed_in};
use backline_domain::accounts::SystemGroup;
use backline_store::Backend;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;
use tokio::sync::Mutex;

fn client_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/nakama-js")
}

/// Installs the client once per test run.
async fn install_client() {
    static INSTALL: OnceLock<Mutex<bool>> = OnceLock::new();
    let mut done = INSTALL.get_or_init(|| Mutex::new(false)).lock().await;
    if *done
        || client_dir()
            .join("node_modules/@heroiclabs/nakama-js/package.json")
            .exists()
    {
        *done = true;
        return;
    }
    let status = tokio::process::Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(client_dir())
        .status()
        .await
        .expect("npm runs (Node.js is needed for this test)");
    assert!(status.success(), "npm ci failed");
    *done = true;
}

async fn nakama_js_drives_backline(backend: Backend) {
    install_client().await;
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // A bot with a broadcaster whose idle match the client prepares.
    let (_, bot_token) = signed_in(&app, "nakama-js-bot-1", &[SystemGroup::GlobalBots]).await;
    let registered = rpc(
        &app,
        "broadcaster/register",
        &bot_token,
        json!({"server_id": 1, "internal_ip": "10.0.0.2", "port": 6792, "version_lock": 1}),
    )
    .await;
    assert_eq!(registered.status, StatusCode::OK, "{registered:?}");
    let match_id = registered.body["match_id"].as_str().unwrap().to_owned();
    let address = app.base.trim_start_matches("http://").to_owned();
    let (host, port) = address.rsplit_once(':').unwrap();
    let out = tokio::process::Command::new("node")
        .arg("conformance.mjs")
        .args([
            host,
            port,
            SERVER_KEY,
            HTTP_KEY,
            "nakama-js-bot-1",
            &match_id,
        ])
        .current_dir(client_dir())
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "nakama-js conformance failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "authenticateCustom",
            "authenticateCustom again",
            "authenticateDevice",
            "getAccount",
            "sessionRefresh",
            "rpc account/lookup",
            "rpcFunc http key",
            "rpcFunc wrong http key",
            "rpc match/prepare",
            "rpc match/prepare by a non-bot",
            "sessionLogout",
            "rpc after logout",
            "getAccount after logout",
            "sessionRefresh after logout",
            "done",
        ]
    );
    assert_eq!(steps[0]["created"], true);
    assert_eq!(steps[8]["mode"], "echo_arena_private");
    assert_eq!(steps[8]["signal"], 2);
    // The match the client prepared is prepared in the database.
    let prepared = app.core().await.store.clone();
    let m = backline_store::EvrStore::get_evr_match(&prepared, &match_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.preparation.unwrap().team_size, 4);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_nakama_js_drives_backline() {
    nakama_js_drives_backline(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nakama_js_drives_backline() {
    nakama_js_drives_backline(Backend::Postgres).await
}
