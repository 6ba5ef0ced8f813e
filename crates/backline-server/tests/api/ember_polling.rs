//! Polls, executions and their leases, `meta`, and the tolerant decoding of requests.

use crate::ember_helpers::{
    change_server, form, json_request, poll, server, without_settings, STEAM_ID,
};
use crate::helpers::TestApp;
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_server::core::ember::executions::Target;
use backline_server::core::ember::servers::ServerChange;
use backline_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    meta_delivers_settings_and_polls_send_them_again_only_when_changed,
    queued_executions_are_delivered_once_and_finished_idempotently,
    concurrent_polls_with_one_token_never_share_an_execution,
    an_online_only_action_waits_for_its_player,
    every_encoding_of_a_poll_means_the_same,
    wrong_tokens_and_bad_parameters_are_answered_and_change_nothing,
);

async fn queue(
    app: &TestApp,
    server_id: &str,
    text: &str,
    player: Option<&str>,
    online: bool,
) -> Vec<i64> {
    let core = app.core().await;
    let player = player.map(|p| PlayerRef::parse(p).unwrap());
    let queued = core
        .queue_action(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            &Target::Server(server_id.into()),
            ActionKind::Command,
            text,
            player,
            online,
        )
        .await
        .unwrap();
    core.store.close().await;
    queued.iter().map(|e| e.id.0).collect()
}

async fn meta_delivers_settings_and_polls_send_them_again_only_when_changed(app: &TestApp) {
    let (server_id, token) = server(app, "S1", &["eu"]).await;
    let meta = |names: &'static str| {
        let auth = format!("Bearer: {token}");
        async move {
            app.get(
                &format!("/api/game/meta?{names}"),
                &[("authorization", &auth)],
            )
            .await
        }
    };
    // Asking for nothing known delivers nothing, and the first poll still sends them.
    let nothing = meta("actions[]=unknown").await;
    assert_eq!(
        (nothing.status.as_u16(), nothing.body.clone()),
        (200, json!({"actions": []}))
    );
    let settings = json!({"type": "settings", "payload": {"role_sync": {"send": true, "receive": true}, "ban_log": true, "poll_interval": 5}});
    let r = meta("actions[]=settings&actions[]=unknown").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"actions": [settings]}));
    assert!(
        poll(app, &token, "").await.is_empty(),
        "meta delivered the settings: the first poll does not send them again"
    );
    // A change is sent by the next poll, once.
    change_server(
        app,
        &server_id,
        ServerChange {
            poll_interval_seconds: Some(7),
            ..Default::default()
        },
    )
    .await;
    let changed = poll(app, &token, "").await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(
        (
            changed[0]["type"].clone(),
            changed[0]["payload"]["poll_interval"].clone()
        ),
        (json!("settings"), json!(7))
    );
    assert!(
        poll(app, &token, "").await.is_empty(),
        "settings only when changed"
    );
    // A server that never asked `meta` gets them with its first poll.
    let (_, fresh) = server(app, "S2", &["eu"]).await;
    let first = poll(app, &fresh, "").await;
    assert_eq!(first, vec![settings], "{first:?}");
    let r = form(app, &token, Method::POST, "/poll", "").await;
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(
        app.send(
            Method::POST,
            "/api/game/poll",
            &[("authorization", &format!("Bearer {token}"))],
            None
        )
        .await
        .body,
        json!({"actions": []})
    );
}

