//! Joining and leaving matches, and the timers that start and end them.

use crate::helpers::TestApp;
use crate::nakama_helpers::{raw_matches, register_broadcaster, rpc, run_timers_in, signed_in};
use backline_domain::accounts::ExternalAccount;
use backline_domain::accounts::SystemGroup::{
    GlobalBots, GlobalDevelopers, GlobalPrivateDataAccess,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    the_first_join_starts_the_match_and_answers_where_to_connect,
    joins_are_refused_with_evr_failure_codes,
    role_alignments_and_requests_decide_teams,
    an_evr_id_sits_in_one_match_unless_a_bot_or_developer,
    empty_matches_end_and_unjoined_ones_start_on_their_timers,
    concurrent_joins_never_overfill_a_match,
);

/// A bot with private-data access, and a prepared match on a new broadcaster.
async fn prepared(app: &TestApp, body: Value) -> (String, String) {
    let (_, bot) = signed_in(
        app,
        &format!("bot-{}", uuid::Uuid::new_v4().simple()),
        &[GlobalBots, GlobalPrivateDataAccess],
    )
    .await;
    let port = 1000 + (uuid::Uuid::new_v4().as_u128() % 50000) as u16;
    let (_, idle) =
        register_broadcaster(app, &bot, json!({"features": ["kick"], "port": port})).await;
    let mut body = body;
    body["id"] = json!(idle);
    let r = rpc(app, "match/prepare", &bot, body).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    (idle, bot)
}

