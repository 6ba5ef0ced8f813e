//! The live event log: ids only grow, reads come in id order, pruning keeps a watermark;
//! and the polling sweep flips each server's state once.

use backline_domain::ember::bans::BanScope;
use backline_domain::ember::servers::{GameServer, RoleSync};
use backline_domain::events::{EventId, EventKind, NewEvent};
use backline_domain::ids::ServerId;
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;
use serde_json::json;

backline_store::stories!(crate::with_store =>
    appended_events_get_growing_ids_and_are_read_in_id_order,
    pruning_removes_old_events_and_remembers_how_far,
    the_polling_sweep_reports_each_change_once,
);

fn event(kind: EventKind, at: i64, org: Option<&str>) -> NewEvent {
    NewEvent {
        kind,
        at: Timestamp::from_millis(at),
        org_id: org.map(str::to_owned),
        payload: json!({"n": at, "nested": {"score": [1, 0]}}),
    }
}

async fn appended_events_get_growing_ids_and_are_read_in_id_order(store: SqlStore) {
    assert_eq!(store.last_event_id().await.unwrap(), EventId(0));
    assert!(store.events_after(EventId(0), 10).await.unwrap().is_empty());
    let mut ids = Vec::new();
    for (i, kind) in [
        EventKind::MatchRegistered,
        EventKind::BanCreated,
        EventKind::MatchUpdated,
    ]
    .into_iter()
    .enumerate()
    {
        let org = (kind != EventKind::BanCreated).then_some("org-1");
        let stored = store
            .append_event(&event(kind, 1000 + i as i64, org))
            .await
            .unwrap();
        assert_eq!(stored.kind, kind.as_str());
        assert_eq!(stored.org_id.as_deref(), org);
        assert_eq!(stored.at, Timestamp::from_millis(1000 + i as i64));
        ids.push(stored.id);
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(store.last_event_id().await.unwrap(), ids[2]);
    let all = store.events_after(EventId(0), 10).await.unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    assert_eq!(all[1].org_id, None);
    assert_eq!(
        all[0].payload,
        json!({"n": 1000, "nested": {"score": [1, 0]}})
    );
    let after_first = store.events_after(ids[0], 1).await.unwrap();
    assert_eq!(after_first.len(), 1, "the limit applies");
    assert_eq!(after_first[0].id, ids[1]);
    assert!(store.events_after(ids[2], 10).await.unwrap().is_empty());
    // A group is appended in order, after what was there.
    let group = store
        .append_events(&[
            event(EventKind::ExecutionQueued, 2000, None),
            event(EventKind::ExecutionDelivered, 2001, None),
        ])
        .await
        .unwrap();
    assert_eq!(
        group.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["execution.queued", "execution.delivered"]
    );
    assert!(ids[2] < group[0].id && group[0].id < group[1].id);
    assert!(store.append_events(&[]).await.unwrap().is_empty());
    // A large group (several statements) keeps its order.
    let many: Vec<NewEvent> = (0..450)
        .map(|i| event(EventKind::ExecutionQueued, 3000 + i, None))
        .collect();
    let appended = store.append_events(&many).await.unwrap();
    assert_eq!(appended.len(), 450);
    assert!(appended.windows(2).all(|w| w[0].id < w[1].id));
    assert!(appended
        .iter()
        .zip(&many)
        .all(|(stored, sent)| stored.at == sent.at && stored.payload == sent.payload));
    let read = store.events_after(group[1].id, 1000).await.unwrap();
    assert_eq!(read, appended);
    let group = [group, appended].concat();
    assert_eq!(
        store.last_event_id().await.unwrap(),
        group.last().unwrap().id
    );
}

async fn pruning_removes_old_events_and_remembers_how_far(store: SqlStore) {
    let old = store
        .append_event(&event(EventKind::BanCreated, 1_000, None))
        .await
        .unwrap();
    let older_id_newer_time = store
        .append_event(&event(EventKind::BanLifted, 5_000, None))
        .await
        .unwrap();
    let young = store
        .append_event(&event(EventKind::BanCreated, 3_000, None))
        .await
        .unwrap();
    assert_eq!(store.events_pruned_through().await.unwrap(), EventId(0));
    // Nothing older than the cutoff: nothing changes.
    assert_eq!(
        store
            .prune_events(Timestamp::from_millis(500))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.events_pruned_through().await.unwrap(), EventId(0));
    // Everything up to the newest old id goes, so the log stays a suffix of the ids.
    let deleted = store
        .prune_events(Timestamp::from_millis(3_500))
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    assert_eq!(store.events_pruned_through().await.unwrap(), young.id);
    assert!(store.events_after(EventId(0), 10).await.unwrap().is_empty());
    // The last id survives pruning, and new ids keep growing.
    assert_eq!(store.last_event_id().await.unwrap(), young.id);
    let next = store
        .append_event(&event(EventKind::BanCreated, 9_000, None))
        .await
        .unwrap();
    assert!(
        next.id > young.id && young.id > older_id_newer_time.id && older_id_newer_time.id > old.id
    );
    assert_eq!(store.last_event_id().await.unwrap(), next.id);
    // A second prune with an older cutoff does not move the watermark back.
    store
        .prune_events(Timestamp::from_millis(2_000))
        .await
        .unwrap();
    assert_eq!(store.events_pruned_through().await.unwrap(), young.id);
}

fn server(name: &str, interval: i64, last_poll: Option<i64>) -> GameServer {
    GameServer {
        id: ServerId::generate(),
        name: name.into(),
        game: "gmod".into(),
        address: None,
        groups: vec![],
        poll_interval_seconds: interval,
        enforced_ban_scopes: vec![BanScope::Global],
        default_ban_group: None,
        role_sync: RoleSync {
            send: false,
            receive: false,
        },
        ban_log: false,
        may_lift_operator_bans: false,
        settings_version: 1,
        created_at: Timestamp::from_millis(0),
        last_poll_at: last_poll.map(Timestamp::from_millis),
    }
}

async fn the_polling_sweep_reports_each_change_once(store: SqlStore) {
    let now = 1_000_000;
    let fresh = server("fresh", 10, Some(now - 29_000));
    let stale = server("stale", 10, Some(now - 31_000));
    let never = server("never", 10, None);
    for (i, s) in [&fresh, &stale, &never].into_iter().enumerate() {
        store
            .insert_server(s, &SecretHash::of(&format!("token-{i}")), "tok", None)
            .await
            .unwrap();
    }
    let at = Timestamp::from_millis(now);
    // Two sweeps at once: each change is reported by exactly one.
    let (a, b) = tokio::join!(store.sweep_polling(at), store.sweep_polling(at));
    let (a, b) = (a.unwrap(), b.unwrap());
    let started: Vec<_> = a.started.iter().chain(&b.started).cloned().collect();
    assert_eq!(
        started,
        vec![PolledServer {
            id: fresh.id.clone(),
            name: "fresh".into(),
            poll_interval_seconds: 10,
            last_poll_at: fresh.last_poll_at,
        }]
    );
    assert!(
        a.stopped.is_empty() && b.stopped.is_empty(),
        "never counted as polling"
    );
    assert_eq!(
        store.sweep_polling(at).await.unwrap(),
        PollingChanges::default()
    );
    // Time passes without a poll: stopped once.
    let later = Timestamp::from_millis(now + 2_000);
    assert_eq!(
        store.sweep_polling(later).await.unwrap(),
        PollingChanges {
            started: vec![],
            stopped: vec![started[0].clone()],
        }
    );
    assert_eq!(
        store.sweep_polling(later).await.unwrap(),
        PollingChanges::default()
    );
}
