use backline_domain::spectra::player::ObservedPlayer;
use backline_domain::Timestamp;
use backline_store::*;
use serde_json::json;

backline_store::stories!(crate::with_store =>
    observed_tiers_move_forward_and_the_peak_never_drops,
    operator_tiers_are_not_overwritten_by_observations,
    stats_links_regions_and_results_are_kept,
);

fn seen(
    puuid: &str,
    name: Option<&str>,
    current: Option<i64>,
    peak: Option<i64>,
) -> ObservedPlayer {
    ObservedPlayer {
        puuid: puuid.into(),
        full_name: name.map(Into::into),
        current_tier: current,
        peak_tier: peak,
    }
}

async fn observed_tiers_move_forward_and_the_peak_never_drops(store: SqlStore) {
    let t = Timestamp::from_millis;
    store
        .observe_players(
            &[
                seen("p1", Some("A#1"), Some(10), Some(15)),
                seen("p2", None, None, None),
            ],
            t(1),
        )
        .await
        .unwrap();
    store
        .observe_players(
            &[
                seen("p1", None, Some(8), Some(12)),
                seen("p1", None, Some(8), Some(12)),
            ],
            t(2),
        )
        .await
        .unwrap();
    let mut players = store
        .get_players(&["p1".into(), "p2".into(), "p3".into()])
        .await
        .unwrap();
    players.sort_by(|a, b| a.puuid.cmp(&b.puuid));
    assert_eq!(players.len(), 2);
    let p1 = &players[0];
    assert_eq!(
        (p1.full_name.as_deref(), p1.current_tier, p1.peak_tier),
        (Some("A#1"), Some(8), Some(15))
    );
    assert_eq!(p1.updated_at, t(2));
    assert_eq!(
        (players[1].current_tier, players[1].peak_tier),
        (None, None)
    );
    store.observe_players(&[], t(3)).await.unwrap();
    assert_eq!(store.list_players(&Seek::first(1)).await.unwrap().len(), 1);
}

async fn operator_tiers_are_not_overwritten_by_observations(store: SqlStore) {
    let t = Timestamp::from_millis;
    let change = PlayerChange {
        region: Some("eu".into()),
        current_tier: Some(20),
        peak_tier: Some(22),
        full_name: None,
    };
    let p = store
        .change_player("p1", &change, t(1), None)
        .await
        .unwrap();
    assert!(p.tiers_set_by_operator);
    assert_eq!(p.region.as_deref(), Some("eu"));
    store
        .observe_players(&[seen("p1", Some("Known#EU"), Some(3), Some(25))], t(2))
        .await
        .unwrap();
    let p = store.get_players(&["p1".into()]).await.unwrap().remove(0);
    assert_eq!(
        (p.current_tier, p.peak_tier, p.full_name.as_deref()),
        (Some(20), Some(22), Some("Known#EU"))
    );
    // A region-only change keeps the tiers and the flag.
    let p = store
        .change_player(
            "p1",
            &PlayerChange {
                region: Some("na".into()),
                ..Default::default()
            },
            t(3),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (p.region.as_deref(), p.current_tier, p.tiers_set_by_operator),
        (Some("na"), Some(20), true)
    );
}

async fn stats_links_regions_and_results_are_kept(store: SqlStore) {
    let t = Timestamp::from_millis;
    assert!(store.get_stats("m").await.unwrap().is_none());
    assert!(store.link_stats_group("m", "A", t(1)).await.unwrap());
    assert!(!store.link_stats_group("m", "A", t(2)).await.unwrap());
    assert!(store.link_stats_group("m", "B", t(3)).await.unwrap());
    store.set_stats_region("m", Some("eu"), t(4)).await.unwrap();
    store.set_stats_region("m", None, t(5)).await.unwrap();
    store
        .save_match_stats("m", &json!({"rounds_played": 3}).to_string(), t(6), None)
        .await
        .unwrap();
    let s = store.get_stats("m").await.unwrap().unwrap();
    assert_eq!(s.group_codes, vec!["A".to_owned(), "B".to_owned()]);
    assert_eq!(s.region.as_deref(), Some("eu"));
    assert_eq!(s.stats, Some(json!({"rounds_played": 3})));
    assert_eq!(s.computed_at, Some(t(6)));
    // Region of a match never linked creates its row.
    store.set_stats_region("n", Some("na"), t(7)).await.unwrap();
    assert_eq!(
        store
            .get_stats("n")
            .await
            .unwrap()
            .unwrap()
            .region
            .as_deref(),
        Some("na")
    );
}
