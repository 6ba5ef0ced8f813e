//! Retries through the fault-injecting proxy ([`crate::proxy`]) in front of a real server:
//! calls that are safe to repeat succeed after 503s, reset connections and stalls, with every
//! attempt counted at the proxy; creates that carry no idempotency key are sent exactly once;
//! admin creates, which carry one, are retried and make one entity; `Retry-After` is waited
//! for.

use crate::game::game_server;
use crate::harness::{quick_config, App};
use crate::proxy::{Fault, Proxy};
use backline_client::admin::{AdminClient, PageRequest};
use backline_client::game::{GameClient, NewBan, Player, Presence};
use backline_client::{Config, Error, RetryPolicy, Transport};
use std::time::{Duration, Instant};

backline_store::stories!(crate::harness::with_app =>
    reads_succeed_after_a_503_a_reset_and_a_stall_with_each_attempt_counted,
    poll_and_finish_are_repeated_until_they_get_through,
    a_create_without_an_idempotency_key_is_sent_exactly_once,
    a_create_whose_answer_is_lost_is_not_sent_again,
    retry_after_is_waited_for_before_the_next_attempt,
    a_call_that_never_gets_through_ends_with_the_last_failure,
    admin_creates_carry_one_idempotency_key_across_their_retries,
    an_admin_create_whose_answer_is_lost_is_retried_with_its_key_and_makes_one_entity,
    a_refused_request_is_not_repeated,
    a_throttled_create_is_sent_again_after_the_wait,
);

/// A transport through `proxy` whose attempts end after `timeout`.
fn through(proxy: &Proxy, timeout: Duration, retries: usize) -> Transport {
    let mut config: Config = quick_config();
    config.timeout = timeout;
    config.retry = RetryPolicy {
        max_retries: retries,
        ..config.retry
    };
    Transport::with_config(&proxy.base, config).expect("a transport")
}

async fn reads_succeed_after_a_503_a_reset_and_a_stall_with_each_attempt_counted(app: &App) {
    let org = app.admin().create_org("Proxied", None).await.expect("org");
    let proxy = Proxy::start(
        &app.base,
        vec![
            Fault::Unavailable { retry_after: None },
            Fault::Reset,
            Fault::Stall,
        ],
    )
    .await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_millis(300), 3),
        app.admin_token.as_str(),
    );
    let read = admin.get_org(&org.id).await.expect("the fourth attempt");
    assert_eq!(read, org);
    assert_eq!(proxy.count(), 4, "{:?}", proxy.requests());
    assert!(proxy
        .requests()
        .iter()
        .all(|r| r.starts_with(&format!("GET /admin/v1/orgs/{} ", org.id))));
}

async fn poll_and_finish_are_repeated_until_they_get_through(app: &App) {
    let (server_id, _, direct) = game_server(app, "Proxied").await;
    let admin = app.admin();
    let queued = admin
        .queue_action(&backline_client::admin::NewAction::command(
            &server_id,
            "say retried",
        ))
        .await
        .expect("queued");
    let token = admin
        .rotate_server_token(&server_id)
        .await
        .expect("a new token");
    // The old token stopped working at once.
    assert_eq!(direct.meta().await.unwrap_err().status(), Some(401));

    let proxy = Proxy::start(
        &app.base,
        vec![
            Fault::Reset,
            Fault::Unavailable { retry_after: None },
            Fault::Pass,
            // Then finish meets a stall and a reset.
            Fault::Stall,
            Fault::Reset,
        ],
    )
    .await;
    let game = GameClient::new(through(&proxy, Duration::from_millis(300), 3), token);
    let mut players = Presence::new();
    players.connected("steam", "76561198131926932");
    let poll = game.poll(&players).await.expect("the third attempt");
    assert_eq!(proxy.count(), 3);
    let id = poll
        .actions
        .iter()
        .find_map(|a| a.execution_id())
        .expect("an execution");
    assert_eq!(id.0, queued.executions[0].id);

    game.finish(id, None).await.expect("the third attempt");
    assert_eq!(proxy.count(), 6, "{:?}", proxy.requests());
    let stored = admin.get_execution(id.0).await.expect("stored");
    assert_eq!(stored.status, "finished");
}

