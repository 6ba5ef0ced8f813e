//! Ordering on PostgreSQL, where ids are taken when a transaction inserts and become visible
//! when it commits: an event committed after a later id is still handed out before it, and
//! an id that never commits is passed over after a short wait. And open streams end when
//! the server stops.

use super::{open_admin, quick_events};
use crate::helpers::TestApp;
use backline_store::Backend;
use sqlx::Connection;
use std::time::{Duration, Instant};

/// Starts a transaction on the app's database that appends an event; its id.
async fn uncommitted_event(conn: &mut sqlx::PgConnection) -> i64 {
    use sqlx::Row;
    sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
    sqlx::query(
        "INSERT INTO events (kind, at, org_id, payload) \
         VALUES ('ban.created', 1, NULL, '{\"held\": true}') RETURNING id",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .get::<i64, _>("id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_committed_out_of_order_are_handed_out_in_order_and_holes_are_passed_over() {
    let Some(app) = TestApp::spawn_with(Backend::Postgres, quick_events).await else {
        return;
    };
    let mut stream = open_admin(&app, "").await;
    let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();

    // A holds the lower id; B's higher id commits first.
    let held = uncommitted_event(&mut conn).await;
    super::scoping::a_ban_outside_any_organisation(&app).await;
    assert!(
        stream
            .next_within(Duration::from_millis(500))
            .await
            .is_none(),
        "the later id waits for the earlier one"
    );
    sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
    sqlx::query(&format!("NOTIFY backline_events, '{held}'"))
        .execute(&mut conn)
        .await
        .unwrap();
    let first = stream.next().await;
    let second = stream.next().await;
    assert_eq!(first.id, held);
    assert_eq!(first.data["payload"], serde_json::json!({"held": true}));
    assert_eq!((second.id, second.kind()), (held + 1, "ban.created"));

    // An id that is rolled back never appears: the next one comes after a short wait.
    let lost = uncommitted_event(&mut conn).await;
    sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    let started = Instant::now();
    super::scoping::a_ban_outside_any_organisation(&app).await;
    let after_hole = stream.next().await;
    assert_eq!(after_hole.id, lost + 1);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the hole was waited for"
    );
    conn.close().await.unwrap();
    drop(stream);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_streams_end_when_the_server_stops() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn_with(backend, |config| {
            quick_events(config);
            config.events.keep_alive_seconds = 1;
        })
        .await
        else {
            continue;
        };
        let mut stream = open_admin(&app, "").await;
        // Idle: keep-alive comments only.
        assert!(stream
            .next_within(Duration::from_millis(2500))
            .await
            .is_none());
        assert!(stream.comments >= 1, "keep-alive comments are sent");
        let started = Instant::now();
        app.stop().await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the shutdown did not wait for the stream"
        );
        assert!(stream.next_within(Duration::from_secs(2)).await.is_none());
    }
}
