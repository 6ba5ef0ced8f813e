//! Replaying the captured Spectra session produces the match's events in order, for the
//! administrator and for the organisation's own key.

use super::{kinds, open, open_admin};
use crate::helpers::{TestApp, MATCH_ID};
use crate::spectra_replay::replay_capture;
use serde_json::json;

backline_store::stories!(crate::helpers::with_app => replaying_the_spectra_capture_produces_the_match_events_in_order);

async fn replaying_the_spectra_capture_produces_the_match_events_in_order(app: &TestApp) {
    let mut admin = open_admin(app, "").await;
    let replayed = replay_capture(app).await;
    let seen = admin.take(5).await;
    assert_eq!(
        kinds(&seen),
        [
            "match.registered",
            "match.updated",
            "match.updated",
            "match.completed",
            "stats.ready"
        ]
    );
    admin.assert_quiet().await;
    assert!(
        seen.windows(2).all(|w| w[0].id < w[1].id),
        "ids increase: {seen:?}"
    );
    let figures: Vec<_> = seen[..4]
        .iter()
        .map(|m| {
            let p = &m.data["payload"];
            (
                p["state"].clone(),
                p["round"].clone(),
                p["score"].clone(),
                p["match_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (
                json!("registered"),
                json!(0),
                json!([0, 0]),
                json!(MATCH_ID)
            ),
            (json!("live"), json!(2), json!([1, 0]), json!(MATCH_ID)),
            (json!("live"), json!(3), json!([1, 1]), json!(MATCH_ID)),
            (json!("completed"), json!(3), json!([1, 1]), json!(MATCH_ID)),
        ]
    );
    assert_eq!(seen[4].data["payload"]["match_id"], MATCH_ID);
    assert_eq!(seen[4].data["payload"]["rounds_played"], 2);
    for m in &seen {
        assert_eq!(m.data["org_id"], json!(replayed.org), "{m:?}");
        assert!(m.data["at"].is_string(), "{m:?}");
        assert!(
            !m.data.to_string().contains("D9ES7V4GWFDE"),
            "the group secret is never in an event"
        );
    }

    // The organisation's key, resuming from before the first event, sees the same events.
    let before_first = (seen[0].id - 1).to_string();
    let mut own = open(
        app,
        &format!("?key={}&last_event_id={before_first}", replayed.key),
        &[],
    )
    .await
    .expect("the organisation's key may subscribe");
    let own_seen = own.take(5).await;
    assert_eq!(
        own_seen.iter().map(|m| m.id).collect::<Vec<_>>(),
        seen.iter().map(|m| m.id).collect::<Vec<_>>()
    );
    own.assert_quiet().await;

    // What was stored: the log holds the five events in order.
    use backline_store::EventStore;
    let store = app.store().await;
    let stored = store
        .events_after(backline_domain::events::EventId(0), 100)
        .await
        .unwrap();
    assert_eq!(
        stored.iter().map(|e| e.id.0).collect::<Vec<_>>(),
        seen.iter().map(|m| m.id).collect::<Vec<_>>()
    );
    store.close().await;
}
