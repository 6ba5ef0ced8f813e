//! The admin command line, run as a separate process on the database of a running server.

use crate::cache_bound::{deadline, within};
use crate::helpers::{fixture_body, TestApp, MATCH_ID};
use crate::spectra_matches::Spectra;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Output;

backline_store::stories!(crate::helpers::with_app =>
    cli_issues_organisations_keys_and_tokens_a_running_server_accepts,
    cli_manages_players_matches_and_playercam_sessions,
    cli_refuses_bad_input_with_a_message_and_a_failure_code,
);

async fn backline(app: &TestApp, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"));
    command
        .arg("--database")
        .arg(&app.db.url)
        .args(args)
        .env_remove("RUST_LOG");
    command.output().await.expect("the binary runs")
}

async fn json_of(app: &TestApp, args: &[&str]) -> Value {
    let out = backline(app, args).await;
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim().lines().count(),
        1,
        "--json prints one object: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

async fn cli_issues_organisations_keys_and_tokens_a_running_server_accepts(app: &TestApp) {
    let org = json_of(
        app,
        &[
            "org",
            "create",
            "CLI Org",
            "--supporter-until",
            "2099-05-01T00:00:00Z",
            "--json",
        ],
    )
    .await;
    let org_id = org["id"].as_str().unwrap();
    assert_eq!(
        (org["name"].as_str(), org["supporter"].as_bool()),
        (Some("CLI Org"), Some(true))
    );
    let key = json_of(app, &["key", "issue", org_id, "--json"]).await;
    let access_key = key["access_key"].as_str().unwrap();
    let token = json_of(
        app,
        &[
            "token",
            "issue",
            "spectra-backend",
            "--name",
            "main",
            "--json",
        ],
    )
    .await;
    assert_eq!(
        (token["kind"].as_str(), token["name"].as_str()),
        (Some("spectra-backend"), Some("main"))
    );
    let token = token["token"].as_str().unwrap();

    let path = format!("/spectra/system/validateAccessKey/{access_key}");
    let r = app.get(&path, &[("x-user-token", token)]).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({"id": org_id, "name": "CLI Org"}))
    );
    assert_eq!(
        app.get(&format!("/spectra/supporter/{org_id}"), &[])
            .await
            .body,
        json!({"isSupporter": true})
    );

    let off = json_of(app, &["org", "supporter", org_id, "--off", "--json"]).await;
    assert_eq!(off["supporter"], false);
    assert_eq!(
        app.get(&format!("/spectra/supporter/{org_id}"), &[])
            .await
            .body,
        json!({"isSupporter": false})
    );

    let listed = json_of(app, &["key", "list", "--org", org_id, "--json"]).await;
    assert_eq!(listed["keys"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(access_key));
    let revoked = json_of(app, &["key", "revoke", access_key, "--json"]).await;
    assert!(revoked["revoked_at"].is_string());
    // Another process's change reaches the running server within the cache's bound.
    let headers = [("x-user-token", token)];
    let validate = || app.get(&path, &headers);
    within(deadline(app), "the revoked key", validate, |r| {
        r.status == StatusCode::UNAUTHORIZED
    })
    .await;
    validate().await.assert_error(StatusCode::UNAUTHORIZED);

    let tokens = json_of(app, &["token", "list", "--json"]).await;
    let id = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "main")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json_of(app, &["token", "revoke", &id, "--json"]).await;
    within(deadline(app), "the revoked token", validate, |r| {
        r.status == StatusCode::UNAUTHORIZED
    })
    .await;
    validate().await.assert_error(StatusCode::UNAUTHORIZED);

    let status = json_of(app, &["migrate", "status", "--json"]).await;
    assert!(status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["applied"] == true));
    let orgs = json_of(app, &["org", "list", "--json"]).await;
    assert_eq!(orgs["orgs"][0]["id"], json!(org_id));
}

async fn cli_manages_players_matches_and_playercam_sessions(app: &TestApp) {
    let player = json_of(
        app,
        &[
            "player",
            "set",
            "puuid-L1",
            "--region",
            "na",
            "--current-tier",
            "14",
            "--json",
        ],
    )
    .await;
    assert_eq!(
        (player["region"].as_str(), player["current_tier"].as_i64()),
        (Some("na"), Some(14))
    );
    let spectra = Spectra::new(app).await;
    spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    spectra
        .call(app, "complete", MATCH_ID, &fixture_body("complete"))
        .await;
    let listed = json_of(app, &["match", "list", "--state", "completed", "--json"]).await;
    assert_eq!(listed["matches"][0]["match_id"], MATCH_ID);
    let shown = json_of(app, &["match", "show", MATCH_ID, "--json"]).await;
    assert_eq!(shown["observers"][0]["round_number"], 3);
    let csv = backline(app, &["match", "stats", MATCH_ID, "--format", "csv"]).await;
    assert!(csv.status.success());
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(csv.lines().count(), 11);
    assert!(csv.contains("puuid-L1,LTM Left1#EUW,Raze"));
    // The operator's tier (14) is what the stats show? No: stats are the match's own snapshot.
    assert!(csv.lines().nth(1).unwrap().ends_with(",20,24"));

    let org = json_of(app, &["org", "create", "Cams", "--json"]).await;
    let session = json_of(
        app,
        &["playercam", "create", org["id"].as_str().unwrap(), "--json"],
    )
    .await;
    let (identifier, secret) = (
        session["identifier"].as_str().unwrap(),
        session["secret"].as_str().unwrap(),
    );
    json_of(
        app,
        &["playercam", "enable", identifier, "A#1", "B#2", "--json"],
    )
    .await;
    json_of(app, &["playercam", "disable", identifier, "B#2", "--json"]).await;
    json_of(
        app,
        &["playercam", "override", identifier, "B#2", "Bee", "--json"],
    )
    .await;
    let r = app
        .get(
            &format!("/spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}"),
            &[],
        )
        .await;
    assert_eq!(
        r.body,
        json!({"nameOverrides": "[[\"B#2\",\"Bee\"]]", "enabledPlayers": ["A#1"]})
    );
    json_of(
        app,
        &[
            "playercam",
            "override",
            identifier,
            "B#2",
            "--clear",
            "--json",
        ],
    )
    .await;
    let shown = json_of(app, &["playercam", "show", identifier, "--json"]).await;
    assert_eq!(
        shown["players"][1],
        json!({"full_name": "B#2", "camera_enabled": false, "display_name": null})
    );
}

