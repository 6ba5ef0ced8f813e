//! Polls of the game integration as the store answers them: racing polls of one server share
//! out its executions with none delivered twice, presence is kept as reported, the last poll
//! time is recorded to within half an interval, settings are due to one poll.

use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::{ActionKind, ExecutionStatus, PlayerRef};
use backline_domain::ember::bans::{Ban, BanIssuer, BanScope};
use backline_domain::ember::servers::{GameServer, RoleSync};
use backline_domain::ids::{BanId, ServerId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;
use serde_json::json;

backline_store::stories!(crate::with_store =>
    racing_polls_of_one_server_lease_every_deliverable_execution_exactly_once,
    presence_is_stored_as_reported_and_the_last_poll_to_within_half_an_interval,
    settings_are_due_to_one_poll_of_those_racing,
    an_operators_queued_executions_are_audited_in_their_transaction_naming_the_first,
    a_bans_kick_is_queued_once_per_server_and_player_while_one_is_pending,
);

const T0: i64 = 1_000_000_000;

fn server() -> GameServer {
    GameServer {
        id: ServerId::generate(),
        name: "Racing".into(),
        game: "gmod".into(),
        address: None,
        groups: vec!["eu".into()],
        poll_interval_seconds: 10,
        enforced_ban_scopes: vec![BanScope::Global, BanScope::Server],
        default_ban_group: None,
        role_sync: RoleSync::default(),
        ban_log: false,
        may_lift_operator_bans: false,
        settings_version: 1,
        created_at: Timestamp::from_millis(1),
        last_poll_at: None,
    }
}

fn steam(id: &str) -> PlayerRef {
    PlayerRef {
        source: "steam".into(),
        account_id: id.into(),
    }
}

async fn insert(store: &SqlStore, s: &GameServer) {
    store
        .insert_server(s, &SecretHash::of(s.id.as_str()), "prefix", None)
        .await
        .unwrap();
}

/// Queues `count` commands for `server`, about `player` if given; their ids.
async fn queue(
    store: &SqlStore,
    server: &ServerId,
    count: usize,
    player: Option<&PlayerRef>,
    require_online: bool,
) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..count {
        let queued = store
            .queue_executions(
                std::slice::from_ref(server),
                &NewExecution {
                    kind: ActionKind::Command,
                    payload: &json!({"command": format!("say {i}")}),
                    player,
                    require_online,
                    rerun_of: None,
                    enforces_ban: false,
                    action: None,
                },
                Timestamp::from_millis(T0 - 1000),
                None,
            )
            .await
            .unwrap();
        ids.extend(queued.iter().map(|e| e.id.0));
    }
    ids
}

