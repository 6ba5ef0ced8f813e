//! Issue 17 item 2: a player's id never carries a second console command. A hostile corpus of
//! ids (quotes, `;`, line breaks of every kind, white space, backslashes, backticks) is
//! refused at every entry, over the admin API (422 in its JSON shape) and from game servers
//! (Laravel's 422: polls, bans, role sync, primary roles, link tokens), and a refused request
//! stores nothing; the kick of every built-in game, rendered for valid ids of every format its
//! source allows and a hostile reason, is one command.
//!
//! Issue 17 item 5b: a ban's kick is queued once per server and player while one is pending,
//! and a poll delivers a banned player one kick.

use crate::admin_roles::{as_token, issue};
use crate::admin_servers::create_server;
use crate::ember_helpers::{form, json_request, poll, without_settings, STEAM_ID};
use crate::helpers::TestApp;
use backline_domain::ember::games::builtin_games;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    hostile_ids_are_refused_by_the_admin_api_and_change_nothing,
    hostile_ids_from_game_servers_are_refused_and_change_nothing,
    every_games_kick_is_one_command_for_every_id_format,
    a_banned_player_gets_one_kick_where_one_was_queued,
);

/// Ids that would end an argument or the command in some game's console.
pub const HOSTILE_IDS: &[&str] = &[
    "1\"; quit; \"",
    "76561198131926932\"; quit; \"",
    "76561198131926932; quit",
    "76561198131926932\nquit",
    "76561198131926932\r\nquit",
    "76561198131926932\rquit",
    "STEAM_0:1:1\"; quit; \"",
    "STEAM_0:1:1\nquit",
    "Steve\nop Mallory x",
    "Steve\rop Mallory",
    "Steve op Mallory",
    "Steve\top",
    "Steve\u{0}op",
    "Steve\u{b}op",
    "Steve\u{85}op Mallory",
    "Steve\u{2028}op Mallory",
    "Steve\u{2029}op Mallory",
    "Steve;op Mallory",
    "Steve'; op Mallory; '",
    "Steve`op Mallory`",
    "Steve\\\"; quit",
    "Steve\\nop",
    " Steve",
    "Steve ",
];

/// The sources of the built-in games, and one whose format Backline does not know.
const SOURCES: &[&str] = &["steam", "minecraft", "discord"];

/// Every path byte but letters and digits percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One number the database answers `sql` with.
async fn scalar(app: &TestApp, sql: &str) -> i64 {
    use sqlx::{Connection, Row};
    match app.db.backend {
        backline_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            let n: i64 = sqlx::query(sql).fetch_one(&mut conn).await.unwrap().get(0);
            conn.close().await.unwrap();
            n
        }
        backline_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            let n: i64 = sqlx::query(sql).fetch_one(&mut conn).await.unwrap().get(0);
            conn.close().await.unwrap();
            n
        }
    }
}

/// What a refused request must leave as it was: the rows of every table a player's request
/// writes, and the servers' poll bookkeeping.
async fn stored(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "users",
        "external_accounts",
        "ember_presence",
        "ember_executions",
        "ember_bans",
        "ember_user_roles",
        "ember_link_tokens",
        "audit_log",
    ] {
        let n = scalar(
            app,
            &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"),
        )
        .await;
        out.push((table, n));
    }
    // The sweep reports servers that started polling on its own time: those events aside.
    let events = scalar(
        app,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM events WHERE kind NOT LIKE 'server.polling.%'",
    )
    .await;
    out.push(("events", events));
    let polls = scalar(
        app,
        "SELECT CAST(COALESCE(SUM(COALESCE(last_poll_at, 0)), 0) AS BIGINT) FROM ember_servers",
    )
    .await;
    out.push(("ember_servers.last_poll_at", polls));
    out
}

