//! Group commit of match snapshots: concurrent writes committed together end as if written
//! one by one, each event is appended once, and one write that cannot be stored fails alone.
//!
//! To make groups form on demand, a second connection holds the write lock while writes
//! queue behind a first one (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `LOCK TABLE`).

use super::matches::{snapshot, updated, Write};
use backline_domain::events::EventId;
use backline_domain::spectra::lifecycle::MatchState;
use backline_store::*;
use sqlx::{AnyConnection, Connection, Executor};
use std::time::Duration;

backline_store::stories!(crate::with_database =>
    shuffled_updates_of_one_match_end_with_the_most_advanced,
    each_observer_s_events_are_appended_once_in_its_order,
    a_write_that_fails_fails_alone_and_its_group_is_stored,
);

/// A connection that holds the lock every snapshot write needs, until [`Lock::release`].
struct Lock(AnyConnection);

impl Lock {
    async fn take(url: &str, backend: Backend) -> Self {
        let mut conn = AnyConnection::connect(url).await.expect("connect");
        match backend {
            Backend::Sqlite => {
                conn.execute("BEGIN IMMEDIATE").await.expect("lock");
            }
            Backend::Postgres => {
                conn.execute("BEGIN").await.expect("begin");
                conn.execute("LOCK TABLE spectra_matches IN EXCLUSIVE MODE")
                    .await
                    .expect("lock");
            }
        }
        Self(conn)
    }

    async fn release(mut self) {
        self.0.execute("ROLLBACK").await.expect("unlock");
        self.0.close().await.expect("close");
    }
}

fn live(round: i64, at: i64) -> Write {
    Write {
        state: MatchState::Live,
        round,
        group: "G",
        at,
    }
}

/// Starts `writes` (match id, write) at once; answers their results in the same order.
fn spawn_writes(
    store: &SqlStore,
    writes: Vec<(&'static str, Write)>,
) -> Vec<tokio::task::JoinHandle<StoreResult<EventId>>> {
    writes
        .into_iter()
        .map(|(match_id, w)| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_snapshot(snapshot(match_id, &w), updated(match_id, &w))
                    .await
            })
        })
        .collect()
}