async fn a_create_without_an_idempotency_key_is_sent_exactly_once(app: &App) {
    let (_, token, _) = game_server(app, "Proxied").await;
    let proxy = Proxy::start(
        &app.base,
        vec![Fault::Unavailable { retry_after: None }, Fault::Reset],
    )
    .await;
    let admin = app.admin();
    let game = GameClient::new(through(&proxy, Duration::from_secs(2), 3), token);
    let player = Player::new("steam", "76561198131926932");
    let ban = NewBan {
        reason: "once".into(),
        ..NewBan::default()
    };

    let unavailable = game.ban(&player, &ban).await.unwrap_err();
    assert!(
        matches!(
            unavailable,
            Error::Api {
                status: 503,
                attempts: 1,
                ..
            }
        ),
        "{unavailable:?}"
    );
    assert_eq!(proxy.count(), 1);
    let reset = game.ban(&player, &ban).await.unwrap_err();
    assert!(
        matches!(reset, Error::Transport { attempts: 1, .. }),
        "{reset:?}"
    );
    assert_eq!(proxy.count(), 2);
    // Neither reached the server.
    let bans = admin
        .list_bans(&PageRequest::default(), &Default::default())
        .await
        .expect("bans");
    assert!(bans.items.is_empty(), "{bans:?}");
    // A link token is a create too.
    let _ = game.link_token(&player).await.expect("passes");
    assert_eq!(proxy.count(), 3);
}

async fn a_create_whose_answer_is_lost_is_not_sent_again(app: &App) {
    let (_, token, _) = game_server(app, "Proxied").await;
    let admin = app.admin();
    let proxy = Proxy::start(&app.base, vec![Fault::ForwardThenReset]).await;
    let game = GameClient::new(through(&proxy, Duration::from_secs(2), 3), token);
    let player = Player::new("steam", "76561198131926932");
    let lost = game
        .ban(
            &player,
            &NewBan {
                reason: "lost answer".into(),
                ..NewBan::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(lost, Error::Transport { attempts: 1, .. }),
        "{lost:?}"
    );
    assert_eq!(proxy.count(), 1);
    // The server acted once; the SDK did not make a second ban.
    let bans = admin
        .list_bans(&PageRequest::default(), &Default::default())
        .await
        .expect("bans");
    assert_eq!(bans.items.len(), 1, "{bans:?}");
    assert_eq!(bans.items[0].ban.reason, "lost answer");
}

async fn retry_after_is_waited_for_before_the_next_attempt(app: &App) {
    let proxy = Proxy::start(
        &app.base,
        vec![
            Fault::Unavailable {
                retry_after: Some(1),
            },
            Fault::TooMany { retry_after: 1 },
        ],
    )
    .await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_secs(2), 3),
        app.admin_token.as_str(),
    );
    let started = Instant::now();
    let orgs = admin
        .list_orgs(&PageRequest::default())
        .await
        .expect("the third attempt");
    let waited = started.elapsed();
    assert!(orgs.items.is_empty());
    assert_eq!(proxy.count(), 3);
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

async fn a_call_that_never_gets_through_ends_with_the_last_failure(app: &App) {
    let proxy = Proxy::start(&app.base, vec![Fault::Stall, Fault::Stall]).await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_millis(200), 1),
        app.admin_token.as_str(),
    );
    let error = admin.list_orgs(&PageRequest::default()).await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { attempts: 2, .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert_eq!(proxy.count(), 2);

    let proxy = Proxy::start(&app.base, vec![Fault::Unavailable { retry_after: None }; 3]).await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_secs(2), 2),
        app.admin_token.as_str(),
    );
    let error = admin.list_orgs(&PageRequest::default()).await.unwrap_err();
    match &error {
        Error::Api {
            status: 503,
            attempts: 3,
            body: backline_client::ErrorBody::Backline(body),
            ..
        } => assert_eq!(body.error, "unavailable"),
        other => panic!("expected the third 503: {other:?}"),
    }
    assert_eq!(proxy.count(), 3);
}