async fn queued_executions_are_delivered_once_and_finished_idempotently(app: &TestApp) {
    let (server_id, token) = server(app, "S1", &[]).await;
    let (_, other_token) = server(app, "S2", &[]).await;
    let ids = queue(app, &server_id, "say one", None, false).await;
    let ids2 = queue(app, &server_id, "say two", None, false).await;
    let delivered = without_settings(poll(app, &token, "").await);
    assert_eq!(
        delivered,
        vec![
            json!({"type": "command", "payload": {"command": "say one", "execution_id": ids[0]}}),
            json!({"type": "command", "payload": {"command": "say two", "execution_id": ids2[0]}}),
        ]
    );
    assert!(
        poll(app, &token, "").await.is_empty(),
        "leased executions are not delivered again"
    );
    assert!(
        without_settings(poll(app, &other_token, "").await).is_empty(),
        "another server sees none of them"
    );
    let path = format!("/actions/executions/{}/finish", ids[0]);
    assert_eq!(
        form(app, &token, Method::PATCH, &path, "").await.status,
        204
    );
    assert_eq!(
        form(app, &token, Method::PATCH, &path, "error=ignored")
            .await
            .status,
        204,
        "finish twice is harmless"
    );
    form(app, &other_token, Method::PATCH, &path, "")
        .await
        .assert_laravel_error(404, None);
    form(
        app,
        &token,
        Method::PATCH,
        "/actions/executions/999999/finish",
        "",
    )
    .await
    .assert_laravel_error(404, None);
    form(
        app,
        &token,
        Method::PATCH,
        "/actions/executions/abc/finish",
        "",
    )
    .await
    .assert_laravel_error(404, None);
    let failed = format!("/actions/executions/{}/finish", ids2[0]);
    assert_eq!(
        form(
            app,
            &token,
            Method::POST,
            &failed,
            "_method=PATCH&error=Unknown+command"
        )
        .await
        .status,
        204
    );
    let core = app.core().await;
    let list = core
        .list_executions(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            Some(&server_id),
            None,
            10,
        )
        .await
        .unwrap();
    let first = list.iter().find(|e| e.id.0 == ids[0]).unwrap();
    let second = list.iter().find(|e| e.id.0 == ids2[0]).unwrap();
    assert_eq!(
        (first.status.as_str(), first.error.as_deref()),
        ("finished", None)
    );
    assert_eq!(
        (second.status.as_str(), second.error.as_deref()),
        ("failed", Some("Unknown command"))
    );
    // Operators re-run a failed execution as a new one; the old one stays as it was.
    let rerun = core
        .rerun_execution(
            &crate::helpers::grant::<backline_server::core::access::Moderate>(),
            ids2[0],
        )
        .await
        .unwrap();
    assert_ne!(rerun.id.0, ids2[0]);
    assert_eq!(rerun.rerun_of.map(|i| i.0), Some(ids2[0]));
    assert!(
        core.rerun_execution(
            &crate::helpers::grant::<backline_server::core::access::Moderate>(),
            rerun.id.0
        )
        .await
        .is_err(),
        "a queued execution cannot be re-run"
    );
    core.store.close().await;
    let again = without_settings(poll(app, &token, "").await);
    assert_eq!(
        again,
        vec![
            json!({"type": "command", "payload": {"command": "say two", "execution_id": rerun.id.0}})
        ]
    );
}

async fn concurrent_polls_with_one_token_never_share_an_execution(app: &TestApp) {
    let (server_id, token) = server(app, "Shared", &[]).await;
    for round in 0..5 {
        let mut queued = Vec::new();
        for i in 0..30 {
            queued.extend(queue(app, &server_id, &format!("say {round}-{i}"), None, false).await);
        }
        let polls = (0..20).map(|_| poll(app, &token, ""));
        let results = futures::future::join_all(polls).await;
        let mut seen: Vec<i64> = results
            .iter()
            .flat_map(|actions| {
                actions
                    .iter()
                    .filter_map(|a| a["payload"]["execution_id"].as_i64())
            })
            .collect();
        let total = seen.len();
        seen.sort();
        seen.dedup();
        assert_eq!(
            total,
            seen.len(),
            "round {round}: an execution went to two polls"
        );
        assert_eq!(
            seen, queued,
            "round {round}: every execution was delivered once"
        );
    }
}

