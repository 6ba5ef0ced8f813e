//! PostgreSQL's backups, as docs/operations.md ("Backups and restore") gives them: `pg_dump
//! -Fc` of a live database, `pg_restore --no-owner` into a new empty database, then `backline
//! migrate up` has nothing to apply and a server on the restored database serves the data.
//! Skipped when pg_dump is not installed, except with `CI=true`.

use super::Restored;
use crate::helpers::{cli, match_body, TestApp};
use crate::spectra_matches::Spectra;
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Whether `tool` runs; a CI run without it fails.
async fn installed(tool: &str) -> bool {
    let found = tokio::process::Command::new(tool)
        .arg("--version")
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "{tool} is not installed and CI=true");
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

async fn run(tool: &str, args: &[&str]) {
    let out = tokio::process::Command::new(tool)
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_restored_with_pg_restore_serves_the_same_data() {
    if !installed("pg_dump").await || !installed("pg_restore").await {
        return;
    }
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let org = app.create_org("Dumped League", None).await;
    let r = app
        .admin(
            Method::POST,
            "/users",
            Some(json!({"username": "dumped-user"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let user = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .admin(
            Method::POST,
            "/bans",
            Some(json!({"source": "steam", "account_id": "76561198131926932",
                "scope": "global", "reason": "dumped ban", "duration_minutes": 60})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let ban = r.body["id"].as_str().unwrap().to_owned();
    let spectra = Spectra::new(&app).await;
    let match_id = "0b8e6a1c-1111-4222-8333-944445555699";
    for (action, round) in [("register", 0), ("update", 7)] {
        let body = match_body(action, match_id, "TESTGC", round, "combat");
        let r = spectra.call(&app, action, match_id, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }

    // The commands of docs/operations.md, while the server runs.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("backline.dump");
    run(
        "pg_dump",
        &[
            "-Fc",
            "--file",
            dump.to_str().unwrap(),
            &app.config.database_url,
        ],
    )
    .await;
    let fresh = TestDatabase::create(Backend::Postgres).await.unwrap();
    run(
        "pg_restore",
        &["--no-owner", "--dbname", &fresh.url, dump.to_str().unwrap()],
    )
    .await;

    let (ok, before, stderr) = cli(&fresh.url, &["--json", "migrate", "status"]).await;
    assert!(ok, "{stderr}");
    let (ok, after, stderr) = cli(&fresh.url, &["--json", "migrate", "up"]).await;
    assert!(ok, "{stderr}");
    assert_eq!(
        before["migrations"], after["migrations"],
        "nothing to apply"
    );
    assert!(after["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["applied"] == true));

    let server = Restored::serve(&fresh.url).await;
    let token = &app.admin_token;
    let (status, body) = server.admin_get(token, &format!("/orgs/{org}")).await;
    assert_eq!(
        (status, &body["name"]),
        (200, &json!("Dumped League")),
        "{body}"
    );
    let (status, body) = server.admin_get(token, &format!("/users/{user}")).await;
    assert_eq!(
        (status, &body["username"]),
        (200, &json!("dumped-user")),
        "{body}"
    );
    let (status, body) = server.admin_get(token, &format!("/bans/{ban}")).await;
    assert_eq!(
        (status, &body["reason"]),
        (200, &json!("dumped ban")),
        "{body}"
    );
    let (status, body) = server
        .admin_get(token, &format!("/matches/{match_id}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["observers"][0]["round_number"], 7, "{body}");
    let ready = server
        .client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    server.stop().await;
    fresh.drop_database().await;
    app.stop().await;
}
