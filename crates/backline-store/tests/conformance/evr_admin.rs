//! The operator's view of EVR broadcasters and matches: filtered keyset pages, and ending a
//! match the way the timers end one.

use backline_domain::accounts::User;
use backline_domain::evr::label::LobbyType;
use backline_domain::evr::records::{
    Broadcaster, BroadcasterState, EvrMatch, MatchPlayer, Phase, Preparation,
};
use backline_domain::evr::team::Team;
use backline_domain::ids::{BroadcasterId, UserId};
use backline_domain::Timestamp;
use backline_store::*;
use std::collections::BTreeMap;

backline_store::stories!(crate::with_store =>
    broadcasters_are_paged_by_registration_and_filtered,
    matches_are_paged_newest_first_and_filtered,
    ending_a_match_removes_its_players_and_gives_its_broadcaster_an_idle_match,
);

/// An operator's audit entry of an EVR change, naming `id`.
fn entry(entity_type: &str, id: &str) -> backline_domain::admin::AuditEntry {
    backline_domain::admin::AuditEntry {
        seq: 0,
        at: Timestamp::from_millis(1),
        actor: "alice".into(),
        actor_id: None,
        action: format!("{entity_type} write"),
        entity_type: entity_type.into(),
        entity_id: Some(id.into()),
        source: "cli".into(),
    }
}

const T0: i64 = 1_800_000_000_000;

async fn user(store: &SqlStore, name: &str) -> UserId {
    let user = User {
        id: UserId::generate(),
        username: name.into(),
        display_name: name.into(),
        avatar_url: String::new(),
        email: None,
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(T0),
        updated_at: Timestamp::from_millis(T0),
    };
    store.insert_user(&user, None, &[], None).await.unwrap();
    user.id
}

/// Registers a broadcaster at `T0 + at`; its sid and idle match id.
async fn broadcaster(
    store: &SqlStore,
    operator: &UserId,
    at: i64,
    regions: &[&str],
    features: &[&str],
) -> (BroadcasterId, String) {
    let b = Broadcaster {
        sid: BroadcasterId::generate(),
        operator_id: operator.clone(),
        server_id: u64::MAX,
        internal_ip: "10.0.0.1".into(),
        external_ip: "192.0.2.1".into(),
        port: 6792,
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        version_lock: u64::MAX - 1,
        features: features.iter().map(|f| (*f).to_owned()).collect(),
        tags: vec![],
        group_ids: vec!["g1".into()],
        registered_at: Timestamp::from_millis(T0 + at),
        heartbeat_at: Timestamp::from_millis(T0 + at),
    };
    let idle = EvrMatch::new_id("node");
    store.insert_broadcaster(&b, &idle).await.unwrap();
    (b.sid, idle)
}

fn preparation(mode: &str) -> Preparation {
    Preparation {
        mode: mode.into(),
        level: "mpl_arena_a".into(),
        lobby_type: LobbyType::Private,
        team_size: 5,
        player_limit: 10,
        required_features: vec![],
        spawned_by: String::new(),
        group_id: String::new(),
        role_alignments: BTreeMap::new(),
    }
}

async fn seat(store: &SqlStore, match_id: &str, user: &UserId, evr_id: &str) {
    let now = Timestamp::from_millis(T0 + 500);
    let player = MatchPlayer {
        session_id: format!("session-{evr_id}"),
        user_id: user.clone(),
        username: format!("name-{evr_id}"),
        display_name: evr_id.into(),
        evr_id: evr_id.into(),
        discord_id: String::new(),
        team: Team::Blue,
        client_ip: "198.51.100.1".into(),
        party_id: String::new(),
        joined_at: now,
    };
    let joined = store
        .join_evr_match(match_id, user, evr_id, true, now, |_| Ok(player))
        .await
        .unwrap();
    assert!(matches!(joined, Some(Ok(_))), "{joined:?}");
}

fn filter() -> BroadcasterFilter {
    BroadcasterFilter {
        operator: None,
        regions: vec![],
        features: vec![],
        version_lock: None,
        group_id: None,
        state: None,
        stale_before: Timestamp::from_millis(0),
        seek: Seek::first(100),
    }
}

fn every_match() -> EvrMatchFilter {
    EvrMatchFilter {
        phase: None,
        open: None,
        mode: None,
        regions: vec![],
        broadcaster: None,
        player: None,
        seek: Seek::first(100),
    }
}

async fn sids(store: &SqlStore, filter: &BroadcasterFilter) -> Vec<BroadcasterId> {
    store
        .page_broadcasters(filter)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.sid)
        .collect()
}