async fn an_online_only_action_waits_for_its_player(app: &TestApp) {
    let (server_id, token) = server(app, "S1", &[]).await;
    let ids = queue(
        app,
        &server_id,
        "ulx adduser {p} vip",
        Some(&format!("steam:{STEAM_ID}")),
        true,
    )
    .await;
    let anyone = queue(
        app,
        &server_id,
        "say hello",
        Some(&format!("steam:{STEAM_ID}")),
        false,
    )
    .await;
    let first = without_settings(
        poll(
            app,
            &token,
            "players[steam][connected][ids]=76561190000000000",
        )
        .await,
    );
    assert_eq!(
        first.len(),
        1,
        "only the action without presence requirement: {first:?}"
    );
    assert_eq!(first[0]["payload"]["execution_id"], anyone[0]);
    let later = without_settings(
        poll(
            app,
            &token,
            &format!("players[steam][connecting][ids]={STEAM_ID}"),
        )
        .await,
    );
    let delivered: Vec<_> = later.iter().filter(|a| a["type"] == "command").collect();
    assert_eq!(delivered.len(), 1, "{later:?}");
    assert_eq!(delivered[0]["payload"]["execution_id"], ids[0]);
}

async fn every_encoding_of_a_poll_means_the_same(app: &TestApp) {
    let forms = [
        ("application/x-www-form-urlencoded", format!("players[steam][connecting][ids][]={STEAM_ID}&players[steam][connecting][ids][]=76561198000000001")),
        ("application/x-www-form-urlencoded", format!("players[steam][connecting][ids][0]={STEAM_ID}&players[steam][connecting][ids][1]=76561198000000001")),
        ("application/x-www-form-urlencoded", format!("players[steam][connecting][ids]={STEAM_ID},+76561198000000001,")),
        ("application/json", json!({"players": {"steam": {"connecting": {"ids": [STEAM_ID, "76561198000000001"]}}}}).to_string()),
        ("text/plain", format!("players[steam][connecting][ids]={STEAM_ID},76561198000000001")),
        ("", format!("players[steam][connecting][ids][]={STEAM_ID}&players[steam][connecting][ids][]=76561198000000001")),
    ];
    let core = app.core().await;
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "VIP",
        "vip",
        10,
        vec![],
    )
    .await
    .unwrap();
    core.operator_set_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        &PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap(),
        "VIP",
        true,
    )
    .await
    .unwrap();
    core.store.close().await;
    let mut answers: Vec<Value> = Vec::new();
    for (content_type, body) in forms {
        let (_, token) = server(app, &format!("S-{content_type}-{}", answers.len()), &[]).await;
        let auth = format!("Bearer {token}");
        let mut headers = vec![("authorization", auth.as_str())];
        if !content_type.is_empty() {
            headers.push(("content-type", content_type));
        }
        let r = app
            .send(
                Method::POST,
                "/api/game/poll",
                &headers,
                Some(body.into_bytes()),
            )
            .await;
        assert_eq!(r.status, 200, "{content_type}: {r:?}");
        let roles: Vec<Value> = r.body["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] == "roles" && a["payload"]["exhaustive"] == true)
            .cloned()
            .collect();
        answers.push(json!(roles));
    }
    let expected = json!([
        {"type": "roles", "payload": {"player_steam_account_id": STEAM_ID, "exhaustive": true, "grant": ["vip"], "revoke": []}},
        {"type": "roles", "payload": {"player_steam_account_id": "76561198000000001", "exhaustive": true, "grant": [], "revoke": []}},
    ]);
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &expected, "encoding {i}");
    }
    // The query string counts too (GET-style plugins).
    let (_, token) = server(app, "Query", &[]).await;
    let r = app
        .send(
            Method::POST,
            &format!("/api/game/poll?players[steam][connecting][ids]={STEAM_ID}"),
            &[("authorization", &format!("Bearer {token}"))],
            None,
        )
        .await;
    assert!(
        r.body["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["payload"]["grant"] == json!(["vip"])),
        "{r:?}"
    );
}

