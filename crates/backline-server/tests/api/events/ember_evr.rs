//! Game-integration and EVR changes on the stream: bans, executions, servers starting and
//! stopping to poll, broadcasters and EVR matches.

use super::open_admin;
use crate::ember_helpers::{form, poll, STEAM_ID};
use crate::helpers::TestApp;
use crate::nakama_helpers::{register_broadcaster, rpc, run_timers, run_timers_in, signed_in};
use backline_domain::accounts::SystemGroup::{GlobalBots, GlobalPrivateDataAccess};
use backline_domain::ember::actions::ActionKind;
use backline_server::core::ember::executions::Target;
use backline_server::core::ember::servers::NewServer;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

backline_store::stories!(crate::helpers::with_configured_app, crate::events::quick_events =>
    ember_changes_appear_on_the_stream,
    operators_bans_and_lifts_appear_on_the_stream,
    evr_changes_appear_on_the_stream,
);

async fn operators_bans_and_lifts_appear_on_the_stream(app: &TestApp) {
    let mut stream = open_admin(app, "?kinds=ban.*").await;
    let r = app
        .admin(
            Method::POST,
            "/bans",
            Some(json!({"source": "steam", "account_id": STEAM_ID, "scope": "global", "reason": "spam"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.body["id"].clone();
    let created = stream.next().await;
    assert_eq!(
        (created.kind(), &created.data["payload"]["id"]),
        ("ban.created", &id)
    );
    assert_eq!(created.data["payload"]["scope"], "global");
    let lift = format!("/bans/{}/lift", id.as_str().unwrap());
    let r = app.admin(Method::POST, &lift, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let lifted = stream.next().await;
    assert_eq!(
        (lifted.kind(), &lifted.data["payload"]["id"]),
        ("ban.lifted", &id)
    );
    // Lifting it again changes nothing and reports nothing.
    let r = app.admin(Method::POST, &lift, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    stream.assert_quiet().await;
}

async fn ember_changes_appear_on_the_stream(app: &TestApp) {
    let mut stream = open_admin(app, "?kinds=ban.*,execution.*,server.*").await;
    let core = app.core().await;
    let issued = core
        .create_server(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            NewServer {
                name: "Fast".into(),
                game: "gmod".into(),
                address: None,
                groups: vec!["main".into()],
                poll_interval_seconds: Some(1),
            },
        )
        .await
        .unwrap();
    let server_id = issued.server.id.to_string();
    let token = issued.token.expose().to_owned();

    poll(app, &token, "").await;
    let started = stream.next().await;
    assert_eq!(started.kind(), "server.polling.started");
    assert_eq!(started.data["payload"]["server_id"], server_id);
    assert_eq!(started.data["payload"]["name"], "Fast");

    // Queued by another process (as the CLI would): it reaches the stream too.
    let queued = core
        .queue_action(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            &Target::Server(server_id.clone()),
            ActionKind::Command,
            "say hello",
            None,
            false,
        )
        .await
        .unwrap();
    let execution = queued[0].id.0;
    let seen = stream.next().await;
    assert_eq!(seen.kind(), "execution.queued");
    assert_eq!(seen.data["payload"]["id"], execution);
    assert_eq!(seen.data["payload"]["server_id"], server_id);
    assert!(
        !seen.data.to_string().contains("say hello"),
        "an action's text is not in the event"
    );
    poll(app, &token, "").await;
    let delivered = stream.next().await;
    assert_eq!(
        (delivered.kind(), delivered.data["payload"]["id"].as_i64()),
        ("execution.delivered", Some(execution))
    );
    let finish = format!("/actions/executions/{execution}/finish");
    let r = form(app, &token, Method::PATCH, &finish, "").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let finished = stream.next().await;
    assert_eq!(
        (finished.kind(), finished.data["payload"]["id"].as_i64()),
        ("execution.finished", Some(execution))
    );
    let again = core
        .queue_action(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            &Target::Server(server_id.clone()),
            ActionKind::Command,
            "say again",
            None,
            false,
        )
        .await
        .unwrap()[0]
        .id
        .0;
    poll(app, &token, "").await;
    let r = form(
        app,
        &token,
        Method::PATCH,
        &format!("/actions/executions/{again}/finish"),
        "error=unknown+command",
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let kinds: Vec<_> = stream
        .take(3)
        .await
        .iter()
        .map(|m| (m.kind().to_owned(), m.data["payload"]["error"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("execution.queued".to_owned(), json!(null)),
            ("execution.delivered".to_owned(), json!(null)),
            ("execution.failed".to_owned(), json!("unknown command")),
        ]
    );

    let bans = format!("/players/steam/{STEAM_ID}/bans");
    let r = form(app, &token, Method::POST, &bans, "reason=cheating").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let created = stream.next().await;
    assert_eq!(created.kind(), "ban.created");
    assert_eq!(created.data["payload"]["account_id"], STEAM_ID);
    let ban_id = created.data["payload"]["id"].clone();
    assert!(ban_id.is_string());
    let r = form(app, &token, Method::DELETE, &bans, "").await;
    assert!(r.status.is_success(), "{r:?}");
    let lifted = stream.next().await;
    assert_eq!(
        (lifted.kind(), &lifted.data["payload"]["id"]),
        ("ban.lifted", &ban_id)
    );

    // Silent for three poll intervals: stopped, reported once.
    let stopped = stream
        .next_within(Duration::from_secs(8))
        .await
        .expect("the server is reported as stopped");
    assert_eq!(
        (
            stopped.kind(),
            stopped.data["payload"]["server_id"].as_str()
        ),
        ("server.polling.stopped", Some(server_id.as_str()))
    );
    stream.assert_quiet().await;
    core.store.close().await;
}

async fn evr_changes_appear_on_the_stream(app: &TestApp) {
    let mut stream = open_admin(app, "?kinds=broadcaster.*,evr.*").await;
    let (_, token) = signed_in(app, "operator-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
    let (sid, idle) = register_broadcaster(app, &token, json!({})).await;
    let up = stream.next().await;
    assert_eq!(
        (up.kind(), up.data["payload"]["sid"].as_str()),
        ("broadcaster.up", Some(sid.as_str()))
    );
    assert_eq!(up.data["payload"]["idle_match_id"], idle);
    let r = rpc(
        app,
        "match/prepare",
        &token,
        json!({"id": idle, "mode": "echo_arena_private"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let prepared = stream.next().await;
    assert_eq!(
        (
            prepared.kind(),
            prepared.data["payload"]["match_id"].as_str()
        ),
        ("evr.match.prepared", Some(idle.as_str()))
    );
    assert_eq!(prepared.data["payload"]["mode"], "echo_arena_private");
    let r = rpc(
        app,
        "match/join",
        &token,
        json!({"match_id": idle, "evr_id": "OVR-ORG-1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let started = stream.next().await;
    assert_eq!(
        (started.kind(), started.data["payload"]["match_id"].as_str()),
        ("evr.match.started", Some(idle.as_str()))
    );
    let r = rpc(app, "broadcaster/unregister", &token, json!({"sid": sid})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let down = stream.next().await;
    assert_eq!(
        (down.kind(), down.data["payload"]["sid"].as_str()),
        ("broadcaster.down", Some(sid.as_str()))
    );
    // The timers start a prepared match nobody joined, then end it when it stays empty.
    let (_, lonely) = register_broadcaster(app, &token, json!({"port": 7002})).await;
    assert_eq!(stream.next().await.kind(), "broadcaster.up");
    let r = rpc(
        app,
        "match/prepare",
        &token,
        json!({"id": lonely, "mode": "echo_arena_private"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(stream.next().await.kind(), "evr.match.prepared");
    run_timers(app, 1000, true).await;
    let started = stream.next().await;
    assert_eq!(
        (started.kind(), &started.data["payload"]),
        (
            "evr.match.started",
            &json!({"match_id": lonely, "reason": "start time reached"})
        )
    );
    run_timers(app, 2000, true).await;
    let ended = stream.next().await;
    assert_eq!(
        (ended.kind(), &ended.data["payload"]),
        (
            "evr.match.ended",
            &json!({"match_id": lonely, "reason": "empty"})
        )
    );
    // A broadcaster gone silent is removed by the timers: down as well.
    let (silent, _) = register_broadcaster(app, &token, json!({"port": 7001})).await;
    assert_eq!(stream.next().await.kind(), "broadcaster.up");
    run_timers_in(app, 3600).await;
    let mut kinds = Vec::new();
    while let Some(m) = stream.next_within(Duration::from_secs(2)).await {
        kinds.push((m.kind().to_owned(), m.data["payload"].clone()));
    }
    assert!(
        kinds.contains(&(
            "broadcaster.down".to_owned(),
            json!({"sid": silent, "reason": "silent"})
        )),
        "{kinds:?}"
    );
}
