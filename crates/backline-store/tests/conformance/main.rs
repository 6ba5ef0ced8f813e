//! The store conformance suite: the same stories against SQLite and PostgreSQL.

mod admin_and_audit;
mod cache;
mod console_sessions;
mod ember_operator_views;
mod ember_polls;
mod events;
mod evr_admin;
mod keys_and_tokens;
mod match_groups;
mod matches;
mod playercams_and_settings;
mod players_and_stats;
mod unavailable;
mod users_and_link_tokens;

use backline_store::testing::TestDatabase;
use backline_store::{Backend, SqlStore};
use std::future::Future;

/// Runs `story` on a fresh migrated store of `backend`, then drops the database.
pub async fn with_store<F, Fut>(backend: Backend, story: F)
where
    F: FnOnce(SqlStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let store = db.store().await;
    story(store.clone()).await;
    store.close().await;
    db.drop_database().await;
}

/// Declares each story once per backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! stories {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                $crate::with_store(backline_store::Backend::Sqlite, super::$story).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                $crate::with_store(backline_store::Backend::Postgres, super::$story).await
            })*
        }
    };
}