async fn admin_creates_carry_one_idempotency_key_across_their_retries(app: &App) {
    let proxy = Proxy::start(
        &app.base,
        vec![Fault::Unavailable { retry_after: None }, Fault::Reset],
    )
    .await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_secs(2), 3),
        app.admin_token.as_str(),
    );
    let org = admin.create_org("Keyed", None).await.expect("created");
    let requests = proxy.heads();
    assert_eq!(requests.len(), 3);
    let keys: Vec<_> = requests
        .iter()
        .map(|head| header(head, "idempotency-key").expect("a key on every attempt"))
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_eq!(keys[0].len(), 36, "a UUID");
    // Only the third attempt reached the server (the first two were the proxy's).
    let orgs = app
        .admin()
        .list_orgs(&PageRequest::default())
        .await
        .expect("orgs");
    assert_eq!(orgs.items, vec![org]);
    // The next create has a key of its own.
    admin.create_org("Second", None).await.expect("created");
    let next = proxy.heads();
    assert_ne!(header(&next[3], "idempotency-key"), Some(keys[0].clone()));
}

async fn an_admin_create_whose_answer_is_lost_is_retried_with_its_key_and_makes_one_entity(
    app: &App,
) {
    // The server creates the organisation, and its answer never reaches the client; the
    // retry carries the same key and gets the first answer back.
    let proxy = Proxy::start(&app.base, vec![Fault::ForwardThenReset]).await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_secs(2), 3),
        app.admin_token.as_str(),
    );
    let org = admin.create_org("Once", None).await.expect("created");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2, "the lost attempt and its retry");
    assert_eq!(
        header(&heads[0], "idempotency-key"),
        header(&heads[1], "idempotency-key")
    );
    let orgs = app
        .admin()
        .list_orgs(&PageRequest::default())
        .await
        .expect("orgs");
    assert_eq!(orgs.items, vec![org], "one organisation, the one answered");
    // The same for an action: the game server gets one execution, not two.
    let server = app
        .admin()
        .create_server(&backline_client::admin::NewServer {
            name: "Keyed".into(),
            game: "gmod".into(),
            ..Default::default()
        })
        .await
        .expect("server");
    let proxy = Proxy::start(&app.base, vec![Fault::ForwardThenReset]).await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_secs(2), 3),
        app.admin_token.as_str(),
    );
    let queued = admin
        .queue_action(&backline_client::admin::NewAction::command(
            &server.server.id,
            "say once",
        ))
        .await
        .expect("queued");
    let executions = app
        .admin()
        .list_executions(&PageRequest::default(), None, None, None)
        .await
        .expect("executions");
    assert_eq!(executions.items.len(), 1, "{executions:?}");
    assert_eq!(executions.items[0].id, queued.executions[0].id);
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

async fn a_refused_request_is_not_repeated(app: &App) {
    let proxy = Proxy::start(&app.base, vec![]).await;
    let admin = AdminClient::new(
        through(&proxy, Duration::from_secs(2), 3),
        app.admin_token.as_str(),
    );
    // A 422 of a create and a 404 of a read: Backline decided; asking again changes nothing.
    let invalid = admin.create_org("   ", None).await.unwrap_err();
    assert!(
        matches!(
            invalid,
            Error::Api {
                status: 422,
                attempts: 1,
                ..
            }
        ),
        "{invalid:?}"
    );
    let missing = admin.get_org("no-such-org").await.unwrap_err();
    assert!(!missing.is_transient());
    assert_eq!(proxy.count(), 2);
    let stranger = AdminClient::new(through(&proxy, Duration::from_secs(2), 3), "wrong");
    let refused = stranger
        .list_orgs(&PageRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(401));
    assert_eq!(proxy.count(), 3);
}

async fn a_throttled_create_is_sent_again_after_the_wait(app: &App) {
    let (_, token, _) = game_server(app, "Throttled").await;
    let proxy = Proxy::start(&app.base, vec![Fault::TooMany { retry_after: 0 }]).await;
    let game = GameClient::new(through(&proxy, Duration::from_secs(2), 3), token);
    let ban = game
        .ban(
            &Player::new("steam", "76561198131926932"),
            &NewBan {
                reason: "throttled once".into(),
                ..NewBan::default()
            },
        )
        .await
        .expect("the second attempt");
    assert_eq!(proxy.count(), 2);
    let bans = app
        .admin()
        .list_bans(&PageRequest::default(), &Default::default())
        .await
        .expect("bans");
    assert_eq!(bans.items.len(), 1);
    assert_eq!(bans.items[0].ban.id, ban.id);
}
