//! The harness itself: a story that panics leaves no PostgreSQL database behind.

use backline_store::testing::postgres_database_exists;
use backline_store::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_that_panics_leaves_no_postgresql_database() {
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let failing = tokio::spawn(crate::with_database(
        Backend::Postgres,
        |url, _store| async move {
            let _ = tx.send(url.rsplit_once('/').unwrap().1.to_owned());
            panic!("a failing story (on purpose)");
        },
    ));
    let outcome = failing.await;
    let Ok(name) = rx.await else {
        return; // PostgreSQL unreachable outside CI: skipped.
    };
    assert!(outcome.unwrap_err().is_panic());
    assert!(
        !postgres_database_exists(&name).await,
        "the database {name} outlived the story"
    );
}