/// A command has the template's shape: no control character or `;` anywhere, and as many
/// double quotes as the template (a value never opens or closes an argument).
fn assert_one_command(template: &str, command: &str) {
    assert!(
        !command
            .chars()
            .any(|c| c.is_control() || matches!(c, ';' | '\u{85}' | '\u{2028}' | '\u{2029}')),
        "{command:?}"
    );
    assert!(!template.contains(';'), "{template:?}");
    assert_eq!(
        command.matches('"').count(),
        template.matches('"').count(),
        "{template:?} rendered {command:?}"
    );
}

fn assert_refused_in_admin_shape(r: &crate::helpers::Reply, what: &str) {
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"], "invalid", "{what}: {r:?}");
    assert!(
        r.body["message"].as_str().unwrap().contains("account id"),
        "{what}: {r:?}"
    );
}

async fn hostile_ids_are_refused_by_the_admin_api_and_change_nothing(app: &TestApp) {
    let (server_id, token) = create_server(app, "EU", "gmod", &["eu"]).await;
    poll(app, &token, "").await;
    let moderator = issue(app, "mod", "moderator").await;
    let role = app
        .admin(
            Method::POST,
            "/roles",
            Some(json!({"name": "Admin", "ingame": "admin", "position": 1})),
        )
        .await;
    assert_eq!(role.status, StatusCode::CREATED, "{role:?}");
    let role = role.body["id"].as_str().unwrap().to_owned();
    let before = stored(app).await;
    for source in SOURCES {
        for id in HOSTILE_IDS {
            let what = format!("{source}:{id:?}");
            let player = json!({"source": source, "account_id": id});
            let kick =
                json!({"source": source, "account_id": id, "reason": "x", "server": server_id});
            let ban = json!({"source": source, "account_id": id, "scope": "global", "reason": "x"});
            // Moderators kick, ban and grant roles; only owners queue actions.
            for (token, path, body) in [
                (moderator.as_str(), "/kicks", kick),
                (moderator.as_str(), "/bans", ban),
                (
                    app.admin_token.as_str(),
                    "/actions",
                    json!({"server": server_id, "type": "command", "text": "say hi", "player": player}),
                ),
            ] {
                let r = as_token(app, Some(token), Method::POST, path, Some(body)).await;
                assert_refused_in_admin_shape(&r, &format!("{path} {what}"));
            }
            let grant = format!("/roles/{role}/grants/{source}/{}", encode(id));
            for method in [Method::PUT, Method::DELETE] {
                let r = as_token(app, Some(&moderator), method.clone(), &grant, None).await;
                assert_refused_in_admin_shape(&r, &format!("{method} {grant}"));
            }
        }
    }
    assert_eq!(
        stored(app).await,
        before,
        "a refused request stores nothing"
    );
    assert!(
        without_settings(poll(app, &token, "").await).is_empty(),
        "nothing was queued"
    );
}

/// The Laravel-style 422 of the game-server surface, naming `field`.
fn assert_refused_in_laravel_shape(r: &crate::helpers::Reply, field: &str, what: &str) {
    r.assert_laravel_error(422, Some(field));
    assert!(r.body.get("error").is_none(), "{what}: {r:?}");
    assert!(r.body["message"].is_string(), "{what}: {r:?}");
}

