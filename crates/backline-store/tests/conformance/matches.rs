use backline_domain::events::{EventKind, NewEvent};
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::Timestamp;
use backline_store::*;
use serde_json::json;

backline_store::stories!(crate::with_store =>
    an_older_snapshot_never_replaces_a_newer_one,
    a_late_register_only_stamps_the_registration,
    a_completed_match_ignores_later_updates_and_completes,
    observers_of_one_match_are_kept_apart,
    concurrent_snapshots_leave_the_newest,
    matches_are_listed_by_state_and_organisation,
);

pub struct Write {
    pub state: MatchState,
    pub round: i64,
    pub group: &'static str,
    pub at: i64,
}

pub async fn write(store: &SqlStore, match_id: &str, w: Write) {
    store
        .record_snapshot(snapshot(match_id, &w), updated(match_id, &w))
        .await
        .unwrap();
}

/// The write `w` describes, with a small document naming its round, state and group.
pub fn snapshot(match_id: &str, w: &Write) -> SnapshotWrite {
    let doc =
        json!({"roundNumber": w.round, "state": w.state.as_str(), "group": w.group}).to_string();
    let phase = if w.state == MatchState::Completed {
        "game_end"
    } else {
        "shopping"
    };
    SnapshotWrite {
        match_id: match_id.into(),
        group_code: w.group.into(),
        org_id: Some("org-1".into()),
        state: w.state,
        round_number: w.round,
        round_phase: phase.into(),
        map: Some("Ascent".into()),
        match_type: Some("bomb".into()),
        snapshot_json: doc,
        now: Timestamp::from_millis(w.at),
    }
}

/// The event reporting the write `w`.
pub fn updated(match_id: &str, w: &Write) -> NewEvent {
    NewEvent {
        kind: EventKind::MatchUpdated,
        at: Timestamp::from_millis(w.at),
        org_id: Some("org-1".into()),
        payload: json!({"match_id": match_id, "group_code": w.group, "round": w.round}),
    }
}

async fn only(store: &SqlStore, match_id: &str) -> backline_domain::spectra::record::MatchRecord {
    let mut records = store.get_match(match_id).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    records.remove(0)
}

async fn an_older_snapshot_never_replaces_a_newer_one(store: SqlStore) {
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 5,
            group: "G",
            at: 10,
        },
    )
    .await;
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 4,
            group: "G",
            at: 20,
        },
    )
    .await;
    let r = only(&store, "m").await;
    assert_eq!((r.round_number, r.state), (5, MatchState::Live));
    assert_eq!(r.snapshot.unwrap()["roundNumber"], 5);
    assert_eq!(r.updated_at, Timestamp::from_millis(10));
    assert_eq!(r.registered_at, None);
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 6,
            group: "G",
            at: 30,
        },
    )
    .await;
    assert_eq!(only(&store, "m").await.round_number, 6);
}

async fn a_late_register_only_stamps_the_registration(store: SqlStore) {
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 3,
            group: "G",
            at: 10,
        },
    )
    .await;
    write(
        &store,
        "m",
        Write {
            state: MatchState::Registered,
            round: 0,
            group: "G",
            at: 20,
        },
    )
    .await;
    let r = only(&store, "m").await;
    assert_eq!((r.round_number, r.state), (3, MatchState::Live));
    assert_eq!(r.registered_at, Some(Timestamp::from_millis(20)));
    assert_eq!(r.first_seen_at, Timestamp::from_millis(10));
}

async fn a_completed_match_ignores_later_updates_and_completes(store: SqlStore) {
    write(
        &store,
        "m",
        Write {
            state: MatchState::Registered,
            round: 0,
            group: "G",
            at: 1,
        },
    )
    .await;
    write(
        &store,
        "m",
        Write {
            state: MatchState::Completed,
            round: 13,
            group: "G",
            at: 2,
        },
    )
    .await;
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 14,
            group: "G",
            at: 3,
        },
    )
    .await;
    write(
        &store,
        "m",
        Write {
            state: MatchState::Abandoned,
            round: 15,
            group: "G",
            at: 4,
        },
    )
    .await;
    let r = only(&store, "m").await;
    assert_eq!((r.round_number, r.state), (13, MatchState::Completed));
    assert_eq!(r.completed_at, Some(Timestamp::from_millis(2)));
    assert_eq!(r.registered_at, Some(Timestamp::from_millis(1)));
}

async fn observers_of_one_match_are_kept_apart(store: SqlStore) {
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 7,
            group: "A",
            at: 1,
        },
    )
    .await;
    write(
        &store,
        "m",
        Write {
            state: MatchState::Live,
            round: 2,
            group: "B",
            at: 2,
        },
    )
    .await;
    let records = store.get_match("m").await.unwrap();
    let rounds: Vec<_> = records
        .iter()
        .map(|r| (r.group_code.as_str(), r.round_number))
        .collect();
    assert_eq!(rounds, vec![("A", 7), ("B", 2)]);
    assert!(store.get_match("other").await.unwrap().is_empty());
}

async fn concurrent_snapshots_leave_the_newest(store: SqlStore) {
    let mut tasks = Vec::new();
    for round in 0..=24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let state = if round == 0 {
                MatchState::Registered
            } else {
                MatchState::Live
            };
            write(
                &store,
                "race",
                Write {
                    state,
                    round,
                    group: "G",
                    at: 100 + round,
                },
            )
            .await;
        }));
    }
    let finisher = store.clone();
    tasks.push(tokio::spawn(async move {
        write(
            &finisher,
            "race",
            Write {
                state: MatchState::Completed,
                round: 20,
                group: "G",
                at: 500,
            },
        )
        .await;
    }));
    for t in tasks {
        t.await.unwrap();
    }
    let r = only(&store, "race").await;
    assert_eq!((r.state, r.round_number), (MatchState::Completed, 20));
    assert!(r.registered_at.is_some());

    let mut tasks = Vec::new();
    for round in (1..=30).rev() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            write(
                &store,
                "updates",
                Write {
                    state: MatchState::Live,
                    round,
                    group: "G",
                    at: round,
                },
            )
            .await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(only(&store, "updates").await.round_number, 30);
}

async fn matches_are_listed_by_state_and_organisation(store: SqlStore) {
    write(
        &store,
        "m1",
        Write {
            state: MatchState::Live,
            round: 2,
            group: "G",
            at: 1,
        },
    )
    .await;
    write(
        &store,
        "m2",
        Write {
            state: MatchState::Completed,
            round: 13,
            group: "G",
            at: 2,
        },
    )
    .await;
    let all = store
        .list_matches(&MatchFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|m| m.match_id.as_str()).collect::<Vec<_>>(),
        vec!["m2", "m1"]
    );
    assert!(all.iter().all(|m| m.snapshot.is_none()));
    let completed = store
        .list_matches(&MatchFilter {
            state: Some(MatchState::Completed),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(completed.len(), 1);
    let other_org = store
        .list_matches(&MatchFilter {
            org_id: Some("org-2".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(other_org.is_empty());
    let limited = store
        .list_matches(&MatchFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);
    let rest = store
        .list_matches(&MatchFilter {
            after: Some(MatchKey {
                updated_at: limited[0].updated_at,
                match_id: limited[0].match_id.clone(),
                group_code: limited[0].group_code.clone(),
            }),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|m| m.match_id.as_str()).collect::<Vec<_>>(),
        vec!["m1"]
    );
}
