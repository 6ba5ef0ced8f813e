//! Match updates arriving together are committed together (group commit): every one is
//! stored with its event, and one that cannot be stored fails alone.

use crate::helpers::{match_body, TestApp};
use crate::spectra_matches::Spectra;
use backline_domain::events::EventId;
use backline_store::{Backend, EventStore};
use reqwest::StatusCode;
use sqlx::{Connection, Executor};

backline_store::stories!(crate::helpers::with_app =>
    concurrent_observers_are_all_stored_with_one_event_per_update_in_order,
    an_update_that_cannot_be_stored_fails_alone_with_a_json_5xx,
);

/// `(match_id, round)` of every `match.updated` event in the log, in id order.
async fn updates_logged(app: &TestApp) -> Vec<(String, i64)> {
    app.server_store
        .events_after(EventId(0), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "match.updated")
        .map(|e| {
            (
                e.payload["match_id"].as_str().unwrap().to_owned(),
                e.payload["round"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn round_of(app: &TestApp, match_id: &str) -> Option<i64> {
    let r = app
        .admin(reqwest::Method::GET, &format!("/matches/{match_id}"), None)
        .await;
    match r.status {
        StatusCode::OK => r.body["observers"][0]["round_number"].as_i64(),
        StatusCode::NOT_FOUND => None,
        other => panic!("{other}: {r:?}"),
    }
}

async fn concurrent_observers_are_all_stored_with_one_event_per_update_in_order(app: &TestApp) {
    let spectra = std::sync::Arc::new(Spectra::new(app).await);
    let observers: Vec<String> = (0..12).map(|i| format!("obs-{i}")).collect();
    let runs = observers.iter().map(|match_id| {
        let spectra = spectra.clone();
        async move {
            for round in 1..=6 {
                let body = match_body("update", match_id, "GC", round, "shopping");
                let r = spectra.call(app, "update", match_id, &body).await;
                assert_eq!(r.status, StatusCode::OK, "{r:?}");
            }
        }
    });
    futures::future::join_all(runs).await;

    let logged = updates_logged(app).await;
    assert_eq!(logged.len(), observers.len() * 6);
    for match_id in &observers {
        assert_eq!(round_of(app, match_id).await, Some(6));
        let rounds: Vec<i64> = logged
            .iter()
            .filter(|(m, _)| m == match_id)
            .map(|(_, round)| *round)
            .collect();
        assert_eq!(rounds, [1, 2, 3, 4, 5, 6], "{match_id}");
    }
}

/// Makes the database refuse the match `poison`, as a broken constraint would.
async fn poison(app: &TestApp) {
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    let statements: &[&str] = match app.db.backend {
        Backend::Sqlite => &["CREATE TRIGGER poison BEFORE INSERT ON spectra_matches \
             WHEN NEW.match_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.match_id = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER poison BEFORE INSERT ON spectra_matches \
             FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
    };
    for sql in statements {
        conn.execute(*sql).await.unwrap();
    }
    conn.close().await.unwrap();
}

async fn an_update_that_cannot_be_stored_fails_alone_with_a_json_5xx(app: &TestApp) {
    poison(app).await;
    let spectra = Spectra::new(app).await;
    let ids: Vec<String> = (0..16)
        .map(|i| match i {
            7 => "poison".to_owned(),
            i => format!("fine-{i}"),
        })
        .collect();
    let bodies: Vec<_> = ids
        .iter()
        .map(|id| match_body("update", id, "GC", 3, "combat"))
        .collect();
    let replies = futures::future::join_all(
        ids.iter()
            .zip(&bodies)
            .map(|(id, body)| spectra.call(app, "update", id, body)),
    )
    .await;
    for (id, r) in ids.iter().zip(&replies) {
        if id == "poison" {
            assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{r:?}");
            assert!(r.body["error"].is_string(), "{r:?}");
            assert_eq!(round_of(app, id).await, None);
        } else {
            assert_eq!(r.status, StatusCode::OK, "{id}: {r:?}");
            assert_eq!(round_of(app, id).await, Some(3), "{id}");
        }
    }
    let logged = updates_logged(app).await;
    assert_eq!(logged.len(), 15);
    assert!(!logged.iter().any(|(m, _)| m == "poison"));
}