async fn hostile_ids_from_game_servers_are_refused_and_change_nothing(app: &TestApp) {
    let (_, gmod) = create_server(app, "GMod", "gmod", &["eu"]).await;
    let (_, minecraft) = create_server(app, "MC", "minecraft", &["eu"]).await;
    poll(app, &gmod, "").await;
    poll(app, &minecraft, "").await;
    let role = app
        .admin(
            Method::POST,
            "/roles",
            Some(json!({"name": "Admin", "ingame": "admin", "position": 1})),
        )
        .await;
    assert_eq!(role.status, StatusCode::CREATED, "{role:?}");
    let before = stored(app).await;
    for (token, source, valid) in [
        (&gmod, "steam", STEAM_ID),
        (&minecraft, "minecraft", "Notch"),
    ] {
        for id in HOSTILE_IDS {
            let what = format!("{source}:{id:?}");
            // Parameters are trimmed first, as Laravel's `TrimStrings` does (` Steve` is
            // `Steve`); path segments are not.
            let trimmed = id.trim() != *id;
            // A poll: the hostile id beside a valid one; neither is stored.
            for state in ["connecting", "connected"].into_iter().filter(|_| !trimmed) {
                let body = json!({"players": {source: {state: {"ids": [valid, id]}}}});
                let r = json_request(app, token, Method::POST, "/poll", &body).await;
                assert_refused_in_laravel_shape(&r, &format!("players.{source}"), &what);
            }
            let path = format!("/players/{source}/{}", encode(id));
            for (method, path, body) in [
                (
                    Method::POST,
                    format!("{path}/bans"),
                    "scope=global&reason=x",
                ),
                (Method::DELETE, format!("{path}/bans"), ""),
                (Method::POST, format!("{path}/roles"), "name=admin"),
                (Method::DELETE, format!("{path}/roles/admin"), ""),
                (Method::GET, format!("{path}/primaryrole"), ""),
                (Method::POST, format!("{path}/primaryrole"), "name=admin"),
                (Method::POST, format!("{path}/linktoken"), ""),
            ] {
                let r = form(app, token, method.clone(), &path, body).await;
                assert_refused_in_laravel_shape(&r, "account_id", &format!("{method} {path}"));
            }
            // A ban by a valid player naming a hostile admin.
            if trimmed {
                continue;
            }
            let body = format!(
                "scope=global&reason=x&admin_{source}_account_id={}",
                encode(id)
            );
            let r = form(
                app,
                token,
                Method::POST,
                &format!("/players/{source}/{valid}/bans"),
                &body,
            )
            .await;
            assert_refused_in_laravel_shape(&r, "account_id", &format!("admin {what}"));
        }
    }
    assert_eq!(
        stored(app).await,
        before,
        "a refused request stores nothing"
    );
}

/// Valid ids of every format each built-in game's source allows.
fn valid_ids(source: &str) -> &'static [&'static str] {
    match source {
        "steam" => &[STEAM_ID, "STEAM_0:1:12345"],
        "minecraft" => &["Notch", "069a79f4-44e9-4726-a5be-fca90e38aaf5"],
        other => panic!("a built-in game of source {other}"),
    }
}