/// A user for the steam account `account`, globally banned.
async fn banned(store: &SqlStore, account: &str) {
    let id = UserId::generate();
    let user = User {
        id: id.clone(),
        username: format!("player-{account}"),
        display_name: String::new(),
        avatar_url: String::new(),
        email: None,
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    store
        .insert_user(&user, None, &[ExternalAccount::new("steam", account)], None)
        .await
        .unwrap();
    store
        .insert_ban(
            &Ban {
                id: BanId::generate(),
                user_id: id,
                source: "steam".into(),
                account_id: account.into(),
                scope: BanScope::Global,
                server_group: None,
                admin_user_id: None,
                issued_by: BanIssuer::Server,
                reason: "cheating".into(),
                created_at: Timestamp::from_millis(1),
                expires_at: None,
                lifted_at: None,
            },
            None,
        )
        .await
        .unwrap();
}

/// Eight pollers of `s` at once, in batches of two, each polling until it finds nothing three
/// times in a row; all report `present`, and with `vary_presence` also a player of their own
/// on every other poll, so presence writes race with polls that only read. The ids leased,
/// after checking that none went to two polls.
async fn race(
    store: &SqlStore,
    s: &GameServer,
    present: &PlayerRef,
    vary_presence: bool,
) -> Vec<i64> {
    let now = Timestamp::from_millis(T0);
    let until = now.plus_seconds(3600);
    let pollers = (0..8).map(|p| {
        let (store, s, present) = (store.clone(), s.clone(), present.clone());
        tokio::spawn(async move {
            let mut received = Vec::new();
            let mut empty_in_a_row = 0;
            let mut round = 0;
            while empty_in_a_row < 3 {
                let mut players = vec![(PresenceState::Connected, present.clone())];
                if vary_presence && round % 2 == 0 {
                    players.push((PresenceState::Connecting, steam(&format!("9{p}"))));
                }
                round += 1;
                let lease = store.poll(&s, &players, now, until, 2).await.unwrap();
                if lease.executions.is_empty() {
                    empty_in_a_row += 1;
                    tokio::task::yield_now().await;
                } else {
                    empty_in_a_row = 0;
                }
                received.extend(lease.executions.iter().map(|e| e.id.0));
            }
            received
        })
    });
    let mut delivered: Vec<i64> = futures::future::join_all(pollers)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    let total = delivered.len();
    delivered.sort_unstable();
    delivered.dedup();
    assert_eq!(
        total - delivered.len(),
        0,
        "executions that went to two polls (varying presence: {vary_presence})"
    );
    delivered
}

async fn racing_polls_of_one_server_lease_every_deliverable_execution_exactly_once(
    store: SqlStore,
) {
    let s = server();
    insert(&store, &s).await;
    let present = steam("100");
    banned(&store, "200").await;
    let held = [
        queue(&store, &s.id, 10, Some(&steam("300")), true).await,
        queue(&store, &s.id, 10, Some(&steam("200")), false).await,
    ]
    .concat();
    // The presence the pollers report is stored already: the first race is between polls
    // that only read before they lease.
    let now = Timestamp::from_millis(T0);
    let players = [(PresenceState::Connected, present.clone())];
    store
        .poll(&s, &players, now, now.plus_seconds(3600), 1)
        .await
        .unwrap();
    let mut deliverable = Vec::new();
    for vary_presence in [false, true] {
        let mut queued = queue(&store, &s.id, 150, None, false).await;
        queued.extend(queue(&store, &s.id, 50, Some(&present), true).await);
        let delivered = race(&store, &s, &present, vary_presence).await;
        queued.sort_unstable();
        assert_eq!(
            delivered, queued,
            "every deliverable execution, once (varying presence: {vary_presence})"
        );
        deliverable.extend(queued);
    }

    let stored = store
        .list_executions(Some(&s.id), None, 1000)
        .await
        .unwrap();
    assert_eq!(stored.len(), deliverable.len() + held.len());
    for e in &stored {
        let expected = if held.contains(&e.id.0) {
            (ExecutionStatus::Queued, 0)
        } else {
            (ExecutionStatus::Leased, 1)
        };
        assert_eq!((e.status, e.attempts), expected, "{e:?}");
    }
}

async fn presence_is_stored_as_reported_and_the_last_poll_to_within_half_an_interval(
    store: SqlStore,
) {
    let s = server();
    insert(&store, &s).await;
    let (a, b, c) = (steam("1"), steam("2"), steam("3"));
    let at = |ms: i64| Timestamp::from_millis(T0 + ms);
    let poll = |players: Vec<(PresenceState, PlayerRef)>, now: Timestamp| {
        let (store, s) = (store.clone(), s.clone());
        async move {
            store
                .poll(&s, &players, now, now.plus_seconds(60), 10)
                .await
                .unwrap()
        }
    };
    let on = |player: PlayerRef| {
        let store = store.clone();
        async move { store.servers_with_player(&player).await.unwrap() }
    };
    let last_poll = || {
        let (store, id) = (store.clone(), s.id.clone());
        async move { store.get_server(&id).await.unwrap().unwrap().last_poll_at }
    };
    let here = vec![s.id.clone()];

    poll(
        vec![
            (PresenceState::Connecting, a.clone()),
            (PresenceState::Connected, b.clone()),
        ],
        at(0),
    )
    .await;
    assert_eq!(
        (on(a.clone()).await, on(b.clone()).await),
        (here.clone(), here.clone())
    );
    assert_eq!(last_poll().await, Some(at(0)));

    // The same players in another order and the same poll a little later: recorded as is.
    let waiting = queue(&store, &s.id, 1, Some(&c), true).await;
    let lease = poll(
        vec![
            (PresenceState::Connected, b.clone()),
            (PresenceState::Connecting, a.clone()),
        ],
        at(4_999),
    )
    .await;
    assert!(
        lease.executions.is_empty() && !lease.settings_due,
        "{lease:?}"
    );
    assert_eq!(last_poll().await, Some(at(0)), "less than half an interval");

    // Half an interval later the time is recorded; a player left, another came.
    let lease = poll(
        vec![
            (PresenceState::Connected, b.clone()),
            (PresenceState::Connected, c.clone()),
        ],
        at(5_000),
    )
    .await;
    assert_eq!(last_poll().await, Some(at(5_000)));
    assert_eq!(on(a.clone()).await, Vec::<ServerId>::new());
    assert_eq!(
        (on(b.clone()).await, on(c.clone()).await),
        (here.clone(), here.clone())
    );
    let ids: Vec<i64> = lease.executions.iter().map(|e| e.id.0).collect();
    assert_eq!(
        ids, waiting,
        "the player who came gets what waited for them"
    );

    // A poll never moves the time back (a node whose clock runs behind).
    poll(vec![], at(1_000)).await;
    assert_eq!(last_poll().await, Some(at(5_000)));
    // Everyone left.
    poll(vec![], at(20_000)).await;
    assert_eq!(last_poll().await, Some(at(20_000)));
    for player in [a, b, c] {
        assert_eq!(on(player).await, Vec::<ServerId>::new());
    }
}

async fn settings_are_due_to_one_poll_of_those_racing(store: SqlStore) {
    let mut s = server();
    insert(&store, &s).await;
    let now = Timestamp::from_millis(T0);
    let mut stale: Option<GameServer> = None;
    for round in 0..3 {
        // A poll with the server as it was (from a cache, say) cannot deliver the settings
        // it does not carry, and leaves them due.
        if let Some(stale) = &stale {
            let lease = store
                .poll(stale, &[], now, now.plus_seconds(60), 10)
                .await
                .unwrap();
            assert!(!lease.settings_due, "round {round}: older settings");
        }
        let polls = (0..6).map(|_| {
            let (store, s) = (store.clone(), s.clone());
            tokio::spawn(async move {
                store
                    .poll(&s, &[], now, now.plus_seconds(60), 10)
                    .await
                    .unwrap()
                    .settings_due
            })
        });
        let due = futures::future::join_all(polls)
            .await
            .into_iter()
            .filter(|d| *d.as_ref().unwrap())
            .count();
        assert_eq!(due, 1, "round {round}");
        let lease = store
            .poll(&s, &[], now, now.plus_seconds(60), 10)
            .await
            .unwrap();
        assert!(!lease.settings_due, "round {round}: delivered already");
        stale = Some(s.clone());
        s.ban_log = !s.ban_log;
        s = store.update_server(&s, None).await.unwrap();
    }
}

/// An operator's executions are stored with the audit entry in one transaction; an entry that
/// names no entity (a re-run's, whose new execution the store numbers) names the first
/// execution queued, one that names its action keeps it. A game server's queue records none.
async fn an_operators_queued_executions_are_audited_in_their_transaction_naming_the_first(
    store: SqlStore,
) {
    let s = server();
    insert(&store, &s).await;
    let entry = |entity_id: Option<&str>| AuditEntry {
        seq: 0,
        at: Timestamp::from_millis(T0),
        actor: "alice".into(),
        actor_id: None,
        action: "execution rerun".into(),
        entity_type: "executions".into(),
        entity_id: entity_id.map(str::to_owned),
        source: "cli".into(),
    };
    let queue_one = |audit: Option<AuditEntry>| {
        let store = &store;
        let id = s.id.clone();
        async move {
            store
                .queue_executions(
                    std::slice::from_ref(&id),
                    &NewExecution {
                        kind: ActionKind::Command,
                        payload: &json!({"command": "say hi"}),
                        player: None,
                        require_online: false,
                        rerun_of: None,
                        enforces_ban: false,
                        action: None,
                    },
                    Timestamp::from_millis(T0),
                    audit.as_ref(),
                )
                .await
                .unwrap()
        }
    };
    queue_one(None).await;
    let rerun = queue_one(Some(entry(None))).await;
    queue_one(Some(entry(Some("action-1")))).await;
    let all = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    let named: Vec<Option<String>> = store
        .list_audit(&all)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entity_id)
        .collect();
    assert_eq!(
        named,
        [Some("action-1".to_owned()), Some(rerun[0].id.to_string())]
    );
}

