//! Resuming with `Last-Event-ID` returns exactly the missed events; resuming from before the
//! retention window is refused with 410.

use super::scoping::{a_ban_outside_any_organisation, spectra_match};
use super::{kinds, open, open_admin, quick_events};
use crate::helpers::TestApp;
use reqwest::StatusCode;
use std::time::Duration;

backline_store::stories!(crate::helpers::with_configured_app, crate::events::quick_events =>
    resuming_returns_exactly_the_missed_events,
    events_published_at_once_are_all_kept_in_one_order,
);

backline_store::stories!(crate::helpers::with_configured_app, one_second_retention =>
    resuming_from_before_the_retention_window_is_gone,
);

/// [`quick_events`], and events are kept for one second.
fn one_second_retention(config: &mut backline_server::config::Config) {
    quick_events(config);
    config.events.retention_seconds = 1;
}

async fn resuming_returns_exactly_the_missed_events(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let org = app.create_org("Org", None).await;
    let mut first = open_admin(app, "").await;
    spectra_match(app, &backend, &org, "m1", 1).await;
    let seen = first.take(2).await;
    drop(first);

    // Missed while disconnected.
    spectra_match(app, &backend, &org, "m2", 3).await;
    a_ban_outside_any_organisation(app).await;

    let last = seen[1].id.to_string();
    let auth = format!("Bearer {}", app.admin_token);
    let mut resumed = open(
        app,
        "",
        &[("authorization", &auth), ("last-event-id", &last)],
    )
    .await
    .unwrap();
    let missed = resumed.take(3).await;
    assert_eq!(
        kinds(&missed),
        ["match.registered", "match.updated", "ban.created"]
    );
    assert_eq!(missed[0].id, seen[1].id + 1, "nothing skipped");
    resumed.assert_quiet().await;
    // Live events follow the missed ones on the same stream.
    spectra_match(app, &backend, &org, "m3", 0).await;
    let live = resumed.next().await;
    assert_eq!(
        (live.kind(), live.data["payload"]["match_id"].as_str()),
        ("match.registered", Some("m3"))
    );
    assert_eq!(live.id, missed[2].id + 1);

    // The query parameter does the same, and a filter applies to the missed events too.
    let mut filtered = open_admin(app, &format!("?last_event_id={}&kinds=ban.*", seen[0].id)).await;
    let bans = filtered.take(1).await;
    assert_eq!(kinds(&bans), ["ban.created"]);
    filtered.assert_quiet().await;

    // The header wins over the query parameter.
    let mut both = open(
        app,
        &format!("?last_event_id={}", seen[0].id),
        &[
            ("authorization", &auth),
            ("last-event-id", &live.id.to_string()),
        ],
    )
    .await
    .unwrap();
    both.assert_quiet().await;
}

async fn resuming_from_before_the_retention_window_is_gone(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let org = app.create_org("Org", None).await;
    let mut watching = open_admin(app, "").await;
    spectra_match(app, &backend, &org, "old", 0).await;
    let old = watching.next().await;
    drop(watching);
    // The sweep prunes events older than one second: let more pass, then wait for a sweep.
    app.advance(Duration::from_millis(1100));
    let mut gone = None;
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let before = (old.id - 1).to_string();
        match open_admin_resuming(app, &before).await {
            Ok(_) => continue,
            Err(r) => {
                gone = Some(r);
                break;
            }
        }
    }
    let r = gone.expect("the old event was pruned");
    r.assert_error(StatusCode::GONE);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("Last-Event-ID"),
        "{r:?}"
    );
    // Resuming after the pruned event itself loses nothing: that works.
    let mut fine = open_admin(app, &format!("?last_event_id={}", old.id)).await;
    fine.assert_quiet().await;
    let store = app.store().await;
    use backline_store::EventStore;
    assert!(
        store
            .events_after(backline_domain::events::EventId(0), 10)
            .await
            .unwrap()
            .is_empty(),
        "the log holds nothing older than its retention"
    );
    store.close().await;
}

async fn open_admin_resuming(
    app: &TestApp,
    last: &str,
) -> Result<super::Stream, crate::helpers::Reply> {
    let auth = format!("Bearer {}", app.admin_token);
    open(
        app,
        "",
        &[("authorization", &auth), ("last-event-id", last)],
    )
    .await
}

async fn events_published_at_once_are_all_kept_in_one_order(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let org = app.create_org("Org", None).await;
    let mut stream = open_admin(app, "").await;
    let ids: Vec<String> = (0..24).map(|i| format!("burst-{i}")).collect();
    futures::future::join_all(
        ids.iter()
            .map(|id| spectra_match(app, &backend, &org, id, 0)),
    )
    .await;
    let seen = stream.take(ids.len()).await;
    stream.assert_quiet().await;
    assert!(
        seen.windows(2).all(|w| w[1].id == w[0].id + 1),
        "no holes, no duplicates"
    );
    let mut matches: Vec<String> = seen
        .iter()
        .map(|m| m.data["payload"]["match_id"].as_str().unwrap().to_owned())
        .collect();
    matches.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(matches, expected);
}