async fn broadcasters_are_paged_by_registration_and_filtered(store: SqlStore) {
    let a = user(&store, "alice").await;
    let b = user(&store, "bob").await;
    let (first, first_idle) = broadcaster(&store, &a, 1, &["uscn"], &["kick", "a_b"]).await;
    let (second, _) = broadcaster(&store, &a, 2, &["euw", "uscn"], &["axb"]).await;
    let (third, _) = broadcaster(&store, &b, 3, &["euw"], &[]).await;
    let all = store.page_broadcasters(&filter()).await.unwrap();
    assert_eq!(all[0].server_id, u64::MAX, "u64 kept whole");
    assert_eq!(all[0].version_lock, u64::MAX - 1);
    assert_eq!(
        sids(&store, &filter()).await,
        vec![first.clone(), second.clone(), third.clone()]
    );
    let page = BroadcasterFilter {
        seek: Seek {
            after: Some(TimeKey {
                at: Timestamp::from_millis(T0 + 1),
                id: first.to_string(),
            }),
            limit: 1,
        },
        ..filter()
    };
    assert_eq!(sids(&store, &page).await, vec![second.clone()]);
    let by = |f: BroadcasterFilter| f;
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                operator: Some(b.clone()),
                ..filter()
            })
        )
        .await,
        vec![third.clone()]
    );
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                regions: vec!["uscn".into()],
                ..filter()
            })
        )
        .await,
        vec![first.clone(), second.clone()],
        "any element of the array, first or not"
    );
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                regions: vec!["usc".into(), "eu".into()],
                ..filter()
            })
        )
        .await,
        Vec::<BroadcasterId>::new(),
        "whole elements only"
    );
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                features: vec!["a_b".into()],
                ..filter()
            })
        )
        .await,
        vec![first.clone()],
        "`_` is no wildcard"
    );
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                features: vec!["kick".into(), "axb".into()],
                ..filter()
            })
        )
        .await,
        Vec::<BroadcasterId>::new(),
        "every feature must be offered"
    );
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                version_lock: Some(u64::MAX - 1),
                group_id: Some("g1".into()),
                ..filter()
            })
        )
        .await
        .len(),
        3
    );
    assert_eq!(
        sids(
            &store,
            &by(BroadcasterFilter {
                version_lock: Some(1),
                ..filter()
            })
        )
        .await,
        Vec::<BroadcasterId>::new()
    );
    // States: prepare the first broadcaster's idle match; heartbeats before T0 + 3 ms are stale.
    store
        .prepare_evr_match(
            &first_idle,
            &preparation("echo_arena_private"),
            Timestamp::from_millis(T0 + 10),
            Timestamp::from_millis(T0 + 10),
        )
        .await
        .unwrap();
    let stale_before = Timestamp::from_millis(T0 + 3);
    let state = |s| BroadcasterFilter {
        state: Some(s),
        stale_before,
        ..filter()
    };
    assert_eq!(
        sids(&store, &state(BroadcasterState::Stale)).await,
        vec![first.clone(), second.clone()]
    );
    assert_eq!(
        sids(&store, &state(BroadcasterState::Idle)).await,
        vec![third.clone()]
    );
    assert!(store
        .touch_broadcaster(&first, &a, Timestamp::from_millis(T0 + 3_000))
        .await
        .unwrap());
    assert_eq!(
        sids(&store, &state(BroadcasterState::InMatch)).await,
        vec![first.clone()]
    );
    let live = store
        .live_matches_on(&[first.clone(), third])
        .await
        .unwrap();
    assert_eq!(live.len(), 2);
    assert_eq!(live[0].id, first_idle);
    assert_eq!(live[0].phase, Phase::Prepared);
}

