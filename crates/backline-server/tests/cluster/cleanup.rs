//! The harness itself: a test that panics leaves no node running and no database behind;
//! nodes starting at once on a new database all start.

use crate::harness::Cluster;
use backline_store::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_that_panics_leaves_no_node_running_and_no_database() {
    let (tx, rx) = tokio::sync::oneshot::channel::<(Vec<u32>, String)>();
    let failing = tokio::spawn(async move {
        let cluster = Cluster::start(Backend::Sqlite, 2, &[]).await.unwrap();
        let pids = cluster.nodes.iter().map(|n| n.pid()).collect();
        let _ = tx.send((pids, cluster.database_url().to_owned()));
        panic!("a failing test (on purpose)");
    });
    let outcome = failing.await;
    assert!(outcome.unwrap_err().is_panic());
    let (pids, url) = rx.await.unwrap();
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "node process {pid} outlived the test"
        );
    }
    let file = url.trim_start_matches("sqlite://");
    assert!(
        !std::path::Path::new(file).exists(),
        "the database {file} outlived the test"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_that_panics_on_postgresql_leaves_no_database() {
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let failing = tokio::spawn(async move {
        let Some(cluster) = Cluster::start(Backend::Postgres, 1, &[]).await else {
            return;
        };
        let url = cluster.database_url();
        let _ = tx.send(url.rsplit_once('/').unwrap().1.to_owned());
        panic!("a failing test (on purpose)");
    });
    let outcome = failing.await;
    let Ok(name) = rx.await else {
        return; // PostgreSQL unreachable outside CI: skipped.
    };
    assert!(outcome.unwrap_err().is_panic());
    assert!(
        !backline_store::testing::postgres_database_exists(&name).await,
        "the database {name} outlived the test"
    );
}

/// Regression: two processes migrating a new SQLite file at once made one of them fail with
/// "table users already exists".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_at_once_on_a_new_sqlite_file_all_start() {
    for _ in 0..3 {
        let cluster = Cluster::start(Backend::Sqlite, 3, &[]).await.unwrap();
        let store = cluster.store().await;
        let status = store.migration_status().await.unwrap();
        assert!(status.iter().all(|m| m.applied), "{status:?}");
        store.close().await;
        cluster.finish().await;
    }
}
