//! Fresh databases for tests: a SQLite file in a temporary folder, or a new PostgreSQL
//! database on the server named by `TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped again when the test is done.
//!
//! When PostgreSQL cannot be reached, PostgreSQL tests are skipped with a message, except
//! with `CI=true`, where that is a failure.
//!
//! A PostgreSQL database is dropped when its [`TestDatabase`] is, also while a failed test
//! unwinds: [`TestDatabase::drop_database`] is the tidy way at the end of a story, `Drop` the
//! net under it. [`stories!`](crate::stories) declares a story once per backend.

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
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Already dropped by [`TestDatabase::drop_database`].
    Done,
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

    /// The name of the PostgreSQL database; `None` for SQLite.
    pub fn postgres_name(&self) -> Option<&str> {
        match &self.cleanup {
            Cleanup::Postgres { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Drops a PostgreSQL database now, on the caller's runtime (the SQLite folder goes with
    /// `self`). Dropping `self` without calling this drops it too, from a thread of its own.
    pub async fn drop_database(mut self) {
        if let Cleanup::Postgres { admin_url, name } =
            std::mem::replace(&mut self.cleanup, Cleanup::Done)
        {
            drop_postgres(&admin_url, &name).await;
        }
    }
}

impl Drop for TestDatabase {
    /// A story that panicked never reached [`TestDatabase::drop_database`]: drop the
    /// PostgreSQL database here. This may run inside the test's runtime, on a thread that
    /// must not block on it (and while it unwinds), so the drop runs on a short-lived thread
    /// with a runtime of its own; `WITH (FORCE)` ends the connections the test left open.
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } =
            std::mem::replace(&mut self.cleanup, Cleanup::Done)
        else {
            return;
        };
        let dropper =
            std::thread::spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(drop_postgres(&admin_url, &name)),
                    Err(e) => eprintln!("test database {name} left behind: no runtime ({e})"),
                }
            });
        let _ = dropper.join();
    }
}

/// `DROP DATABASE … WITH (FORCE)` on the server of `admin_url`; a failure is reported, not
/// raised (the test has its own outcome to report).
async fn drop_postgres(admin_url: &str, name: &str) {
    let dropped = async {
        let mut conn = sqlx::PgConnection::connect(admin_url).await?;
        conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await?;
        conn.close().await
    };
    if let Err(e) = dropped.await {
        eprintln!("test database {name} left behind: {e}");
    }
}

/// Whether a database named `name` exists on the PostgreSQL server of `TEST_POSTGRES_URL`:
/// for the tests of this harness, which check that a failed story leaves none behind.
pub async fn postgres_database_exists(name: &str) -> bool {
    let mut conn = sqlx::PgConnection::connect(&admin_url())
        .await
        .expect("connect to PostgreSQL as admin");
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .expect("read pg_database");
    let _ = conn.close().await;
    found.is_some()
}

/// Declares each story once per backend, as `story::sqlite` and `story::postgres`: a
/// `#[tokio::test]` on a multi-threaded runtime (two workers) that awaits
/// `run(backend, story)`, or `run(backend, setup, story)` when a setup is given.
///
/// `run` is the suite's harness (it makes the fresh database, and the server when there is
/// one, and returns early when PostgreSQL is unreachable outside CI); `setup` is any
/// expression it takes besides (a configuration change, say). Both are resolved in the
/// module that declares the stories, as are the stories, which are functions there.
///
/// ```ignore
/// backline_store::stories!(crate::with_store => keys_are_found_by_hash, revoked_keys_are_not);
/// backline_store::stories!(crate::helpers::with_configured_app, guessing => wrong_keys_are_limited);
/// ```
#[macro_export]
macro_rules! stories {
    (@one [$run:path] [$($setup:expr)?] $story:ident) => {
        mod $story {
            #[allow(unused_imports)]
            use super::*;

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $run($crate::Backend::Sqlite, $($setup,)? super::$story).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $run($crate::Backend::Postgres, $($setup,)? super::$story).await
            }
        }
    };
    ($run:path => $($story:ident),+ $(,)?) => {
        $($crate::stories!(@one [$run] [] $story);)+
    };
    ($run:path, $setup:expr => $($story:ident),+ $(,)?) => {
        $($crate::stories!(@one [$run] [$setup] $story);)+
    };
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
