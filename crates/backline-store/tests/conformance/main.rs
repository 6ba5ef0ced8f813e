//! The store conformance suite: the same stories against SQLite and PostgreSQL.

mod admin_and_audit;
mod cache;
mod console_sessions;
mod ember_operator_views;
mod ember_polls;
mod events;
mod evr_admin;
mod harness;
mod idempotency_keys;
mod keys_and_tokens;
mod match_groups;
mod matches;
mod playercams_and_settings;
mod players_and_stats;
mod retention;
mod unavailable;
mod users_and_link_tokens;

use backline_store::testing::TestDatabase;
use backline_store::{Backend, SqlStore};
use std::future::Future;

/// Runs `story` on a fresh migrated store of `backend`, then drops the database (the
/// harness of most stories, through [`backline_store::stories!`]).
pub async fn with_store<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(SqlStore) -> Fut,
    Fut: Future<Output = ()>,
{
    with_database(backend, |_url, store| story(store)).await
}

/// Runs `story` with the URL of a fresh migrated database of `backend` and a store on it,
/// then drops the database; for stories that open connections of their own.
///
/// When the story panics, the database is dropped all the same ([`TestDatabase`]'s `Drop`).
pub async fn with_database<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(String, SqlStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    story(db.url.clone(), store.clone()).await;
    store.close().await;
    db.drop_database().await;
}