async fn wrong_tokens_and_bad_parameters_are_answered_and_change_nothing(app: &TestApp) {
    let (server_id, token) = server(app, "S1", &[]).await;
    for auth in ["", "Bearer nope", "Bearer: nope", "Basic abc"] {
        let r = app
            .send(
                Method::POST,
                "/api/game/poll",
                &[("authorization", auth)],
                None,
            )
            .await;
        r.assert_laravel_error(401, None);
        assert_eq!(r.body, json!({"message": "Unauthenticated."}));
    }
    form(
        app,
        &token,
        Method::POST,
        "/poll",
        "players[steam[connecting]=1",
    )
    .await
    // PHP reads the unclosed group as part of the key: `players["steam[connecting"] = "1"`,
    // a source whose states are not an array.
    .assert_laravel_error(422, Some("players.steam[connecting"));
    form(
        app,
        &token,
        Method::POST,
        "/poll",
        "players[steam][sleeping][ids]=1",
    )
    .await
    .assert_laravel_error(422, Some("players.steam.sleeping"));
    form(
        app,
        &token,
        Method::POST,
        "/poll",
        "players[Bad Source][connecting][ids]=1",
    )
    .await
    .assert_laravel_error(422, Some("players.Bad Source"));
    // A source is checked also when it lists no one.
    for players in [json!({"": ""}), json!({"Bad Source": {}})] {
        let key = players.as_object().unwrap().keys().next().unwrap().clone();
        json_request(
            app,
            &token,
            Method::POST,
            "/poll",
            &json!({ "players": players }),
        )
        .await
        .assert_laravel_error(422, Some(&format!("players.{key}")));
    }
    json_request(
        app,
        &token,
        Method::POST,
        "/poll",
        &json!({"players": {"steam": {"connecting": {"ids": {"a": {"b": 1}}}}}}),
    )
    .await
    .assert_laravel_error(422, Some("players.steam.connecting.ids"));
    let broken = app
        .send(
            Method::POST,
            "/api/game/poll",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            Some(b"{nope".to_vec()),
        )
        .await;
    broken.assert_laravel_error(400, None);
    form(app, &token, Method::GET, "/nothing", "")
        .await
        .assert_laravel_error(404, None);
    form(app, &token, Method::PUT, "/poll", "")
        .await
        .assert_laravel_error(405, None);
    let core = app.core().await;
    let server = core.get_server(&server_id).await.unwrap();
    assert!(
        server.last_poll_at.is_none(),
        "no refused request counted as a poll"
    );
    core.store.close().await;
}

mod leases {
    use super::*;

    async fn an_unfinished_execution_is_redelivered_with_a_higher_attempt(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| c.ember.lease_seconds = 1).await else {
            return;
        };
        let (server_id, token) = server(&app, "S1", &[]).await;
        let ids = queue(&app, &server_id, "say once", None, false).await;
        assert_eq!(without_settings(poll(&app, &token, "").await).len(), 1);
        assert!(poll(&app, &token, "").await.is_empty());
        app.advance(std::time::Duration::from_millis(1200));
        let again = poll(&app, &token, "").await;
        assert_eq!(again.len(), 1);
        assert_eq!(again[0]["payload"]["execution_id"], ids[0]);
        let core = app.core().await;
        let execution = core
            .list_executions(
                &crate::helpers::grant::<backline_server::core::access::View>(),
                Some(&server_id),
                None,
                1,
            )
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            (execution.attempts, execution.status.as_str()),
            (2, "leased")
        );
        core.store.close().await;
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_an_unfinished_execution_is_redelivered_with_a_higher_attempt() {
        an_unfinished_execution_is_redelivered_with_a_higher_attempt(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_an_unfinished_execution_is_redelivered_with_a_higher_attempt() {
        an_unfinished_execution_is_redelivered_with_a_higher_attempt(Backend::Postgres).await
    }

    async fn too_many_requests_get_429_with_retry_after(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| c.ember.rate_limit_per_minute = 3).await
        else {
            return;
        };
        let (_, token) = server(&app, "S1", &[]).await;
        for _ in 0..3 {
            assert_eq!(
                form(&app, &token, Method::POST, "/poll", "").await.status,
                200
            );
        }
        let auth = format!("Bearer {token}");
        let r = app
            .client
            .post(app.url("/api/game/poll"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({"message": "Too Many Attempts."}));
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_too_many_requests_get_429_with_retry_after() {
        too_many_requests_get_429_with_retry_after(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_too_many_requests_get_429_with_retry_after() {
        too_many_requests_get_429_with_retry_after(Backend::Postgres).await
    }
}
