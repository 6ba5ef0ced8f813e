//! The game integration's command line, against a running server's database.

use crate::cache_bound::{deadline, within};
use crate::ember_helpers::{form, poll, without_settings, STEAM_ID};
use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app => cli_servers_roles_and_actions_reach_the_game_server);

async fn backline(app: &TestApp, args: &[&str]) -> (bool, Value, String) {
    crate::helpers::cli(&app.db.url, args).await
}

async fn cli_servers_roles_and_actions_reach_the_game_server(app: &TestApp) {
    let (ok, server, err) = backline(
        app,
        &[
            "server",
            "create",
            "Rust EU",
            "--game",
            "rust",
            "--group",
            "eu",
            "--poll-interval",
            "15",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    let (id, token) = (
        server["id"].as_str().unwrap().to_owned(),
        server["token"].as_str().unwrap().to_owned(),
    );
    assert_eq!(
        (
            server["game"].as_str(),
            server["poll_interval_seconds"].as_i64()
        ),
        (Some("rust"), Some(15))
    );
    assert_eq!(server["groups"], json!(["eu"]));
    let first = poll(app, &token, "").await;
    assert_eq!(first[0]["payload"]["poll_interval"], 15);

    let (ok, role, err) = backline(
        app,
        &[
            "role",
            "create",
            "Admin",
            "--ingame",
            "admin",
            "--position",
            "1",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(role["ingame"], "admin");
    let (ok, _, err) = backline(
        app,
        &["role", "grant", &format!("steam:{STEAM_ID}"), "Admin"],
    )
    .await;
    assert!(ok, "{err}");
    let (ok, queued, err) = backline(
        app,
        &[
            "action",
            "queue",
            "--server",
            &id,
            "--type",
            "command",
            "--text",
            "oxide.grant user x",
            "--player",
            &format!("steam:{STEAM_ID}"),
            "--online",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    let execution_id = queued["executions"][0]["id"].as_i64().unwrap();
    let (ok, _, _) = backline(
        app,
        &[
            "action", "queue", "--all", "--type", "code", "--text", "print(1)",
        ],
    )
    .await;
    assert!(ok);
    let offline = without_settings(poll(app, &token, "").await);
    let kinds: Vec<_> = offline
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["roles", "code"],
        "the online-only command waits: {offline:?}"
    );
    let online = without_settings(
        poll(
            app,
            &token,
            &format!("players[steam][connected][ids]={STEAM_ID}"),
        )
        .await,
    );
    assert_eq!(online[0]["payload"]["execution_id"], execution_id);

    let (ok, listed, _) = backline(
        app,
        &[
            "execution",
            "list",
            "--server",
            &id,
            "--status",
            "leased",
            "--json",
        ],
    )
    .await;
    assert!(ok);
    assert_eq!(listed["executions"].as_array().unwrap().len(), 3);
    let (ok, _, err) = backline(app, &["execution", "rerun", &execution_id.to_string()]).await;
    assert!(!ok && err.contains("still leased"), "{err}");

    let (ok, changed, err) = backline(
        app,
        &[
            "server",
            "set",
            &id,
            "--role-sync-receive",
            "false",
            "--ban-scopes",
            "global",
            "--address",
            "10.0.0.5:28015",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(changed["enforced_ban_scopes"], json!(["global"]));
    assert_eq!(changed["address"], "10.0.0.5:28015");
    // Changed by another process, the settings go out with a poll within the cache's bound
    // (README, "The cache and its bound"), once.
    let settings = within(
        deadline(app),
        "the changed settings",
        || form(app, &token, Method::POST, "/poll", ""),
        |r| r.status == 200 && !r.body["actions"].as_array().unwrap().is_empty(),
    )
    .await;
    assert_eq!(
        settings.body["actions"][0]["payload"]["role_sync"],
        json!({"send": true, "receive": false}),
        "{settings:?}"
    );
    let again = poll(app, &token, "").await;
    assert!(again.is_empty(), "settings only once: {again:?}");
    let (ok, rotated, _) = backline(app, &["server", "rotate-token", &id, "--json"]).await;
    assert!(ok);
    let old = within(
        deadline(app),
        "the rotated token",
        || form(app, &token, Method::POST, "/poll", ""),
        |r| r.status == 401,
    )
    .await;
    old.assert_laravel_error(401, None);
    assert_eq!(
        poll(app, rotated["token"].as_str().unwrap(), "")
            .await
            .len(),
        0
    );

    for (args, expected) in [
        (
            vec!["server", "create", "X", "--game", "pong"],
            "unknown game",
        ),
        (vec!["role", "grant", "steam:1", "Nobody"], "invalid"),
        (
            vec!["role", "grant", "not-a-player", "Admin"],
            "SOURCE:ACCOUNT_ID",
        ),
        (
            vec!["role", "create", "Admin", "--ingame", "other"],
            "exists",
        ),
        (
            vec![
                "action", "queue", "--server", "nope", "--type", "command", "--text", "x",
            ],
            "not found",
        ),
        (
            vec![
                "action", "queue", "--all", "--type", "command", "--text", "x", "--online",
            ],
            "needs a player",
        ),
        (
            vec!["server", "set", &id, "--ban-scopes", "planet"],
            "unknown ban scope",
        ),
        // A player's id must have its source's format (issue 17 item 2).
        (
            vec!["role", "grant", "steam:1\"; quit; \"", "Admin"],
            "Steam64 id",
        ),
        (
            vec![
                "action",
                "queue",
                "--all",
                "--type",
                "command",
                "--text",
                "x",
                "--player",
                "minecraft:Steve\nop Mallory x",
            ],
            "player name",
        ),
        (
            vec!["ban", "list", "discord:1;quit"],
            "without control characters",
        ),
    ] {
        let (ok, _, err) = backline(app, &args).await;
        assert!(!ok && err.contains(expected), "{args:?}: {err}");
    }
    let (ok, bans, _) = backline(
        app,
        &["ban", "list", &format!("steam:{STEAM_ID}"), "--json"],
    )
    .await;
    assert!(ok);
    assert_eq!(bans, json!({"bans": []}));
}
