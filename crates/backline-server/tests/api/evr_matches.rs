//! `match/prepare` and `match`: the label, the rules of preparation, listing and queries.

use crate::helpers::TestApp;
use crate::nakama_helpers::{raw_matches, register_broadcaster, rpc, rpc_http_key, signed_in};
use backline_domain::accounts::SystemGroup::{
    GlobalBots, GlobalOperators, GlobalPrivateDataAccess,
};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    prepare_builds_the_wiki_label_with_exact_symbols,
    prepare_applies_mode_rules_and_defaults,
    prepare_refuses_what_the_rules_forbid,
    listing_filters_by_ids_and_queries_and_hides_private_data,
);

async fn prepare_builds_the_wiki_label_with_exact_symbols(app: &TestApp) {
    let (bot_id, bot) = signed_in(app, "bot-user-1", &[GlobalBots]).await;
    let (sid, idle) = register_broadcaster(app, &bot, json!({"features": ["kick"]})).await;
    let body = json!({
        "id": idle,
        "mode": "echo_arena_private",
        "level": "mpl_arena_a",
        "role_alignments": {"267489979125596170": "blue", "695081603180789771": "orange"},
        "start_time": "2099-06-25T10:10:00Z",
        "required_features": ["kick"],
    });
    let r = rpc(app, "match%2Fprepare", &bot, body).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["id"], json!(idle));
    let label = &r.body["label"];
    let expected = json!({
        "id": idle, "open": true, "lobby_type": "private", "started": false,
        "start_time": "2099-06-25T10:10:00Z", "spawned_by": bot_id,
        "group_id": "00000000-0000-0000-0000-000000000000",
        "mode": "echo_arena_private", "level": "mpl_arena_a",
        "session_settings": {"appid": "1369078409873402", "gametype": 691594351282457603i64,
                             "level": 6300205991959903307i64, "features": ["kick"]},
        "required_features": ["kick"],
        "limit": 12, "size": 0, "player_count": 0, "player_limit": 10, "team_size": 5,
        "team_alignments": {"267489979125596170": 0, "695081603180789771": 1},
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&label[key], value, "{key}");
    }
    assert_eq!(label["broadcaster"]["sid"], json!(sid));
    assert!(r.text.contains("14280634968751706381"));
    // The signal payload is EVR's LobbySessionStart signal with the label inside.
    let signal: Value = serde_json::from_str(r.body["signal_payload"].as_str().unwrap()).unwrap();
    assert_eq!(
        (signal["UserId"].as_str(), signal["Signal"].as_i64()),
        (Some(""), Some(2))
    );
    let data = base64::engine::general_purpose::STANDARD
        .decode(signal["Data"].as_str().unwrap())
        .unwrap();
    let inner: Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(&inner, label);
    // Operators may prepare too.
    let (_, operator) = signed_in(app, "operator-1", &[GlobalOperators]).await;
    let (_, other) = register_broadcaster(app, &operator, json!({"port": 7001})).await;
    assert_eq!(
        rpc(
            app,
            "match/prepare",
            &operator,
            json!({"id": other, "mode": "echo_arena"})
        )
        .await
        .status,
        StatusCode::OK
    );
}

async fn prepare_applies_mode_rules_and_defaults(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots]).await;
    let cases = [
        (
            json!({"mode": "echo_arena"}),
            "public",
            "mpl_arena_a",
            5,
            10,
        ),
        (
            json!({"mode": "social_2.0", "team_size": 3}),
            "public",
            "mpl_lobby_b2",
            3,
            12,
        ),
        (
            json!({"mode": "social_2.0_private"}),
            "private",
            "mpl_lobby_b2",
            5,
            12,
        ),
        (
            json!({"mode": "echo_combat_private", "team_size": 2}),
            "private",
            "",
            2,
            4,
        ),
        (
            json!({"mode": "0xcb60a4de7e1caf73", "team_size": 1}),
            "public",
            "mpl_arena_a",
            1,
            2,
        ),
    ];
    for (i, (extra, lobby_type, level, team_size, player_limit)) in cases.into_iter().enumerate() {
        let (_, idle) = register_broadcaster(app, &bot, json!({"port": 7000 + i})).await;
        let mut body = extra.clone();
        body["id"] = json!(idle);
        let r = rpc(app, "match/prepare", &bot, body).await;
        assert_eq!(r.status, StatusCode::OK, "{extra}: {r:?}");
        let label = &r.body["label"];
        assert_eq!(label["lobby_type"], lobby_type, "{extra}");
        if level.is_empty() {
            let combat = ["combustion", "dyson", "fission", "gauss"];
            assert!(
                combat.contains(&label["level"].as_str().unwrap()),
                "{label}"
            );
        } else {
            assert_eq!(label["level"], level, "{extra}");
        }
        assert_eq!(
            (label["team_size"].as_i64(), label["player_limit"].as_i64()),
            (Some(team_size), Some(player_limit)),
            "{extra}"
        );
        // A start time in the past (or none) means now.
        let start =
            backline_domain::Timestamp::parse_rfc3339(label["start_time"].as_str().unwrap())
                .unwrap();
        assert!((backline_domain::Timestamp::now().millis() - start.millis()).abs() < 10_000);
    }
}

