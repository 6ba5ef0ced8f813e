//! Fresh databases for tests: a SQLite file in a temporary folder, or a new PostgreSQL
//! database on the server named by `TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped again when the test is done.
//!
//! When PostgreSQL cannot be reached, PostgreSQL tests are skipped with a message, except
//! with `CI=true`, where that is a failure.

use crate::{Backend, PoolOptions, SqlStore};
use sqlx::{Connection, Executor};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

impl TestDatabase {
    /// A new empty database of `backend`; `None` when PostgreSQL is unreachable outside CI.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}", dir.path().join("backline.db").display());
                Some(Self {
                    url,
                    backend,
                    cleanup: Cleanup::Sqlite(dir),
                })
            }
            Backend::Postgres => {
                let admin_url = admin_url();
                let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
                    Ok(conn) => conn,
                    Err(e) if !in_ci() => {
                        eprintln!("skipping a PostgreSQL test: {admin_url} unreachable ({e})");
                        return None;
                    }
                    Err(e) => panic!("PostgreSQL at {admin_url} is unreachable and CI=true: {e}"),
                };
                let name = format!("backline_test_{}", uuid::Uuid::new_v4().simple());
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("CREATE DATABASE");
                let _ = conn.close().await;
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                let url = format!("{base}/{name}");
                Some(Self {
                    url,
                    backend,
                    cleanup: Cleanup::Postgres { admin_url, name },
                })
            }
        }
    }

    /// A migrated store over this database.
    pub async fn store(&self) -> SqlStore {
        let store = SqlStore::connect(&self.url, &PoolOptions::default())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    /// Takes a PostgreSQL database away from everyone connected to it (new connections are
    /// refused, open ones terminated) until [`Outage::restore`]: a real outage for tests of
    /// what the server answers then. `None` for SQLite, which has no server to refuse.
    pub async fn cut_off(&self) -> Option<Outage> {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return None;
        };
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL as admin");
        admin
            .execute(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false").as_str())
            .await
            .expect("refuse connections");
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .execute(&mut admin)
        .await
        .expect("terminate connections");
        Some(Outage {
            admin,
            name: name.clone(),
        })
    }

    /// Drops a PostgreSQL database (the SQLite folder goes with `self`).
    pub async fn drop_database(self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
                let _ = conn
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
                let _ = conn.close().await;
            }
        }
    }
}

/// A PostgreSQL database refusing connections, from [`TestDatabase::cut_off`].
pub struct Outage {
    admin: sqlx::PgConnection,
    name: String,
}

impl Outage {
    /// Lets connections in again.
    pub async fn restore(mut self) {
        self.admin
            .execute(format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", self.name).as_str())
            .await
            .expect("allow connections again");
        let _ = self.admin.close().await;
    }
}
