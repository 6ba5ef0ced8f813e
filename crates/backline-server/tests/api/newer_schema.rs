//! A database migrated by a newer Backline (a migration this binary does not know) is
//! refused by `backline migrate up` and `backline serve` (and every command, which migrates
//! first) with a message that says so, and is left exactly as it was.

use crate::helpers::cli;
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use sqlx::Row;
use std::process::Stdio;
use std::time::Duration;

backline_store::stories!(with_database => a_database_newer_than_the_binary_is_refused_and_never_altered);

async fn with_database(backend: Backend, story: impl AsyncFnOnce(&TestDatabase)) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    story(&db).await;
    db.drop_database().await;
}

/// Everything a migration could change: the tables and the migrations table's rows.
async fn snapshot(db: &TestDatabase) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let tables = match db.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master ORDER BY name",
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let mut rows: Vec<String> = sqlx::query(tables)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect();
    let migrations = sqlx::query(
        "SELECT version, description, CASE WHEN success THEN 1 ELSE 0 END AS ok \
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    rows.extend(migrations.iter().map(|r| {
        format!(
            "{} {} {}",
            r.get::<i64, _>("version"),
            r.get::<String, _>("description"),
            r.get::<i32, _>("ok")
        )
    }));
    pool.close().await;
    rows
}

async fn a_database_newer_than_the_binary_is_refused_and_never_altered(db: &TestDatabase) {
    // Migrated, less the newest migration (so a migration would have something to do),
    // plus one from the future.
    let store = db.store().await;
    store.close().await;
    let checksum = match db.backend {
        Backend::Sqlite => "X'00'",
        Backend::Postgres => "'\\x00'::bytea",
    };
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for sql in [
        "DELETE FROM _sqlx_migrations WHERE version = 16".to_owned(),
        format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from a newer Backline', TRUE, {checksum}, 0)"
        ),
    ] {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let before = snapshot(db).await;
    assert!(
        before.iter().any(|r| r == "9999 from a newer Backline 1"),
        "{before:?}"
    );

    for command in [vec!["migrate", "up"], vec!["org", "list"]] {
        let (ok, _, stderr) = cli(&db.url, &command).await;
        assert!(!ok, "{command:?} was not refused");
        assert!(
            stderr.contains("is at migration 9999, newer than this Backline knows (up to 17)")
                && stderr.contains("Nothing was changed"),
            "{command:?}: {stderr}"
        );
        assert_eq!(
            snapshot(db).await,
            before,
            "{command:?} changed the database"
        );
    }

    let out = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &db.url])
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("serve refuses at once instead of serving")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("newer than this Backline knows"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Backline listening"),
        "serve did not listen"
    );
    assert_eq!(snapshot(db).await, before, "serve changed the database");
}
