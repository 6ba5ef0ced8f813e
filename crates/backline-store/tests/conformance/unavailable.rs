//! The store tells "the database cannot be used right now" (`StoreError::Unavailable`) from
//! other errors, on real failures of both databases.

use backline_store::testing::TestDatabase;
use backline_store::{Backend, PoolOptions, SettingStore, SqlStore, StoreError};
use sqlx::{Connection, Executor};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_write_lock_held_elsewhere_beyond_busy_timeout_is_unavailable() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    db.store().await.close().await;
    let options = PoolOptions {
        busy_timeout: Duration::from_millis(100),
        ..PoolOptions::default()
    };
    let store = SqlStore::connect(&db.url, &options).await.unwrap();
    let mut locker = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    locker.execute("BEGIN IMMEDIATE").await.unwrap();
    let err = store.set_setting("probe", "1").await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    // Reads go on beside the writer (WAL).
    assert_eq!(store.get_setting("probe").await.unwrap(), None);
    locker.execute("ROLLBACK").await.unwrap();
    store.set_setting("probe", "1").await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pool_is_unavailable_and_a_broken_statement_is_not() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let store = db.store().await;
    store.close().await;
    let err = store.get_setting("probe").await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let broken = StoreError::from(sqlx::Error::ColumnNotFound("nope".into()));
    assert!(!broken.is_unavailable(), "{broken:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_database_refusing_connections_is_unavailable() {
    let Some(db) = TestDatabase::create(Backend::Postgres).await else {
        return;
    };
    let store = db.store().await;
    let outage = db.cut_off().await.expect("a PostgreSQL database");
    let err = store.get_setting("probe").await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    outage.restore().await;
    assert_eq!(
        store.get_setting("probe").await.unwrap(),
        None,
        "it recovers"
    );
    store.close().await;
    db.drop_database().await;
}
