//! A database outage is reported as an outage (503 in each surface's shape, logged), never as
//! a bad credential, and changes nothing.
//!
//! PostgreSQL: the test database stops accepting connections and the server's connections are
//! terminated, then it is opened again. SQLite in WAL mode never blocks readers from another
//! connection, so its read outage is the server's pools being closed under it; a write lock
//! held by another process (the real SQLite outage: the CLI, a backup) is
//! `a_sqlite_write_lock_held_by_another_process_is_a_logged_503_with_the_request_id`.

use crate::ember_helpers::{form, server};
use crate::helpers::{Reply, TestApp, HTTP_KEY, SERVER_KEY};
use crate::nakama_helpers::{basic, custom};
use crate::spectra_matches::Spectra;
use backline_domain::accounts::ExternalAccount;
use backline_store::testing::Outage;
use backline_store::{Backend, OrgStore, Seek, UserStore};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::{Connection, Executor};

backline_store::stories!(crate::helpers::with_app =>
    a_database_outage_is_a_503_in_each_surfaces_shape_and_never_a_401,
);

/// Everything a caller of each surface holds before the outage.
struct Credentials {
    backend_token: String,
    stats_token: String,
    access_key: String,
    session: String,
    refresh: String,
    server_token: String,
}

async fn credentials(app: &TestApp) -> Credentials {
    let spectra = Spectra::new(app).await;
    let org = app.create_org("Outage League", None).await;
    let access_key = app.issue_key(&org, None).await;
    let stats_token = app.issue_token("spectra-stats").await;
    let r = custom(app, "outage-player-1", "create=true").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let (_, server_token) = server(app, "EU 1", &[]).await;
    Credentials {
        backend_token: spectra.token,
        stats_token,
        access_key,
        session: r.body["token"].as_str().unwrap().to_owned(),
        refresh: r.body["refresh_token"].as_str().unwrap().to_owned(),
        server_token,
    }
}

/// Makes the app's database unusable for the running server: a real outage on PostgreSQL,
/// the server's pools closed on SQLite (WAL lets readers past any lock another connection
/// could hold).
async fn take_database_away(app: &TestApp) -> Option<Outage> {
    match app.db.backend {
        Backend::Sqlite => {
            app.server_store.close().await;
            None
        }
        Backend::Postgres => app.db.cut_off().await,
    }
}

async fn restore(outage: Option<Outage>) {
    if let Some(outage) = outage {
        outage.restore().await;
    }
}

fn assert_json_503(r: &Reply) {
    r.assert_error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body["error"], "unavailable", "{r:?}");
}

fn assert_nakama_503(r: &Reply) {
    r.assert_nakama_error(StatusCode::SERVICE_UNAVAILABLE, 14);
}

