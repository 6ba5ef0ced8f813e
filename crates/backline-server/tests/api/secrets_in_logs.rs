//! Secrets never reach the logs: `backline serve` runs as a child process with
//! `RUST_LOG=trace` while the stories of every surface issue and use keys, tokens, passwords,
//! session tokens, link tokens and player-cam secrets (right and wrong ones); its whole
//! output must hold none of them.
//!
//! A child process, because a tracing subscriber is global: installing one in this test
//! binary would capture (and disturb) every other test's server.

use crate::helpers::{cli, fixture_body, reply, Reply, HTTP_KEY, SERVER_KEY};
use crate::nakama_helpers::basic;
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const ADMIN_TOKEN: &str = "AdminTokenForTheLogTest0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_logs_at_trace_level_hold_no_secret() {
    logs_hold_no_secret(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_logs_at_trace_level_hold_no_secret() {
    logs_hold_no_secret(Backend::Postgres).await
}

/// The child server and what the stories used.
struct Run {
    base: String,
    client: reqwest::Client,
    secrets: Vec<String>,
}

impl Run {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await.expect("the server answers")).await
    }

    /// Remembers `secret` (and the forms it travels in) to look for in the logs.
    fn used(&mut self, secret: &str) -> String {
        self.secrets.push(secret.to_owned());
        self.secrets.push(basic(secret));
        secret.to_owned()
    }

    async fn admin(&mut self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let auth = format!("Bearer {ADMIN_TOKEN}");
        self.send(
            method,
            &format!("/admin/v1{path}"),
            &[("authorization", &auth)],
            body,
        )
        .await
    }
}