async fn matches_are_paged_newest_first_and_filtered(store: SqlStore) {
    let a = user(&store, "alice").await;
    let player = user(&store, "player").await;
    let (us, us_match) = broadcaster(&store, &a, 1, &["uscn"], &[]).await;
    let (_, eu_match) = broadcaster(&store, &a, 2, &["euw"], &[]).await;
    let (_, idle) = broadcaster(&store, &a, 3, &["euw"], &[]).await;
    let at = Timestamp::from_millis(T0 + 100);
    store
        .prepare_evr_match(&us_match, &preparation("echo_arena_private"), at, at)
        .await
        .unwrap();
    store
        .prepare_evr_match(&eu_match, &preparation("social_2.0_private"), at, at)
        .await
        .unwrap();
    seat(&store, &us_match, &player, "OVR-ORG-7").await;
    let ids = |ms: Vec<EvrMatch>| ms.into_iter().map(|m| m.id).collect::<Vec<_>>();
    let all = store.page_evr_matches(&every_match()).await.unwrap();
    assert_eq!(all[2].players[0].evr_id, "OVR-ORG-7", "with players");
    assert_eq!(
        ids(all),
        vec![idle.clone(), eu_match.clone(), us_match.clone()]
    );
    let page = |f: EvrMatchFilter| {
        let store = store.clone();
        async move { ids(store.page_evr_matches(&f).await.unwrap()) }
    };
    assert_eq!(
        page(EvrMatchFilter {
            seek: Seek {
                after: Some(TimeKey {
                    at: Timestamp::from_millis(T0 + 3),
                    id: idle.clone(),
                }),
                limit: 1,
            },
            ..every_match()
        })
        .await,
        vec![eu_match.clone()],
        "after the cursor, at most the limit"
    );
    assert_eq!(
        page(EvrMatchFilter {
            mode: Some("echo_arena_private".into()),
            ..every_match()
        })
        .await,
        vec![us_match.clone()]
    );
    assert_eq!(
        page(EvrMatchFilter {
            phase: Some(Phase::Started),
            ..every_match()
        })
        .await,
        vec![us_match.clone()]
    );
    assert_eq!(
        page(EvrMatchFilter {
            open: Some(false),
            ..every_match()
        })
        .await,
        vec![idle.clone()]
    );
    assert_eq!(
        page(EvrMatchFilter {
            regions: vec!["euw".into()],
            open: Some(true),
            ..every_match()
        })
        .await,
        vec![eu_match.clone()]
    );
    assert_eq!(
        page(EvrMatchFilter {
            broadcaster: Some(us),
            ..every_match()
        })
        .await,
        vec![us_match.clone()]
    );
    for who in [
        player.to_string(),
        "OVR-ORG-7".into(),
        "name-OVR-ORG-7".into(),
    ] {
        assert_eq!(
            page(EvrMatchFilter {
                player: Some(who),
                ..every_match()
            })
            .await,
            vec![us_match.clone()]
        );
    }
    assert_eq!(
        page(EvrMatchFilter {
            player: Some("OVR-ORG".into()),
            ..every_match()
        })
        .await,
        Vec::<String>::new(),
        "whole values only"
    );
}

async fn ending_a_match_removes_its_players_and_gives_its_broadcaster_an_idle_match(
    store: SqlStore,
) {
    let a = user(&store, "alice").await;
    let player = user(&store, "player").await;
    let (sid, id) = broadcaster(&store, &a, 1, &["uscn"], &[]).await;
    let now = Timestamp::from_millis(T0 + 1_000);
    // An idle match cannot be ended, nor an unknown one.
    assert!(matches!(
        store.end_evr_match(&id, now, "node", None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.end_evr_match("nope.node", now, "node", None).await,
        Err(StoreError::NotFound)
    ));
    store
        .prepare_evr_match(&id, &preparation("echo_arena_private"), now, now)
        .await
        .unwrap();
    seat(&store, &id, &player, "OVR-ORG-7").await;
    let ended = store.end_evr_match(&id, now, "node", None).await.unwrap();
    assert_eq!(ended.ended.phase, Phase::Ended);
    assert_eq!(ended.ended.ended_at, Some(now));
    assert!(ended.ended.players.is_empty());
    assert_eq!(ended.removed_players.len(), 1);
    assert_eq!(ended.removed_players[0].evr_id, "OVR-ORG-7");
    let idle = ended.idle_match_id.clone().unwrap();
    assert_ne!(idle, id);
    let stored = store.get_evr_match(&id).await.unwrap().unwrap();
    assert_eq!(stored.phase, Phase::Ended);
    assert!(stored.players.is_empty());
    let live = store.list_evr_matches(None).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!((live[0].id.clone(), live[0].phase), (idle, Phase::Idle));
    assert_eq!(live[0].broadcaster_id, sid);
    // A refused end records no audit entry.
    assert!(matches!(
        store
            .end_evr_match(&id, now, "node", Some(&entry("evr-matches", &id)))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // A broadcaster that is gone gets no new idle match.
    let (gone, gone_match) = broadcaster(&store, &a, 2, &["euw"], &[]).await;
    store
        .prepare_evr_match(&gone_match, &preparation("echo_arena_private"), now, now)
        .await
        .unwrap();
    seat(&store, &gone_match, &player, "OVR-ORG-7").await;
    let removal = entry("broadcasters", gone.as_str());
    assert!(store
        .remove_broadcaster(&gone, None, now, Some(&removal))
        .await
        .unwrap());
    // Removing it again removes nothing and records nothing.
    assert!(!store
        .remove_broadcaster(&gone, None, now, Some(&removal))
        .await
        .unwrap());
    let ended = store
        .end_evr_match(
            &gone_match,
            now,
            "node",
            Some(&entry("evr-matches", &gone_match)),
        )
        .await
        .unwrap();
    assert_eq!(ended.idle_match_id, None);
    assert_eq!(ended.removed_players.len(), 1);
    // Each change is stored with its entry, in its transaction.
    let audited: Vec<(String, Option<String>)> = store
        .list_audit(&AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.entity_type, e.entity_id))
        .collect();
    assert_eq!(
        audited,
        [
            ("evr-matches".to_owned(), Some(gone_match.clone())),
            ("broadcasters".to_owned(), Some(gone.as_str().to_owned())),
        ]
    );
}
