//! The harness itself: a story that panics leaves no PostgreSQL database behind.

use crate::helpers::{with_app, TestApp};
use backline_store::testing::postgres_database_exists;
use backline_store::Backend;

/// The story fails on a runtime of its own, as a failing `#[tokio::test]` would: its server
/// is still running, with connections open, when the panic unwinds through the harness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_that_panics_leaves_no_postgresql_database() {
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let failing = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(with_app(Backend::Postgres, async move |app: &TestApp| {
            let name = app.db.postgres_name().expect("a PostgreSQL database");
            let _ = tx.send(name.to_owned());
            panic!("a failing story (on purpose)");
        }));
    });
    let outcome = tokio::task::spawn_blocking(move || failing.join())
        .await
        .expect("the thread is joined");
    let Ok(name) = rx.await else {
        return; // PostgreSQL unreachable outside CI: skipped.
    };
    assert!(outcome.is_err(), "the story panicked");
    assert!(
        !postgres_database_exists(&name).await,
        "the database {name} outlived the story"
    );
}