async fn spectra_stories(run: &mut Run) {
    let org = run
        .admin(Method::POST, "/orgs", Some(json!({"name": "Logged Org"})))
        .await;
    assert_eq!(org.status, StatusCode::CREATED, "{org:?}");
    let org_id = org.body["id"].as_str().unwrap().to_owned();
    let key = run
        .admin(
            Method::POST,
            &format!("/orgs/{org_id}/keys"),
            Some(json!({})),
        )
        .await;
    let key = run.used(key.body["access_key"].as_str().unwrap());
    let backend = run
        .admin(
            Method::POST,
            "/tokens",
            Some(json!({"kind": "spectra-backend"})),
        )
        .await;
    let backend = run.used(backend.body["token"].as_str().unwrap());
    let stats = run
        .admin(
            Method::POST,
            "/tokens",
            Some(json!({"kind": "spectra-stats"})),
        )
        .await;
    let stats = run.used(stats.body["token"].as_str().unwrap());
    let ok = run
        .send(
            Method::GET,
            &format!("/spectra/system/validateAccessKey/{key}"),
            &[("x-user-token", &backend)],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    let wrong_key = run.used("WrongAccessKeyGuess0123456789abc");
    run.send(
        Method::GET,
        &format!("/spectra/system/validateAccessKey/{wrong_key}"),
        &[("x-user-token", &backend)],
        None,
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED);
    // A match body carries the group's secret and the player-cam secret.
    let body = fixture_body("register");
    run.used(body["match"]["groupSecret"].as_str().unwrap());
    run.used(
        body["match"]["tools"]["playercamsInfo"]["secret"]
            .as_str()
            .unwrap(),
    );
    let registered = run
        .send(
            Method::POST,
            &format!(
                "/spectra/system/match/{}/register",
                crate::helpers::MATCH_ID
            ),
            &[("x-user-token", &backend)],
            Some(body),
        )
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{registered:?}");
    let fetched = run
        .send(
            Method::POST,
            "/spectra/stats/fetchMatchStats",
            &[("authentication", &stats)],
            Some(json!({"matchUuid": crate::helpers::MATCH_ID})),
        )
        .await;
    assert!(fetched.status.is_success(), "{fetched:?}");
    let session = run
        .send(
            Method::POST,
            "/spectra/playercam/api/createSession",
            &[("x-organization-key", &key)],
            Some(json!({})),
        )
        .await;
    assert!(session.status.is_success(), "{session:?}");
    let identifier = session.body["sessionIdentifier"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = run.used(session.body["sessionSecret"].as_str().unwrap());
    let read = run
        .send(
            Method::GET,
            &format!("/spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}"),
            &[],
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    let page = run
        .send(
            Method::PUT,
            &format!("/spectra/playercam/api/session/{identifier}/players/Player%23EUW"),
            &[("x-session-secret", &secret)],
            Some(json!({"camera_enabled": true})),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
}

async fn nakama_stories(run: &mut Run) -> String {
    let server_key = basic(SERVER_KEY);
    let password = run.used("CorrectHorseBatteryStaple42");
    let created = run
        .send(
            Method::POST,
            "/v2/account/authenticate/email?create=true&username=logged",
            &[("authorization", &server_key)],
            Some(json!({"email": "logged@example.org", "password": password})),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{created:?}");
    let session = run.used(created.body["token"].as_str().unwrap());
    let refresh = run.used(created.body["refresh_token"].as_str().unwrap());
    let wrong = run.used("WrongPasswordGuess987");
    run.send(
        Method::POST,
        "/v2/account/authenticate/email?create=false",
        &[("authorization", &server_key)],
        Some(json!({"email": "logged@example.org", "password": wrong})),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let rpc_login = run
        .send(
            Method::POST,
            &format!("/v2/rpc/account/authenticate/password?unwrap&http_key={HTTP_KEY}"),
            &[],
            Some(json!({"username": "logged", "password": password})),
        )
        .await;
    assert_eq!(rpc_login.status, StatusCode::OK, "{rpc_login:?}");
    let rpc_session = run.used(rpc_login.body["token"].as_str().unwrap());
    run.used(rpc_login.body["refresh_token"].as_str().unwrap());
    let refreshed = run
        .send(
            Method::POST,
            "/v2/account/session/refresh",
            &[("authorization", &server_key)],
            Some(json!({"token": refresh})),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{refreshed:?}");
    let new_session = run.used(refreshed.body["token"].as_str().unwrap());
    run.used(refreshed.body["refresh_token"].as_str().unwrap());
    let bearer = format!("Bearer {new_session}");
    let account = run
        .send(
            Method::GET,
            "/v2/account",
            &[("authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(account.status, StatusCode::OK, "{account:?}");
    let logout = run
        .send(
            Method::POST,
            "/v2/session/logout",
            &[("authorization", &format!("Bearer {session}"))],
            Some(json!({"token": session})),
        )
        .await;
    assert_eq!(logout.status, StatusCode::OK, "{logout:?}");
    let revoked = run
        .send(
            Method::GET,
            "/v2/account",
            &[("authorization", &format!("Bearer {session}"))],
            None,
        )
        .await;
    revoked.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    rpc_session
}

async fn ember_stories(run: &mut Run, database_url: &str, session: &str) {
    let (ok, server, err) = cli(
        database_url,
        &[
            "server",
            "create",
            "Logged GMod",
            "--game",
            "gmod",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    let token = run.used(server["token"].as_str().unwrap());
    let bearer = format!("Bearer {token}");
    let form = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let meta = run
        .send(
            Method::GET,
            "/api/game/meta?actions[]=settings",
            &form,
            None,
        )
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{meta:?}");
    let mut request = run.client.post(format!(
        "{}/api/game/players/steam/76561198131926932/linktoken",
        run.base
    ));
    for (name, value) in form {
        request = request.header(name, value);
    }
    let link = reply(request.send().await.unwrap()).await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    let code = run.used(link.body["token"].as_str().unwrap());
    let redeemed = run
        .send(
            Method::POST,
            "/v2/rpc/link/redeem?unwrap",
            &[("authorization", &format!("Bearer {session}"))],
            Some(json!({"token": code})),
        )
        .await;
    assert_eq!(redeemed.status, StatusCode::OK, "{redeemed:?}");
    let wrong = run.used("WrongServerToken0123456789abcdef");
    let refused = run
        .send(
            Method::GET,
            "/api/game/meta",
            &[("authorization", &format!("Bearer {wrong}"))],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{refused:?}");
}

async fn logs_hold_no_secret(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db.url])
        .env("RUST_LOG", "trace")
        // No NO_COLOR: the logs are a pipe, so they must come without colours by themselves.
        .env_remove("NO_COLOR")
        .env("BACKLINE_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("BACKLINE_NAKAMA__SERVER_KEY", SERVER_KEY)
        .env("BACKLINE_NAKAMA__HTTP_KEY", HTTP_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let logs = tokio::spawn(async move {
        let mut all = Vec::new();
        let _ = stderr.read_to_end(&mut all).await;
        String::from_utf8_lossy(&all).into_owned()
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let base = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the server starts")
            .unwrap()
            .expect("the server prints where it listens");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(address) = line.strip_prefix("Backline listening on ") {
            break address.to_owned();
        }
    };
    let printing = tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            printed.push_str(&line);
            printed.push('\n');
        }
        printed
    });
    let mut run = Run {
        base,
        client: reqwest::Client::new(),
        secrets: Vec::new(),
    };
    for secret in [ADMIN_TOKEN, SERVER_KEY, HTTP_KEY] {
        run.used(secret);
    }
    spectra_stories(&mut run).await;
    let session = nakama_stories(&mut run).await;
    ember_stories(&mut run, &db.url, &session).await;
    // SIGTERM would be gentler, but nothing is buffered: each log line is written at once.
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let logs = logs.await.unwrap();
    let printed = printing.await.unwrap();
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
    // Backline and its libraries log nothing below debug today; trace enables all of it.
    assert!(
        logs.lines().count() > 100 && logs.contains("DEBUG") && logs.contains("sqlx::query"),
        "the run was logged in full: {} lines",
        logs.lines().count()
    );
    assert!(
        !logs.contains('\u{1b}'),
        "no ANSI escapes when stderr is not a terminal"
    );
    let start = logs
        .lines()
        .find(|l| l.contains("starting with listen=127.0.0.1:0"));
    assert!(
        start.is_some_and(|l| l.contains("admin_token=configured") && l.contains("database=")),
        "the start-up line shows the effective configuration"
    );
    for secret in &run.secrets {
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        for (name, output) in [("logs", &logs), ("standard output", &printed)] {
            assert!(
                !output.contains(secret.as_str()) && !output.contains(&b64),
                "a secret ({}…) appears in the {name}",
                &secret[..6.min(secret.len())]
            );
        }
    }
    eprintln!(
        "{backend:?}: {} log lines, {} secrets, none found",
        logs.lines().count(),
        run.secrets.len()
    );
    db.drop_database().await;
}