/// Queues a ban's kick about `player` on `servers`; the executions queued.
async fn ban_kick(store: &SqlStore, servers: &[ServerId], player: &PlayerRef) -> Vec<i64> {
    store
        .queue_executions(
            servers,
            &NewExecution {
                kind: ActionKind::Command,
                payload: &json!({"command": "kickid x"}),
                player: Some(player),
                require_online: true,
                rerun_of: None,
                enforces_ban: true,
                action: None,
            },
            Timestamp::from_millis(T0),
            None,
        )
        .await
        .unwrap()
        .iter()
        .map(|e| e.id.0)
        .collect()
}

async fn a_bans_kick_is_queued_once_per_server_and_player_while_one_is_pending(store: SqlStore) {
    let (a, b) = (server(), server());
    insert(&store, &a).await;
    insert(&store, &b).await;
    let (one, two) = (steam("1"), steam("2"));
    let first = ban_kick(&store, std::slice::from_ref(&a.id), &one).await;
    assert_eq!(first.len(), 1);
    // Pending on `a`: a second is left out there, queued on `b` and for another player.
    assert_eq!(
        ban_kick(&store, &[a.id.clone(), b.id.clone()], &one)
            .await
            .len(),
        1
    );
    assert_eq!(
        ban_kick(&store, std::slice::from_ref(&a.id), &two)
            .await
            .len(),
        1
    );
    // Other executions about the player are queued as ever.
    assert_eq!(queue(&store, &a.id, 2, Some(&one), true).await.len(), 2);
    // Leased, it is still pending.
    let lease = store
        .poll(
            &a,
            &[(PresenceState::Connecting, one.clone())],
            Timestamp::from_millis(T0),
            Timestamp::from_millis(T0 + 60_000),
            10,
        )
        .await
        .unwrap();
    assert!(lease.executions.iter().any(|e| e.id.0 == first[0]));
    assert!(ban_kick(&store, std::slice::from_ref(&a.id), &one)
        .await
        .is_empty());
    // Finished (or failed), a new ban's kick is queued.
    store
        .finish_execution(
            &a.id,
            backline_domain::ids::ExecutionId(first[0]),
            None,
            Timestamp::from_millis(T0 + 1),
        )
        .await
        .unwrap();
    assert_eq!(
        ban_kick(&store, std::slice::from_ref(&a.id), &one)
            .await
            .len(),
        1
    );
    let pending = store
        .list_executions(Some(&a.id), None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.enforces_ban && e.player.as_ref() == Some(&one) && !e.status.is_done())
        .count();
    assert_eq!(pending, 1);
    // Bans racing for one player on one server queue one kick.
    let three = steam("3");
    let racing: Vec<usize> = futures::future::join_all((0..8).map(|_| {
        let (store, server, three) = (store.clone(), b.id.clone(), three.clone());
        tokio::spawn(async move {
            ban_kick(&store, std::slice::from_ref(&server), &three)
                .await
                .len()
        })
    }))
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert_eq!(racing.iter().sum::<usize>(), 1, "{racing:?}");
}