/// Holds the write lock while a first write starts and `writes` queue behind it, then lets
/// them go: the first is written alone, the others as one group. Answers their results.
async fn queued_behind_a_lock(
    url: &str,
    store: &SqlStore,
    writes: Vec<(&'static str, Write)>,
) -> Vec<StoreResult<EventId>> {
    let before = store.snapshot_groups();
    let lock = Lock::take(url, store.backend()).await;
    let first = spawn_writes(store, vec![("first", live(1, 1))]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let count = writes.len() as u64;
    let queued = spawn_writes(store, writes);
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.release().await;
    for t in first {
        t.await.unwrap().expect("the first write");
    }
    let mut results = Vec::new();
    for t in queued {
        results.push(t.await.unwrap());
    }
    let after = store.snapshot_groups();
    assert_eq!(
        (after.groups - before.groups, after.writes - before.writes),
        (2, 1 + count),
        "the queued writes were taken as one group"
    );
    results
}

/// The `match_id` of event `id`'s payload and its round.
async fn events_by_id(store: &SqlStore) -> Vec<(EventId, String, i64)> {
    store
        .events_after(EventId(0), 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.id,
                e.payload["match_id"].as_str().unwrap().to_owned(),
                e.payload["round"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Each write that succeeded has exactly one event in the log, under the id its caller was
/// given, reporting that write; no other event reports these matches.
async fn assert_one_event_per_write(
    store: &SqlStore,
    writes: &[(&str, i64)],
    results: &[StoreResult<EventId>],
) {
    let mut expected: Vec<(EventId, String, i64)> = writes
        .iter()
        .zip(results)
        .filter_map(|((m, round), r)| r.as_ref().ok().map(|id| (*id, m.to_string(), *round)))
        .collect();
    expected.sort();
    let logged: Vec<(EventId, String, i64)> = events_by_id(store)
        .await
        .into_iter()
        .filter(|(_, m, _)| writes.iter().any(|(w, _)| w == m))
        .collect();
    assert_eq!(logged, expected);
}

fn summary(writes: &[(&'static str, Write)]) -> Vec<(&'static str, i64)> {
    writes.iter().map(|(m, w)| (*m, w.round)).collect()
}

async fn shuffled_updates_of_one_match_end_with_the_most_advanced(url: String, store: SqlStore) {
    // Rounds 1..=40 in a scrambled order, a register and a complete at round 20 among them:
    // one by one, in any order, the complete is kept (nothing replaces a final snapshot) and
    // the register's time stays.
    let mut writes: Vec<(&'static str, Write)> = (0..40)
        .map(|i| ("race", live((i * 17) % 40 + 1, 100 + i)))
        .collect();
    writes.insert(
        13,
        (
            "race",
            Write {
                state: MatchState::Completed,
                round: 20,
                group: "G",
                at: 300,
            },
        ),
    );
    writes.insert(
        29,
        (
            "race",
            Write {
                state: MatchState::Registered,
                round: 0,
                group: "G",
                at: 400,
            },
        ),
    );
    let written = summary(&writes);
    let results = queued_behind_a_lock(&url, &store, writes).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    let records = store.get_match("race").await.unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!((r.state, r.round_number), (MatchState::Completed, 20));
    assert_eq!(r.snapshot.as_ref().unwrap()["state"], "completed");
    assert_eq!(r.registered_at.map(|t| t.millis()), Some(400));
    assert_eq!(r.completed_at.map(|t| t.millis()), Some(300));
    assert_one_event_per_write(&store, &written, &results).await;
    let last = results.iter().map(|r| *r.as_ref().unwrap()).max().unwrap();

    // Later, a live update still changes nothing.
    let id = store
        .record_snapshot(
            snapshot("race", &live(50, 900)),
            updated("race", &live(50, 900)),
        )
        .await
        .unwrap();
    assert!(id > last);
    let r = &store.get_match("race").await.unwrap()[0];
    assert_eq!((r.state, r.round_number), (MatchState::Completed, 20));
}

async fn each_observer_s_events_are_appended_once_in_its_order(_url: String, store: SqlStore) {
    // Like the bench: each observer updates its own match, round after round, all at once.
    const OBSERVERS: &[&str] = &["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"];
    let mut tasks = Vec::new();
    for &match_id in OBSERVERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for round in 1..=12 {
                let w = live(round, round);
                let id = store
                    .record_snapshot(snapshot(match_id, &w), updated(match_id, &w))
                    .await
                    .unwrap();
                ids.push(id);
            }
            ids
        }));
    }
    let mut given = Vec::new();
    for t in tasks {
        given.push(t.await.unwrap());
    }
    let logged = events_by_id(&store).await;
    assert_eq!(logged.len(), OBSERVERS.len() * 12);
    for (match_id, ids) in OBSERVERS.iter().zip(&given) {
        assert_eq!(store.get_match(match_id).await.unwrap()[0].round_number, 12);
        let of_match: Vec<(EventId, i64)> = logged
            .iter()
            .filter(|(_, m, _)| m == match_id)
            .map(|(id, _, round)| (*id, *round))
            .collect();
        let expected: Vec<(EventId, i64)> = ids.iter().copied().zip(1..=12).collect();
        assert_eq!(
            of_match, expected,
            "{match_id}: one event per round, in order"
        );
    }
}

/// A trigger that refuses the match `poison`, as a constraint would.
async fn poison(url: &str, backend: Backend) {
    let mut conn = AnyConnection::connect(url).await.expect("connect");
    match backend {
        Backend::Sqlite => {
            conn.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON spectra_matches \
                 WHEN NEW.match_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
            )
            .await
            .expect("trigger");
        }
        Backend::Postgres => {
            conn.execute(
                "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.match_id = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; \
                 RETURN NEW; END $$",
            )
            .await
            .expect("function");
            conn.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON spectra_matches \
                 FOR EACH ROW EXECUTE FUNCTION poison()",
            )
            .await
            .expect("trigger");
        }
    }
    conn.close().await.expect("close");
}

async fn a_write_that_fails_fails_alone_and_its_group_is_stored(url: String, store: SqlStore) {
    poison(&url, store.backend()).await;
    let writes = vec![
        ("a", live(1, 10)),
        ("b", live(1, 11)),
        ("poison", live(1, 12)),
        ("a", live(2, 13)),
        ("c", live(1, 14)),
    ];
    let written = summary(&writes);
    let results = queued_behind_a_lock(&url, &store, writes).await;
    let failed: Vec<bool> = results.iter().map(Result::is_err).collect();
    assert_eq!(failed, [false, false, true, false, false]);
    assert!(!results[2].as_ref().unwrap_err().is_unavailable());

    assert!(store.get_match("poison").await.unwrap().is_empty());
    for (match_id, round) in [("a", 2), ("b", 1), ("c", 1)] {
        let records = store.get_match(match_id).await.unwrap();
        assert_eq!(records.len(), 1, "{match_id} stored");
        assert_eq!(records[0].round_number, round);
    }
    assert_one_event_per_write(&store, &written, &results).await;
    assert_eq!(events_by_id(&store).await.len(), 5, "first, a, b, a, c");
}