async fn every_games_kick_is_one_command_for_every_id_format(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let reason = "x\"; quit; \"\nop Mallory\u{2028}say \\\" hi";
    for (key, game) in builtin_games() {
        let template = &game.commands["kick"];
        let (server_id, token) = create_server(app, &key, &key, &["eu"]).await;
        for id in valid_ids(&game.source) {
            let connecting = json!({"players": {&game.source: {"connecting": {"ids": [id]}}}});
            let r = json_request(app, &token, Method::POST, "/poll", &connecting).await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            // An operator's kick with a hostile reason.
            let kick = json!({"source": game.source, "account_id": id, "reason": reason, "server": server_id});
            let r = as_token(app, Some(&moderator), Method::POST, "/kicks", Some(kick)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{key} {id}: {r:?}");
            let queued = r.body["executions"][0]["payload"]["command"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_one_command(template, &queued);
            let steamid2 = backline_domain::ember::games::steamid2(id);
            let shown = if template.contains("{steamid2}") {
                steamid2.as_deref().unwrap_or(id)
            } else {
                id
            };
            assert!(
                queued.contains(&format!(" {shown} ")),
                "{key}: the id is one argument: {queued:?}"
            );
            let r = json_request(app, &token, Method::POST, "/poll", &connecting).await;
            let delivered: Vec<&str> = r.body["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["payload"]["command"].as_str())
                .collect();
            assert_eq!(delivered, vec![queued.as_str()], "{key} {id}");
            // A ban from the game server: the connecting player's kick, in the next poll.
            let r = form(
                app,
                &token,
                Method::POST,
                &format!("/players/{}/{}/bans", game.source, encode(id)),
                &format!("scope=global&reason={}", encode(reason)),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{key} {id}: {r:?}");
            let ban_id = r.body["ban"]["id"].as_str().unwrap().to_owned();
            let r = json_request(app, &token, Method::POST, "/poll", &connecting).await;
            let kicks: Vec<&str> = r.body["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["payload"]["command"].as_str())
                .collect();
            assert_eq!(kicks.len(), 1, "{key} {id}: {r:?}");
            assert_one_command(template, kicks[0]);
            assert_eq!(kicks[0], queued, "the same kick, with the ban's reason");
            // Lifted, so the next game's players of this source are not banned.
            let lifted = app
                .admin(Method::POST, &format!("/bans/{ban_id}/lift"), None)
                .await;
            assert_eq!(lifted.status, StatusCode::OK, "{lifted:?}");
        }
    }
}

/// The pending kicks of a server about the player (`enforces_ban` ones).
async fn pending_ban_kicks(app: &TestApp, server_id: &str) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ember_executions WHERE server_id = '{server_id}' \
             AND enforces_ban = 1 AND status IN ('queued', 'leased') \
             AND player_source = 'steam' AND player_account_id = '{STEAM_ID}'"
        ),
    )
    .await
}

fn kicks(actions: &[Value]) -> Vec<Value> {
    actions
        .iter()
        .filter(|a| {
            a["payload"]["command"]
                .as_str()
                .is_some_and(|c| c.starts_with("kickid "))
        })
        .cloned()
        .collect()
}

async fn a_banned_player_gets_one_kick_where_one_was_queued(app: &TestApp) {
    let (_, eu) = create_server(app, "EU", "gmod", &["eu"]).await;
    let (us_id, us) = create_server(app, "US", "gmod", &["us"]).await;
    poll(app, &eu, "").await;
    // The player is on US when EU bans them: the ban queues a kick on US.
    poll(
        app,
        &us,
        &format!("players[steam][connected][ids]={STEAM_ID}"),
    )
    .await;
    let r = form(
        app,
        &eu,
        Method::POST,
        &format!("/players/steam/{STEAM_ID}/bans"),
        "scope=global&reason=Aimbot",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(pending_ban_kicks(app, &us_id).await, 1);
    // A second ban while that kick is pending queues no second one.
    let r = app
        .admin(
            Method::POST,
            "/bans",
            Some(json!({"source": "steam", "account_id": STEAM_ID, "scope": "global", "reason": "Again"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(pending_ban_kicks(app, &us_id).await, 1, "one pending kick");

    // The player left US and connects again: one kick, the queued one.
    poll(app, &us, "").await;
    let connecting = format!("players[steam][connecting][ids]={STEAM_ID}");
    let actions = without_settings(poll(app, &us, &connecting).await);
    let delivered = kicks(&actions);
    assert_eq!(delivered.len(), 1, "one kick: {actions:?}");
    assert_eq!(
        delivered[0]["payload"]["command"],
        "kickid STEAM_0:0:85830602 \"Aimbot\""
    );
    let execution = delivered[0]["payload"]["execution_id"].as_i64().unwrap();
    // While it is leased, the player connecting again gets the poll's own kick, once.
    let again = without_settings(poll(app, &us, &connecting).await);
    assert_eq!(kicks(&again).len(), 1, "{again:?}");
    assert!(again[0]["payload"]["execution_id"].is_null(), "{again:?}");
    let r = form(
        app,
        &us,
        Method::PATCH,
        &format!("/actions/executions/{execution}/finish"),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert_eq!(pending_ban_kicks(app, &us_id).await, 0);

    // Once that kick is done, a new ban queues a new one.
    poll(
        app,
        &us,
        &format!("players[steam][connected][ids]={STEAM_ID}"),
    )
    .await;
    let r = form(
        app,
        &eu,
        Method::POST,
        &format!("/players/steam/{STEAM_ID}/bans"),
        "scope=global&reason=Third",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(pending_ban_kicks(app, &us_id).await, 1);
    let actions = without_settings(poll(app, &us, &connecting).await);
    let delivered = kicks(&actions);
    assert_eq!(delivered.len(), 1, "one kick: {actions:?}");
    assert!(
        delivered[0]["payload"]["execution_id"].is_i64(),
        "the queued kick: {actions:?}"
    );
}
