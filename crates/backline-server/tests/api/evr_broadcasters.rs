//! Broadcasters: registration, heartbeats, expiry, and allocation of matches on them.

use crate::helpers::TestApp;
use crate::nakama_helpers::{raw_matches, register_broadcaster, rpc, run_timers_in, signed_in};
use backline_domain::accounts::SystemGroup::{GlobalBots, GlobalPrivateDataAccess};
use reqwest::StatusCode;
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    a_registered_broadcaster_gets_an_idle_match_with_its_label,
    heartbeats_keep_a_broadcaster_and_silence_removes_it,
    unregistering_removes_the_idle_match_and_closes_unstarted_ones,
    allocation_picks_an_idle_broadcaster_by_group_region_and_features,
    registration_input_is_checked,
    a_broadcaster_registers_by_get_with_its_numbers_as_text,
    allocation_prefers_hosts_with_fewer_active_matches,
);

async fn a_registered_broadcaster_gets_an_idle_match_with_its_label(app: &TestApp) {
    let (operator, token) = signed_in(app, "operator-1", &[GlobalPrivateDataAccess]).await;
    let (sid, match_id) = register_broadcaster(app, &token, json!({"regions": ["default", "us-central-2"], "features": ["kick", "blue_team"], "group_ids": ["e6a5387f-506e-4f05-99cf-977417a146ae"]})).await;
    assert!(match_id.ends_with(".backline"));
    let raw = rpc(app, "match", &token, json!({"match_ids": [match_id]})).await;
    assert!(
        raw.text.contains("\"version_lock\":14280634968751706381"),
        "u64 emitted exactly: {}",
        raw.text
    );
    assert!(raw.text.contains("\"server_id\":3427753309332680033"));
    let label = &raw.body["matches"][0];
    assert_eq!(label["lobby_type"], "unassigned");
    assert_eq!(label["broadcaster"]["sid"], json!(sid));
    assert_eq!(label["broadcaster"]["oper"], json!(operator));
    assert_eq!(
        label["broadcaster"]["endpoint"],
        "192.168.56.1:174.58.161.237:6792"
    );
    assert_eq!(
        label["broadcaster"]["regions"],
        json!(["default", "us-central-2"])
    );
    assert_eq!(
        label["broadcaster"]["features"],
        json!(["blue_team", "kick"])
    );
    assert_eq!(
        (
            label["open"].clone(),
            label["started"].clone(),
            label["size"].clone()
        ),
        (json!(false), json!(false), json!(0))
    );
    // Without private-data access: sid blanked, no id for an unassigned lobby.
    let (_, plain) = signed_in(app, "plain-user-1", &[]).await;
    let public = &raw_matches(app, &plain).await[0];
    assert_eq!(public["broadcaster"]["sid"], "");
    assert!(public.get("id").is_none());
    // The external address defaults to the caller's.
    let (_, second) =
        register_broadcaster(app, &token, json!({"external_ip": null, "port": 6793})).await;
    let raw = rpc(app, "match", &token, json!({"match_ids": [second]})).await;
    assert_eq!(
        raw.body["matches"][0]["broadcaster"]["endpoint"],
        "192.168.56.1:127.0.0.1:6793"
    );
}