async fn join(app: &TestApp, token: &str, match_id: &str, evr_id: &str, extra: Value) -> Value {
    let mut body = json!({"match_id": match_id, "evr_id": evr_id});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = rpc(app, "match/join", token, body).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

fn failure(reply: &Value) -> (i64, String) {
    assert_eq!(reply["joined"], false, "{reply}");
    (
        reply["failure"]["code"].as_i64().unwrap(),
        reply["failure"]["message"].as_str().unwrap().to_owned(),
    )
}

async fn label(app: &TestApp, bot: &str, id: &str) -> Value {
    let r = rpc(app, "match", bot, json!({"match_ids": [id]})).await;
    r.body["matches"][0].clone()
}

async fn the_first_join_starts_the_match_and_answers_where_to_connect(app: &TestApp) {
    let (id, bot) = prepared(
        app,
        json!({"mode": "echo_arena_private", "required_features": ["kick"]}),
    )
    .await;
    assert_eq!(label(app, &bot, &id).await["started"], false);
    let (user_id, player) = signed_in(app, "player-1", &[]).await;
    let r = join(
        app,
        &player,
        &id,
        "OVR-ORG-1",
        json!({"features": ["kick"], "team": "orange"}),
    )
    .await;
    let endpoint = r["endpoint"].as_str().unwrap().to_owned();
    assert!(
        endpoint.starts_with("192.168.56.1:174.58.161.237:"),
        "{endpoint}"
    );
    assert_eq!(
        r,
        json!({"joined": true, "match_id": id, "team": "orange", "endpoint": endpoint,
               "session_settings": {"appid": "1369078409873402", "gametype": 691594351282457603i64, "level": 6300205991959903307i64, "features": ["kick"]}})
    );
    let l = label(app, &bot, &id).await;
    assert_eq!(
        (
            l["started"].clone(),
            l["size"].clone(),
            l["player_count"].clone()
        ),
        (json!(true), json!(1), json!(1))
    );
    let p = &l["players"][0];
    assert_eq!(
        (p["user_id"].clone(), p["evr_id"].clone(), p["team"].clone()),
        (json!(user_id), json!("OVR-ORG-1"), json!("orange"))
    );
    assert_eq!(p["client_ip"], "127.0.0.1");
    let left = rpc(app, "match/leave", &player, json!({"match_id": id})).await;
    assert_eq!(left.body, json!({"left": true}));
    assert_eq!(
        rpc(app, "match/leave", &player, json!({"match_id": id}))
            .await
            .body,
        json!({"left": false})
    );
    rpc(
        app,
        "match/leave",
        &player,
        json!({"match_id": "nope.backline"}),
    )
    .await
    .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    assert_eq!(label(app, &bot, &id).await["size"], 0);
}

async fn joins_are_refused_with_evr_failure_codes(app: &TestApp) {
    let (id, bot) = prepared(
        app,
        json!({"mode": "echo_arena_private", "required_features": ["kick"], "team_size": 1}),
    )
    .await;
    let (_, a) = signed_in(app, "player-a", &[]).await;
    let (_, b) = signed_in(app, "player-b", &[]).await;
    let (_, c) = signed_in(app, "player-c", &[]).await;
    let missing = failure(&join(app, &a, &id, "OVR-A", json!({})).await);
    assert_eq!(missing, (5, "missing required feature: kick".to_owned()));
    assert_eq!(
        join(app, &a, &id, "OVR-A", json!({"features": ["kick"]})).await["joined"],
        true
    );
    assert_eq!(
        failure(&join(app, &a, &id, "OVR-A2", json!({"features": ["kick"]})).await),
        (2, "duplicate join".to_owned())
    );
    assert_eq!(
        failure(&join(app, &b, &id, "OVR-A", json!({"features": ["kick"]})).await),
        (2, "evr id belongs to another account".to_owned())
    );
    assert_eq!(
        join(app, &b, &id, "OVR-B", json!({"features": ["kick"]})).await["joined"],
        true
    );
    assert_eq!(
        failure(&join(app, &c, &id, "OVR-C", json!({"features": ["kick"]})).await).0,
        8,
        "two players is full at team size 1"
    );
    assert_eq!(
        join(
            app,
            &c,
            &id,
            "OVR-C",
            json!({"features": ["kick"], "team": "spectator"})
        )
        .await["team"],
        "spectator"
    );
    assert_eq!(
        failure(&join(app, &c, "no-such.backline", "OVR-C", json!({})).await).0,
        4
    );
    let (_, idle) = register_broadcaster(app, &bot, json!({"port": 4242})).await;
    assert_eq!(
        failure(&join(app, &c, &idle, "OVR-C2", json!({})).await).0,
        4,
        "an unassigned match cannot be joined"
    );
    let bad_team = rpc(
        app,
        "match/join",
        &c,
        json!({"match_id": id, "evr_id": "OVR-Z", "team": "purple"}),
    )
    .await;
    bad_team.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    crate::nakama_helpers::rpc_http_key(
        app,
        "match/join",
        json!({"match_id": id, "evr_id": "OVR-Z"}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    assert_eq!(label(app, &bot, &id).await["size"], 3);
}

async fn role_alignments_and_requests_decide_teams(app: &TestApp) {
    let (id, bot) = prepared(
        app,
        json!({"mode": "echo_arena_private", "team_size": 2, "role_alignments": {"111": "orange", "222": "moderator"}}),
    )
    .await;
    let core = app.core().await;
    let mut tokens = Vec::new();
    for (name, discord) in [
        ("aligned-orange", "111"),
        ("aligned-mod", "222"),
        ("free-1", "333"),
        ("free-2", "444"),
    ] {
        let (user_id, token) = signed_in(app, name, &[]).await;
        core.link_account(&crate::helpers::grant(), &user_id, "discord", discord)
            .await
            .unwrap();
        let _ = ExternalAccount::new("discord", discord);
        tokens.push(token);
    }
    core.store.close().await;
    let team = |r: Value| r["team"].as_str().unwrap().to_owned();
    assert_eq!(
        team(join(app, &tokens[0], &id, "E0", json!({"team": "blue"})).await),
        "orange",
        "the alignment wins over the request"
    );
    assert_eq!(
        team(join(app, &tokens[1], &id, "E1", json!({})).await),
        "moderator"
    );
    assert_eq!(
        team(join(app, &tokens[2], &id, "E2", json!({"team": 1})).await),
        "orange",
        "requested team with room"
    );
    assert_eq!(
        team(join(app, &tokens[3], &id, "E3", json!({"team": "orange"})).await),
        "blue",
        "orange is full"
    );
    let l = label(app, &bot, &id).await;
    assert_eq!(l["player_count"], 3, "moderators are not players");
    assert_eq!(l["team_alignments"].as_object().unwrap().len(), 2);
}

async fn an_evr_id_sits_in_one_match_unless_a_bot_or_developer(app: &TestApp) {
    let (first, bot) = prepared(app, json!({"mode": "echo_arena_private"})).await;
    let (second, _) = prepared(app, json!({"mode": "echo_arena_private"})).await;
    let (_, player) = signed_in(app, "player-1", &[]).await;
    join(app, &player, &first, "OVR-1", json!({})).await;
    join(app, &player, &second, "OVR-1", json!({})).await;
    assert_eq!(
        label(app, &bot, &first).await["size"],
        0,
        "joining elsewhere left the first match"
    );
    assert_eq!(label(app, &bot, &second).await["size"], 1);
    for (name, group) in [("bot-player", GlobalBots), ("dev-player", GlobalDevelopers)] {
        let (_, token) = signed_in(app, name, &[group]).await;
        let evr = format!("OVR-{name}");
        join(app, &token, &first, &evr, json!({})).await;
        join(app, &token, &second, &evr, json!({})).await;
        assert!(
            raw_matches(app, &bot)
                .await
                .iter()
                .filter(|m| m["players"].to_string().contains(&evr))
                .count()
                == 2,
            "{name} sits in both"
        );
    }
}

async fn empty_matches_end_and_unjoined_ones_start_on_their_timers(app: &TestApp) {
    let (joined, bot) = prepared(app, json!({"mode": "echo_arena_private"})).await;
    let (unjoined, _) = prepared(app, json!({"mode": "echo_arena_private"})).await;
    let (_, player) = signed_in(app, "player-1", &[]).await;
    join(app, &player, &joined, "OVR-1", json!({})).await;
    rpc(app, "match/leave", &player, json!({"match_id": joined})).await;
    let broadcaster = label(app, &bot, &joined).await["broadcaster"]["sid"].clone();
    // Keep the broadcasters alive while time "passes".
    let pass = run_timers_in(app, 30).await;
    assert_eq!((pass.matches_ended, pass.matches_started), (0, 0));
    let pass = run_timers_in(app, 61).await;
    assert_eq!(pass.matches_ended, 1, "empty for 60 s ends the match");
    assert!(
        label(app, &bot, &joined).await.is_null(),
        "ended matches are not listed"
    );
    let idle: Vec<_> = raw_matches(app, &bot)
        .await
        .into_iter()
        .filter(|m| m["broadcaster"]["sid"] == broadcaster && m["lobby_type"] == "unassigned")
        .collect();
    assert_eq!(idle.len(), 1, "the broadcaster got a new idle match");
    assert_eq!(
        run_timers_in(app, 61).await.matches_ended,
        0,
        "nothing happens twice"
    );
    let pass = crate::nakama_helpers::run_timers(app, 15 * 60 + 1, true).await;
    assert_eq!(pass.matches_started, 1);
    assert_eq!(
        label(app, &bot, &unjoined).await["started"],
        true,
        "15 minutes after preparation it starts"
    );
}

async fn concurrent_joins_never_overfill_a_match(app: &TestApp) {
    let (id, bot) = prepared(app, json!({"mode": "echo_arena_private", "team_size": 2})).await;
    let mut tokens = Vec::new();
    for i in 0..10 {
        tokens.push(signed_in(app, &format!("racer-{i}"), &[]).await.1);
    }
    let joins = tokens.iter().enumerate().map(|(i, t)| {
        let id = id.clone();
        async move { join(app, t, &id, &format!("OVR-R{i}"), json!({})).await }
    });
    let results = futures::future::join_all(joins).await;
    let joined = results.iter().filter(|r| r["joined"] == true).count();
    assert_eq!(joined, 4, "{results:?}");
    assert!(results
        .iter()
        .filter(|r| r["joined"] == false)
        .all(|r| r["failure"]["code"] == 8));
    let l = label(app, &bot, &id).await;
    assert_eq!(
        (l["size"].clone(), l["player_count"].clone()),
        (json!(4), json!(4))
    );
}

mod background {
    use crate::helpers::TestApp;
    use crate::nakama_helpers::{raw_matches, register_broadcaster, signed_in};
    use backline_domain::accounts::SystemGroup::{GlobalBots, GlobalPrivateDataAccess};
    use backline_store::Backend;
    use serde_json::json;

    /// The server's own timer task removes a silent broadcaster, with no test driving it.
    async fn the_timer_task_removes_silent_broadcasters(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.nakama.broadcaster_timeout_seconds = 1;
            c.nakama.timer_interval_millis = 100;
        })
        .await
        else {
            return;
        };
        let (_, bot) = signed_in(&app, "bot-user-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
        register_broadcaster(&app, &bot, json!({})).await;
        assert_eq!(raw_matches(&app, &bot).await.len(), 1);
        // Silent for longer than the timeout, by the server's clock.
        app.advance(std::time::Duration::from_millis(1100));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !raw_matches(&app, &bot).await.is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the broadcaster was never removed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_the_timer_task_removes_silent_broadcasters() {
        the_timer_task_removes_silent_broadcasters(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_the_timer_task_removes_silent_broadcasters() {
        the_timer_task_removes_silent_broadcasters(Backend::Postgres).await
    }

    /// Two nodes running the timers at the same moment end a match once and give its
    /// broadcaster exactly one new idle match.
    async fn two_nodes_running_timers_at_once_act_once(backend: Backend) {
        let Some(app) = TestApp::spawn(backend).await else {
            return;
        };
        let (_, bot) = signed_in(&app, "bot-user-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
        let mut sids = Vec::new();
        for port in 1..=5 {
            let (sid, idle) = register_broadcaster(&app, &bot, json!({"port": port})).await;
            crate::nakama_helpers::rpc(
                &app,
                "match/prepare",
                &bot,
                json!({"id": idle, "mode": "echo_arena"}),
            )
            .await;
            sids.push(sid);
        }
        // Started (15 min passed) and then empty for 60 s: every match ends once.
        let passes = futures::future::join_all(
            (0..4).map(|_| crate::nakama_helpers::run_timers(&app, 15 * 60 + 61, true)),
        )
        .await;
        let started: u64 = passes.iter().map(|p| p.matches_started).sum();
        assert_eq!(started, 5, "{passes:?}");
        let passes = futures::future::join_all(
            (0..4).map(|_| crate::nakama_helpers::run_timers(&app, 15 * 60 + 200, true)),
        )
        .await;
        let ended: usize = passes.iter().map(|p| p.matches_ended).sum();
        assert_eq!(ended, 5, "{passes:?}");
        let matches = raw_matches(&app, &bot).await;
        assert_eq!(
            matches.len(),
            5,
            "one new idle match per broadcaster: {matches:?}"
        );
        assert!(matches.iter().all(|m| m["lobby_type"] == "unassigned"));
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_two_nodes_running_timers_at_once_act_once() {
        two_nodes_running_timers_at_once_act_once(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_two_nodes_running_timers_at_once_act_once() {
        two_nodes_running_timers_at_once_act_once(Backend::Postgres).await
    }
}