async fn a_database_outage_is_a_503_in_each_surfaces_shape_and_never_a_401(app: &TestApp) {
    let c = credentials(app).await;
    let outage = take_database_away(app).await;

    // Spectra: the backend token, the access key, the stats token.
    let r = app
        .get(
            &format!("/spectra/system/validateAccessKey/{}", c.access_key),
            &[("x-user-token", &c.backend_token)],
        )
        .await;
    assert_json_503(&r);
    assert!(!r.text.to_lowercase().contains("sql"), "opaque: {r:?}");
    let r = app
        .post_json(
            "/spectra/stats/fetchPlayerMMR",
            &[("authentication", &c.stats_token)],
            &json!({"matchUuid": "m", "accountPuuids": ["p"]}),
        )
        .await;
    assert_json_503(&r);

    // Nakama: the server key (Basic), the session (Bearer), the refresh token, the http key.
    assert_nakama_503(&custom(app, "outage-player-1", "create=true").await);
    assert_nakama_503(&custom(app, "outage-newcomer", "create=true").await);
    let bearer = format!("Bearer {}", c.session);
    assert_nakama_503(&app.get("/v2/account", &[("authorization", &bearer)]).await);
    assert_nakama_503(
        &app.post_json(
            "/v2/rpc/account/lookup?unwrap",
            &[("authorization", &bearer)],
            &json!({"username": "nobody"}),
        )
        .await,
    );
    let server_key = basic(SERVER_KEY);
    assert_nakama_503(
        &app.post_json(
            "/v2/account/session/refresh",
            &[("authorization", &server_key)],
            &json!({"token": c.refresh}),
        )
        .await,
    );
    assert_nakama_503(
        &app.post_json(
            &format!("/v2/rpc/account/authenticate/password?unwrap&http_key={HTTP_KEY}"),
            &[],
            &json!({"username": "someone", "password": "whatever-password"}),
        )
        .await,
    );
    // A key that is wrong without asking the database is still a 401.
    app.post_json(
        "/v2/account/authenticate/custom",
        &[("authorization", &basic("not-the-server-key"))],
        &json!({"id": "outage-player-1"}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);

    // Game integration: the server token.
    let r = form(app, &c.server_token, Method::POST, "/poll", "").await;
    r.assert_laravel_error(503, None);
    assert_eq!(r.body, json!({"message": "Service Unavailable"}), "{r:?}");

    // Admin: the admin token (stored hashed), for a read and a write.
    assert_json_503(&app.admin(Method::GET, "/orgs", None).await);
    assert_json_503(
        &app.admin(Method::POST, "/orgs", Some(json!({"name": "Ghost"})))
            .await,
    );

    restore(outage).await;
    // Nothing was changed: one organisation, no account for the newcomer.
    let store = app.store().await;
    let orgs = store.list_orgs(&Seek::first(10)).await.unwrap();
    assert_eq!(orgs.len(), 1, "{orgs:?}");
    let newcomer = store
        .find_user_by_external(&ExternalAccount::new("custom", "outage-newcomer"))
        .await
        .unwrap();
    assert!(newcomer.is_none(), "{newcomer:?}");
    store.close().await;
    if app.db.backend == Backend::Postgres {
        // The server reconnects on its own and the same credentials work again.
        let r = app
            .get(
                &format!("/spectra/system/validateAccessKey/{}", c.access_key),
                &[("x-user-token", &c.backend_token)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let r = app.get("/v2/account", &[("authorization", &bearer)]).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let r = form(app, &c.server_token, Method::POST, "/poll", "").await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
}

/// A `backline serve` process on `url` with a short `busy_timeout`; its base URL, the admin
/// token it printed, the child, and its stderr (the log) collected until it exits.
async fn serve_process(
    url: &str,
) -> (
    String,
    tokio::process::Child,
    tokio::task::JoinHandle<String>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
        .env("BACKLINE_NAKAMA__SERVER_KEY", SERVER_KEY)
        .env("BACKLINE_DATABASE_BUSY_TIMEOUT_MILLIS", "300")
        .env("BACKLINE_LOG_LEVEL", "info")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .expect("the server prints where it listens");
        if let Some(address) = line.strip_prefix("Backline listening on ") {
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return (address.to_owned(), child, log);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_write_lock_held_by_another_process_is_a_logged_503_with_the_request_id() {
    let db = backline_store::testing::TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap();
    let (base, mut child, log) = serve_process(&db.url).await;
    let client = reqwest::Client::new();
    let authenticate = |request_id: &'static str| {
        client
            .post(format!("{base}/v2/account/authenticate/custom?create=true"))
            .header("authorization", basic(SERVER_KEY))
            .header("x-request-id", request_id)
            .json(&json!({"id": "locked-out-player"}))
            .send()
    };

    // Another process (here: another connection) holds SQLite's write lock.
    let mut locker = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    locker.execute("BEGIN IMMEDIATE").await.unwrap();
    let started = std::time::Instant::now();
    let r = crate::helpers::reply(authenticate("locked-request-7f3a").await.unwrap()).await;
    r.assert_nakama_error(StatusCode::SERVICE_UNAVAILABLE, 14);
    assert!(!r.text.contains("locked"), "the answer is opaque: {r:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "answered after busy_timeout, not after minutes: {:?}",
        started.elapsed()
    );
    locker.execute("ROLLBACK").await.unwrap();
    let _ = locker.close().await;

    // The lock is gone: the same call now creates the account, so the first created nothing.
    let r = crate::helpers::reply(authenticate("after-the-lock").await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["created"], true, "{r:?}");

    child.start_kill().unwrap();
    let _ = child.wait().await;
    let log = log.await.unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("the database is unavailable"))
        .unwrap_or_else(|| panic!("the outage is logged:\n{log}"));
    assert!(
        line.contains("request_id=locked-request-7f3a"),
        "the log line carries the request id: {line}"
    );
    assert!(line.contains("/v2/account/authenticate/custom"), "{line}");
    db.drop_database().await;
}
