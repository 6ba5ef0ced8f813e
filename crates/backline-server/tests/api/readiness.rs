//! `/readyz`: 200 while the database answers and its migrations are exactly this binary's,
//! 503 in the operator surface's JSON when migrations are pending, when a newer Backline
//! migrated the database, and when the database is unreachable. And systemd's readiness
//! protocol: `backline serve` with `NOTIFY_SOCKET` sends `READY=1` once it listens and
//! `STOPPING=1` when it is told to stop.

use crate::helpers::TestApp;
use backline_store::testing::{Outage, TestDatabase};
use backline_store::Backend;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::{Connection, Executor};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

backline_store::stories!(crate::helpers::with_app =>
    readyz_answers_503_unless_the_schema_is_current_and_the_database_answers,
);

/// Runs `sql` on the app's database through a connection of its own.
async fn execute(app: &TestApp, sql: &str) {
    match app.db.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            conn.execute(sql).await.unwrap();
            conn.close().await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            conn.execute(sql).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}

async fn readyz_answers_503_unless_the_schema_is_current_and_the_database_answers(app: &TestApp) {
    let r = app.get("/readyz", &[]).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({"status": "ready"}))
    );
    assert!(r.content_type.starts_with("application/json"), "{r:?}");

    // A migration marked failed is pending again.
    execute(
        app,
        "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 16",
    )
    .await;
    let r = app.get("/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert_eq!(r.body["status"], "migrations_pending", "{r:?}");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("1 migration(s) pending"),
        "{r:?}"
    );
    // Liveness is not readiness.
    assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
    execute(
        app,
        "UPDATE _sqlx_migrations SET success = TRUE WHERE version = 16",
    )
    .await;
    assert_eq!(app.get("/readyz", &[]).await.status, StatusCode::OK);

    // A newer Backline migrated the database under this one.
    let checksum = match app.db.backend {
        Backend::Sqlite => "X'00'",
        Backend::Postgres => "'\\x00'::bytea",
    };
    execute(
        app,
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from a newer Backline', TRUE, {checksum}, 0)"
        ),
    )
    .await;
    let r = app.get("/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert_eq!(r.body["status"], "schema_newer", "{r:?}");
    assert!(
        r.body["message"].as_str().unwrap().contains("9999"),
        "{r:?}"
    );
    execute(app, "DELETE FROM _sqlx_migrations WHERE version = 9999").await;
    assert_eq!(app.get("/readyz", &[]).await.status, StatusCode::OK);

    // The database away (as in honest_errors.rs): 503 `unavailable`.
    let outage: Option<Outage> = match app.db.backend {
        Backend::Sqlite => {
            app.server_store.close().await;
            None
        }
        Backend::Postgres => app.db.cut_off().await,
    };
    let r = app.get("/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert!(r.content_type.starts_with("application/json"), "{r:?}");
    assert_eq!(
        r.body,
        json!({"status": "unavailable", "message": "database unreachable"})
    );
    if let Some(outage) = outage {
        outage.restore().await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while app.get("/readyz", &[]).await.status != StatusCode::OK {
            assert!(std::time::Instant::now() < deadline, "ready again");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A `backline serve` child with `NOTIFY_SOCKET` pointing at a datagram socket the test
/// holds, as systemd runs a `Type=notify` unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_tells_systemd_when_it_is_ready_and_when_it_stops() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = tokio::net::UnixDatagram::bind(&path).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db.url])
        .env("NOTIFY_SOCKET", &path)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut buffer = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(20), socket.recv(&mut buffer))
        .await
        .expect("READY=1 within 20 s")
        .unwrap();
    assert_eq!(std::str::from_utf8(&buffer[..n]).unwrap(), "READY=1\n");
    // Ready means listening: the address is printed and answers.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next_line().await.unwrap().expect("the address line");
        if let Some(a) = line.strip_prefix("Backline listening on ") {
            break a.to_owned();
        }
    };
    let ready = reqwest::get(format!("{address}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);

    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let n = tokio::time::timeout(Duration::from_secs(15), socket.recv(&mut buffer))
        .await
        .expect("STOPPING=1 on SIGTERM")
        .unwrap();
    assert_eq!(std::str::from_utf8(&buffer[..n]).unwrap(), "STOPPING=1\n");
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("stops")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