async fn heartbeats_keep_a_broadcaster_and_silence_removes_it(app: &TestApp) {
    let (_, token) = signed_in(app, "operator-1", &[]).await;
    let (sid, _) = register_broadcaster(app, &token, json!({})).await;
    let beat = rpc(app, "broadcaster/heartbeat", &token, json!({"sid": sid})).await;
    assert_eq!(
        (beat.status, beat.body.clone()),
        (StatusCode::OK, json!({}))
    );
    rpc(
        app,
        "broadcaster/heartbeat",
        &token,
        json!({"sid": "unknown"}),
    )
    .await
    .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    let (_, stranger) = signed_in(app, "operator-2", &[]).await;
    rpc(app, "broadcaster/heartbeat", &stranger, json!({"sid": sid}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    assert_eq!(
        run_timers_in(app, 60).await.broadcasters_removed,
        0,
        "60 s of silence is fine"
    );
    assert_eq!(
        run_timers_in(app, 91).await.broadcasters_removed,
        1,
        "91 s is not"
    );
    assert!(
        raw_matches(app, &token).await.is_empty(),
        "its idle match went with it"
    );
    rpc(app, "broadcaster/heartbeat", &token, json!({"sid": sid}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
}

async fn unregistering_removes_the_idle_match_and_closes_unstarted_ones(app: &TestApp) {
    let (_, token) = signed_in(app, "operator-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
    let (sid, idle) = register_broadcaster(app, &token, json!({})).await;
    let prepared = rpc(
        app,
        "match/prepare",
        &token,
        json!({"id": idle, "mode": "echo_arena_private"}),
    )
    .await;
    assert_eq!(prepared.status, StatusCode::OK, "{prepared:?}");
    let (_, other_idle) = register_broadcaster(app, &token, json!({"port": 7000})).await;
    let r = rpc(app, "broadcaster/unregister", &token, json!({"sid": sid})).await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<_> = raw_matches(app, &token)
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        vec![other_idle],
        "the prepared match was closed, the other broadcaster's idle match stays"
    );
    rpc(app, "broadcaster/unregister", &token, json!({"sid": sid}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
}

async fn allocation_picks_an_idle_broadcaster_by_group_region_and_features(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
    let group = "e6a5387f-506e-4f05-99cf-977417a146ae";
    let (_, eu_plain) = register_broadcaster(
        app,
        &bot,
        json!({"regions": ["euw"], "group_ids": [group], "port": 1}),
    )
    .await;
    let (_, us_kick) = register_broadcaster(
        app,
        &bot,
        json!({"regions": ["uscn"], "group_ids": [group], "features": ["kick"], "port": 2}),
    )
    .await;
    let (_, other_group) = register_broadcaster(
        app,
        &bot,
        json!({"regions": ["uscn"], "group_ids": ["other"], "features": ["kick"], "port": 3}),
    )
    .await;
    let bot = &bot;
    let pick = |body: serde_json::Value| async move { rpc(app, "match/allocate", bot, body).await };
    let r =
        pick(json!({"mode": "echo_arena", "group_id": group, "required_features": ["kick"]})).await;
    assert_eq!(
        (r.status, r.body["id"].as_str()),
        (StatusCode::OK, Some(us_kick.as_str())),
        "{r:?}"
    );
    assert_eq!(r.body["label"]["lobby_type"], "public");
    let r = pick(json!({"mode": "echo_arena", "group_id": group, "regions": ["euw"]})).await;
    assert_eq!(r.body["id"].as_str(), Some(eu_plain.as_str()));
    pick(json!({"mode": "echo_arena", "group_id": group}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    let r = pick(json!({"mode": "echo_combat", "regions": ["uscn"]})).await;
    assert_eq!(r.body["id"].as_str(), Some(other_group.as_str()));
    pick(json!({"mode": "capture_the_flag"}))
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    let (_, plain) = signed_in(app, "plain-user-1", &[]).await;
    rpc(app, "match/allocate", &plain, json!({"mode": "echo_arena"}))
        .await
        .assert_nakama_error(StatusCode::FORBIDDEN, 7);
}

async fn registration_input_is_checked(app: &TestApp) {
    let (_, token) = signed_in(app, "operator-1", &[]).await;
    for bad in [
        json!({"server_id": -1, "internal_ip": "10.0.0.1", "port": 1, "version_lock": 1}),
        json!({"server_id": 1, "internal_ip": "not-an-ip", "port": 1, "version_lock": 1}),
        json!({"server_id": 1, "internal_ip": "10.0.0.1", "port": 70000, "version_lock": 1}),
        json!({"server_id": 1, "internal_ip": "10.0.0.1", "port": "70000", "version_lock": 1}),
        json!({"server_id": 1, "internal_ip": "10.0.0.1", "port": "port", "version_lock": 1}),
        json!({"server_id": 1, "internal_ip": "10.0.0.1", "port": 1, "version_lock": 1, "features": ["Bad Feature"]}),
        json!({"internal_ip": "10.0.0.1", "port": 1}),
    ] {
        rpc(app, "broadcaster/register", &token, bad)
            .await
            .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    }
    assert!(raw_matches(app, &token).await.is_empty());
    crate::nakama_helpers::rpc_http_key(
        app,
        "broadcaster/register",
        json!({"server_id": 1, "internal_ip": "10.0.0.1", "port": 1, "version_lock": 1}),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
}

/// A GET's query parameters stand in for the payload, as text: the numbers are read from
/// their decimal text (NAKAMA.md), the port included.
async fn a_broadcaster_registers_by_get_with_its_numbers_as_text(app: &TestApp) {
    let (_, token) = signed_in(app, "operator-1", &[GlobalPrivateDataAccess]).await;
    let auth = format!("Bearer {token}");
    let reply = app
        .send(
            reqwest::Method::GET,
            "/v2/rpc/broadcaster/register?unwrap&server_id=77&internal_ip=10.0.0.7&external_ip=174.58.161.237&port=6801&version_lock=5",
            &[("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let sid = reply.body["sid"].as_str().expect("a sid").to_owned();
    let raw = rpc(app, "match", &token, json!({})).await;
    let label = &raw.body["matches"][0];
    assert_eq!(label["broadcaster"]["sid"], json!(sid));
    assert_eq!(
        label["broadcaster"]["endpoint"],
        "10.0.0.7:174.58.161.237:6801"
    );
}

async fn allocation_prefers_hosts_with_fewer_active_matches(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
    // Host A runs a prepared match and has a second, idle broadcaster; host B is idle.
    let (_, busy) =
        register_broadcaster(app, &bot, json!({"external_ip": "10.0.0.1", "port": 1})).await;
    rpc(
        app,
        "match/prepare",
        &bot,
        json!({"id": busy, "mode": "echo_arena"}),
    )
    .await;
    let (_, idle_on_busy_host) =
        register_broadcaster(app, &bot, json!({"external_ip": "10.0.0.1", "port": 2})).await;
    let (_, idle_on_quiet_host) =
        register_broadcaster(app, &bot, json!({"external_ip": "10.0.0.2", "port": 1})).await;
    let first = rpc(app, "match/allocate", &bot, json!({"mode": "echo_arena"})).await;
    assert_eq!(
        first.body["id"].as_str(),
        Some(idle_on_quiet_host.as_str()),
        "{first:?}"
    );
    // Both hosts now run one match each; the remaining idle broadcaster is picked next.
    let second = rpc(app, "match/allocate", &bot, json!({"mode": "echo_arena"})).await;
    assert_eq!(second.body["id"].as_str(), Some(idle_on_busy_host.as_str()));
    rpc(app, "match/allocate", &bot, json!({"mode": "echo_arena"}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
}
