//! EMBER.md, poll step 2: a connecting player banned here gets the kick "and nothing else";
//! executions about a banned player are held (not leased) until the ban ends, and then
//! delivered as usual.

use crate::ember_helpers::{execute_sql, form, poll, server, without_settings, STEAM_ID};
use crate::helpers::TestApp;
use backline_domain::ember::actions::{ActionKind, Execution, ExecutionStatus, PlayerRef};
use backline_domain::ids::ExecutionId;
use backline_server::core::ember::executions::Target;
use backline_store::{ExecutionStore, GameServerStore};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    executions_about_a_banned_player_are_held_until_the_ban_is_lifted,
    concurrent_polls_hold_a_banned_players_executions_and_share_none_once_lifted,
    an_expired_ban_holds_nothing,
);

const KICK: &str = "kickid STEAM_0:0:85830602 \"Aimbot\"";

fn steam() -> PlayerRef {
    PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap()
}

fn connecting() -> String {
    format!("players[steam][connecting][ids]={STEAM_ID}")
}

/// Queues a command on a server; its execution id.
async fn queue(app: &TestApp, server_id: &str, text: &str, player: bool, online: bool) -> i64 {
    let core = app.core().await;
    let queued = core
        .queue_action(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            &Target::Server(server_id.into()),
            ActionKind::Command,
            text,
            player.then(steam),
            online,
        )
        .await
        .unwrap();
    core.store.close().await;
    queued[0].id.0
}

async fn stored(app: &TestApp, id: i64) -> Execution {
    let store = app.store().await;
    let e = store.get_execution(ExecutionId(id)).await.unwrap().unwrap();
    store.close().await;
    e
}

fn command(action: &Value) -> &str {
    action["payload"]["command"].as_str().unwrap_or_default()
}

async fn ban(app: &TestApp, token: &str, body: &str) {
    let r = form(
        app,
        token,
        Method::POST,
        &format!("/players/steam/{STEAM_ID}/bans"),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
}

async fn executions_about_a_banned_player_are_held_until_the_ban_is_lifted(app: &TestApp) {
    let (eu_id, eu) = server(app, "EU", &["eu"]).await;
    let (us_id, us) = server(app, "US", &["us"]).await;
    poll(app, &eu, "").await;
    poll(app, &us, "").await;
    // Banned on the eu group only, while not connected anywhere: no kick is queued.
    ban(app, &eu, "scope=server&reason=Aimbot").await;
    let online = queue(app, &eu_id, "psay hello", true, true).await;
    let anytime = queue(app, &eu_id, "note player", true, false).await;
    let unrelated = queue(app, &eu_id, "say everyone", false, false).await;
    let on_us = queue(app, &us_id, "psay us", true, true).await;

    let actions = without_settings(poll(app, &eu, &connecting()).await);
    assert_eq!(
        actions,
        vec![
            json!({"type": "command", "payload": {"command": KICK}}),
            json!({"type": "command", "payload": {"command": "say everyone", "execution_id": unrelated}}),
        ],
        "the kick, and nothing else for that player"
    );
    for id in [online, anytime] {
        let e = stored(app, id).await;
        assert_eq!(
            (e.status, e.attempts, e.lease_until),
            (ExecutionStatus::Queued, 0, None),
            "held, not leased"
        );
    }
    // Still held once the player is gone, whatever the presence requirement.
    assert!(without_settings(poll(app, &eu, "").await).is_empty());
    assert_eq!(stored(app, anytime).await.status, ExecutionStatus::Queued);
    // A server that does not enforce the ban delivers as usual.
    let us_actions = without_settings(poll(app, &us, &connecting()).await);
    let exhaustive_none = json!({"type": "roles", "payload": {"player_steam_account_id": STEAM_ID, "exhaustive": true, "grant": [], "revoke": []}});
    assert_eq!(
        us_actions,
        vec![
            exhaustive_none.clone(),
            json!({"type": "command", "payload": {"command": "psay us", "execution_id": on_us}})
        ]
    );

    // Lifted: the next poll with the player connecting delivers them, oldest first.
    let lifted = form(
        app,
        &eu,
        Method::DELETE,
        &format!("/players/steam/{STEAM_ID}/bans"),
        "",
    )
    .await;
    assert_eq!(lifted.status, StatusCode::NO_CONTENT, "{lifted:?}");
    let actions = without_settings(poll(app, &eu, &connecting()).await);
    assert_eq!(
        actions,
        vec![
            exhaustive_none,
            json!({"type": "command", "payload": {"command": "psay hello", "execution_id": online}}),
            json!({"type": "command", "payload": {"command": "note player", "execution_id": anytime}}),
        ]
    );
    for id in [online, anytime] {
        let e = stored(app, id).await;
        assert_eq!((e.status, e.attempts), (ExecutionStatus::Leased, 1));
    }
}

async fn concurrent_polls_hold_a_banned_players_executions_and_share_none_once_lifted(
    app: &TestApp,
) {
    let (server_id, token) = server(app, "EU", &["eu"]).await;
    poll(app, &token, "").await;
    ban(app, &token, "scope=global&reason=Aimbot").await;
    let mut held = Vec::new();
    for i in 0..20 {
        held.push(queue(app, &server_id, &format!("psay {i}"), true, i % 2 == 0).await);
    }
    let polls = |n: usize| {
        let token = token.clone();
        futures::future::join_all((0..n).map(move |_| {
            let token = token.clone();
            async move { without_settings(poll(app, &token, &connecting()).await) }
        }))
    };
    for actions in polls(8).await {
        assert!(
            actions.iter().all(|a| command(a) == KICK),
            "only kicks while banned: {actions:?}"
        );
    }
    for id in &held {
        assert_eq!(stored(app, *id).await.attempts, 0);
    }
    let core = app.core().await;
    let server = core
        .store
        .get_server(&backline_domain::ids::ServerId::from_string(&server_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(core.lift_bans(&server, &steam()).await.unwrap(), 1);
    core.store.close().await;
    let mut delivered: Vec<i64> = polls(8)
        .await
        .into_iter()
        .flatten()
        .filter_map(|a| a["payload"]["execution_id"].as_i64())
        .collect();
    delivered.sort_unstable();
    assert_eq!(
        delivered, held,
        "each held execution delivered exactly once"
    );
}

async fn an_expired_ban_holds_nothing(app: &TestApp) {
    let (server_id, token) = server(app, "EU", &["eu"]).await;
    poll(app, &token, "").await;
    ban(
        app,
        &token,
        "scope=global&reason=Aimbot&duration_minutes=60",
    )
    .await;
    let id = queue(app, &server_id, "psay back", true, true).await;
    let actions = without_settings(poll(app, &token, &connecting()).await);
    assert_eq!(
        actions,
        vec![json!({"type": "command", "payload": {"command": KICK}})]
    );
    assert_eq!(stored(app, id).await.status, ExecutionStatus::Queued);
    // The hour passes (the database is told the ban ended a second ago).
    let past = backline_domain::Timestamp::now().millis() - 1000;
    execute_sql(app, "UPDATE ember_bans SET expires_at = $1", past).await;
    let actions = without_settings(poll(app, &token, &connecting()).await);
    let commands: Vec<&str> = actions.iter().map(command).collect();
    assert_eq!(
        commands,
        vec!["", "psay back"],
        "roles, then the execution: {actions:?}"
    );
    let e = stored(app, id).await;
    assert_eq!((e.status, e.attempts), (ExecutionStatus::Leased, 1));
}