async fn prepare_refuses_what_the_rules_forbid(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots]).await;
    let (_, plain) = signed_in(app, "plain-1", &[]).await;
    let (_, idle) = register_broadcaster(app, &bot, json!({"features": ["kick"]})).await;
    let prepare =
        |token: String, body: Value| async move { rpc(app, "match/prepare", &token, body).await };
    prepare(plain.clone(), json!({"id": idle, "mode": "echo_arena"}))
        .await
        .assert_nakama_error(StatusCode::FORBIDDEN, 7);
    rpc_http_key(
        app,
        "match/prepare",
        json!({"id": idle, "mode": "echo_arena"}),
    )
    .await
    .assert_nakama_error(StatusCode::FORBIDDEN, 7);
    let r = prepare(bot.clone(), json!({"id": idle, "mode": "capture_the_flag"})).await;
    r.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert_eq!(r.body["message"], "invalid mode");
    let r = prepare(
        bot.clone(),
        json!({"id": idle, "mode": "echo_arena", "required_features": ["voice"]}),
    )
    .await;
    assert_eq!(r.body["message"], "feature not supported: voice");
    prepare(
        bot.clone(),
        json!({"id": idle, "mode": "echo_arena", "level": "dyson"}),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    let r = prepare(
        bot.clone(),
        json!({"id": idle, "mode": "echo_arena", "role_alignments": {"1": "purple"}}),
    )
    .await;
    r.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert!(
        r.body["message"].as_str().unwrap().contains("unknown team"),
        "{r:?}"
    );
    prepare(
        bot.clone(),
        json!({"id": "no-such-match.backline", "mode": "echo_arena"}),
    )
    .await
    .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    prepare(bot.clone(), json!({"mode": "echo_arena"}))
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    // Nothing above changed the match; now prepare it, and a second time is refused.
    assert_eq!(
        raw_matches(app, &bot).await[0]["broadcaster"]["sid"],
        "",
        "plain view for a bot without private access"
    );
    assert_eq!(
        prepare(bot.clone(), json!({"id": idle, "mode": "echo_arena"}))
            .await
            .status,
        StatusCode::OK
    );
    let again = prepare(bot.clone(), json!({"id": idle, "mode": "echo_arena"})).await;
    again.assert_nakama_error(StatusCode::BAD_REQUEST, 9);
    assert_eq!(again.body["message"], "session already prepared");
}

async fn listing_filters_by_ids_and_queries_and_hides_private_data(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
    let (_, arena) = register_broadcaster(app, &bot, json!({"regions": ["uscn"], "port": 1})).await;
    let (_, private) =
        register_broadcaster(app, &bot, json!({"regions": ["euw"], "port": 2})).await;
    let (_, idle) = register_broadcaster(app, &bot, json!({"regions": ["uscn"], "port": 3})).await;
    rpc(
        app,
        "match/prepare",
        &bot,
        json!({"id": arena, "mode": "echo_arena"}),
    )
    .await;
    rpc(
        app,
        "match/prepare",
        &bot,
        json!({"id": private, "mode": "echo_arena_private"}),
    )
    .await;
    let ids = |r: &crate::helpers::Reply| -> Vec<String> {
        r.body["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap_or("<hidden>").to_owned())
            .collect()
    };
    let all = rpc(app, "match", &bot, json!({})).await;
    assert_eq!(ids(&all).len(), 3);
    let some = rpc(
        app,
        "match",
        &bot,
        json!({"match_ids": [private, "unknown.backline"]}),
    )
    .await;
    assert_eq!(ids(&some), vec![private.clone()]);
    let q = rpc(
        app,
        "match",
        &bot,
        json!({"query": "+label.mode:echo_arena -label.lobby_type:private"}),
    )
    .await;
    assert_eq!(ids(&q), vec![arena.clone()]);
    let should = rpc(
        app,
        "match",
        &bot,
        json!({"query": "label.broadcaster.regions:euw"}),
    )
    .await;
    assert_eq!(
        ids(&should)[0],
        private,
        "matches of the wanted region come first"
    );
    let unassigned = rpc(
        app,
        "match",
        &bot,
        json!({"query": "+label.lobby_type:unassigned"}),
    )
    .await;
    assert_eq!(ids(&unassigned), vec![idle.clone()]);
    rpc(app, "match", &bot, json!({"query": "mode:echo_arena"}))
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    // The public view: http key and users without private data access.
    let public = rpc_http_key(app, "match", json!({"query": "+label.lobby_type:private"})).await;
    let m = &public.body["matches"][0];
    for hidden in ["id", "spawned_by", "team_alignments", "players"] {
        assert!(m.get(hidden).is_none(), "{hidden} shown: {m}");
    }
    assert_eq!(m["broadcaster"]["sid"], "");
    assert_eq!(m["mode"], "echo_arena_private");
    let public_arena = rpc_http_key(app, "match", json!({"match_ids": [arena]})).await;
    assert_eq!(
        public_arena.body["matches"][0]["id"],
        json!(arena),
        "public lobbies keep their id"
    );
    let empty_body = app
        .send(
            reqwest::Method::POST,
            &format!("/v2/rpc/match?unwrap&http_key={}", crate::helpers::HTTP_KEY),
            &[],
            None,
        )
        .await;
    assert_eq!(
        empty_body.body["matches"].as_array().unwrap().len(),
        3,
        "{empty_body:?}"
    );
}