async fn cli_refuses_bad_input_with_a_message_and_a_failure_code(app: &TestApp) {
    for (args, expected) in [
        (vec!["key", "issue", "no-such-org"], "not found"),
        (
            vec!["org", "create", "X", "--supporter-until", "tomorrow"],
            "RFC 3339",
        ),
        (
            vec!["player", "set", "p", "--region", "mars"],
            "unknown region",
        ),
        (vec!["playercam", "enable", "NOPE", "A#1"], "not found"),
        (vec!["match", "show", "nope"], "not found"),
    ] {
        let out = backline(app, &args).await;
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let orgs = json_of(app, &["org", "list", "--json"]).await;
    assert_eq!(orgs, json!({"orgs": []}));
}

mod migrate {
    use backline_store::testing::TestDatabase;
    use backline_store::Backend;
    use serde_json::Value;

    async fn run(url: &str, action: &str) -> Value {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(["--database", url, "migrate", action, "--json"])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    async fn status_shows_pending_migrations_until_up_applies_them(backend: Backend) {
        let Some(db) = TestDatabase::create(backend).await else {
            return;
        };
        let before = run(&db.url, "status").await;
        assert_eq!(before["backend"], backend.name());
        assert!(
            before["migrations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["applied"] == false),
            "{before}"
        );
        let after = run(&db.url, "up").await;
        assert!(
            after["migrations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["applied"] == true),
            "{after}"
        );
        assert_eq!(run(&db.url, "up").await, after, "up is idempotent");
        db.drop_database().await;
    }

    #[tokio::test]
    async fn sqlite_status_shows_pending_migrations_until_up_applies_them() {
        status_shows_pending_migrations_until_up_applies_them(Backend::Sqlite).await
    }

    #[tokio::test]
    async fn postgres_status_shows_pending_migrations_until_up_applies_them() {
        status_shows_pending_migrations_until_up_applies_them(Backend::Postgres).await
    }
}

mod serve {
    use backline_store::testing::TestDatabase;
    use backline_store::Backend;
    use std::process::Stdio;
    use std::time::Duration;
    use tokio::io::{AsyncBufReadExt, BufReader};

    /// Starts `backline serve` on port 0; the address line, the admin-token line and the child.
    async fn start(url: &str) -> (String, String, tokio::process::Child) {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = Vec::new();
        while let Some(line) = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
        {
            let done = line.contains("admin token");
            printed.push(line);
            if done {
                break;
            }
        }
        let listening = printed
            .iter()
            .find(|l| l.starts_with("Backline listening on "))
            .expect("address printed")
            .clone();
        let token = printed.last().unwrap().clone();
        (
            listening
                .trim_start_matches("Backline listening on ")
                .to_owned(),
            token,
            child,
        )
    }

    async fn stop(child: &mut tokio::process::Child) {
        let pid = child.id().unwrap().to_string();
        let killed = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
            .await
            .expect("stops on SIGTERM")
            .unwrap();
        assert!(status.success(), "{status:?}");
    }

    #[tokio::test]
    async fn serve_prints_its_address_and_the_admin_token_once_and_stops_on_sigterm() {
        let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
        let (address, token_line, mut child) = start(&db.url).await;
        assert!(token_line.contains("shown once"), "{token_line}");
        let token = token_line.rsplit(' ').next().unwrap().to_owned();
        let client = reqwest::Client::new();
        let health = client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let orgs = client
            .get(format!("{address}/admin/v1/orgs"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(orgs.status(), 200);
        stop(&mut child).await;

        // A restart on the same database keeps the token and does not print it again.
        let (address, token_line, mut child) = start(&db.url).await;
        assert!(
            !token_line.contains(&token) && token_line.contains("rotate"),
            "{token_line}"
        );
        let orgs = client
            .get(format!("{address}/admin/v1/orgs"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(orgs.status(), 200);
        stop(&mut child).await;
    }
}
