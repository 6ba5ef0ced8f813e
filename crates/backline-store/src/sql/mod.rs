//! The SQL implementation of the store, for SQLite and PostgreSQL.
//!
//! SQLite gets a pool of readers and a single writer connection (WAL lets readers run beside
//! the writer; one writer means no `SQLITE_BUSY` inside this process, and `busy_timeout`
//! covers other processes such as the admin CLI). PostgreSQL uses one pool for both.

mod admin_tokens;
mod audit;
pub mod backup;
pub(crate) mod cache_counters;
mod console_sessions;
mod ember;
pub mod events;
mod evr;
mod evr_admin;
mod gauges;
mod idempotency;
mod keys;
mod matches;
mod orgs;
mod playercams;
mod players;
mod retention;
pub mod schema;
mod settings;
mod snapshot_queue;
mod snapshot_writes;
mod stats;
mod tokens;
mod users;

pub use snapshot_queue::SnapshotGroups;

use crate::{StoreError, StoreResult};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `database_url` names by its scheme.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Pool sizing.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// Connections to PostgreSQL, or SQLite reader connections.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// SQLite: how long a statement waits for a lock another process holds before it fails
    /// as unavailable (`busy_timeout`).
    pub busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// One applied or pending migration.
#[derive(Clone, Debug)]
pub struct MigrationState {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

/// The store over a SQLite file or a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct SqlStore {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// Match snapshots waiting to be committed together (group commit), shared by clones.
    snapshots: std::sync::Arc<snapshot_queue::SnapshotQueue>,
}

/// The migrations of `backend`.
fn migrator_of(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Adds `mode=rwc` so a missing SQLite file is created.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

fn sqlite_pragmas(busy_timeout: Duration) -> String {
    format!(
        "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON;",
        busy_timeout.as_millis()
    )
}

impl SqlStore {
    /// Connects to the database named by `url` (`sqlite:…` or `postgres://…`). Does not
    /// migrate: call [`SqlStore::migrate`].
    pub async fn connect(url: &str, options: &PoolOptions) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::UnsupportedUrl {
            scheme: url.split(':').next().unwrap_or_default().to_owned(),
        })?;
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(options.acquire_timeout)
        };
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let pragmas: std::sync::Arc<str> = sqlite_pragmas(options.busy_timeout).into();
                let with_pragmas = |p: AnyPoolOptions| {
                    let pragmas = pragmas.clone();
                    p.after_connect(move |conn, _| {
                        let pragmas = pragmas.clone();
                        Box::pin(async move {
                            conn.execute(&*pragmas).await?;
                            Ok(())
                        })
                    })
                };
                let write = with_pragmas(pool(1)).connect(&url).await?;
                let read = with_pragmas(pool(options.max_connections))
                    .connect(&url)
                    .await?;
                Ok(Self::new(read, write, backend))
            }
            Backend::Postgres => {
                let shared = pool(options.max_connections).connect(url).await?;
                Ok(Self::new(shared.clone(), shared, backend))
            }
        }
    }

    fn new(read: AnyPool, write: AnyPool, backend: Backend) -> Self {
        let snapshots = snapshot_queue::SnapshotQueue::new(write.clone(), backend);
        Self {
            read,
            write,
            backend,
            snapshots: std::sync::Arc::new(snapshots),
        }
    }

    /// How many match snapshots were committed together so far (see `snapshot_queue.rs`).
    pub fn snapshot_groups(&self) -> SnapshotGroups {
        self.snapshots.groups()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static Migrator {
        migrator_of(self.backend)
    }

    /// Applies pending migrations. On PostgreSQL the migrator holds an advisory lock, so
    /// several nodes starting at once apply each migration once. SQLite has no such lock:
    /// when processes start at once on a new file (a server and a command, say), the one
    /// whose migration loses the race fails it and, on a retry, finds it applied.
    ///
    /// A database migrated by a newer Backline (a migration this binary does not know) is
    /// refused with [`StoreError::SchemaNewer`] before anything is written.
    pub async fn migrate(&self) -> StoreResult<()> {
        self.refuse_newer_schema().await?;
        let attempts = match self.backend {
            Backend::Sqlite => 5,
            Backend::Postgres => 1,
        };
        let mut attempt = 1;
        loop {
            match self.migrator().run(&self.write).await {
                Ok(()) => return Ok(()),
                Err(_) if attempt < attempts => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Every known migration and whether it is applied.
    pub async fn migration_status(&self) -> StoreResult<Vec<MigrationState>> {
        let mut conn = self.write.acquire().await?;
        conn.ensure_migrations_table().await?;
        let applied = conn.list_applied_migrations().await?;
        Ok(self
            .migrator()
            .iter()
            .map(|m| MigrationState {
                version: m.version,
                description: m.description.to_string(),
                applied: applied.iter().any(|a| a.version == m.version),
            })
            .collect())
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// Starts a write transaction (see [`begin_write`]).
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        begin_write(&self.write, self.backend).await
    }
}

/// Starts a write transaction on `pool`. SQLite takes the write lock up front
/// (`BEGIN IMMEDIATE`) so a transaction that reads before it writes cannot fail to upgrade
/// its lock.
async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// Reads an optional unix-millisecond column as a timestamp.
fn opt_ts(row: &AnyRow, column: &str) -> StoreResult<Option<backline_domain::Timestamp>> {
    use sqlx::Row;
    Ok(row
        .try_get::<Option<i64>, _>(column)?
        .map(backline_domain::Timestamp::from_millis))
}

fn ts(row: &AnyRow, column: &str) -> StoreResult<backline_domain::Timestamp> {
    use sqlx::Row;
    Ok(backline_domain::Timestamp::from_millis(
        row.try_get::<i64, _>(column)?,
    ))
}

/// Turns a unique-constraint violation into `Conflict(what)`.
fn conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what()),
        _ => e.into(),
    }
}

/// SQL placeholders `$from, $from+1, …` for `count` values.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The keyset condition of a list ordered by `time` ascending, then `id`: rows after the key
/// bound as `$n` (the time in milliseconds, `NULL` for the first page) and `$n+1` (the id).
fn after_ascending(time: &str, id: &str, n: usize) -> String {
    let m = n + 1;
    format!("(${n} IS NULL OR {time} > ${n} OR ({time} = ${n} AND {id} > ${m}))")
}

/// The same for a list ordered by `time` descending (newest first), then `id` ascending.
fn after_descending(time: &str, id: &str, n: usize) -> String {
    let m = n + 1;
    format!("(${n} IS NULL OR {time} < ${n} OR ({time} = ${n} AND {id} > ${m}))")
}

/// Marks the row of `table` whose `column` is `value` revoked at `now` (an earlier revocation
/// stands) and answers it as `columns` read it: the one revocation of keys and tokens.
async fn revoke_row<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    (table, columns): (&str, &str),
    (column, value): (&str, &str),
    now: backline_domain::Timestamp,
) -> StoreResult<AnyRow> {
    let sql = format!(
        "UPDATE {table} SET revoked_at = COALESCE(revoked_at, $2) WHERE {column} = $1 \
         RETURNING {columns}"
    );
    sqlx::query(&sql)
        .bind(value)
        .bind(now.millis())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Which way a list ordered by a time (then by id, ascending) runs.
#[derive(Clone, Copy, Debug)]
enum TimeOrder {
    OldestFirst,
    NewestFirst,
}

/// One page of `select` (`SELECT … FROM table`, no `WHERE`) ordered by the columns `time` and
/// `id` in `order`, after the key of `seek`: the one keyset query of every plain list.
async fn time_page(
    pool: &AnyPool,
    select: &str,
    (time, id): (&str, &str),
    order: TimeOrder,
    seek: &crate::traits::Seek<crate::traits::TimeKey>,
) -> StoreResult<Vec<AnyRow>> {
    let (after, direction) = match order {
        TimeOrder::OldestFirst => (after_ascending(time, id, 1), ""),
        TimeOrder::NewestFirst => (after_descending(time, id, 1), " DESC"),
    };
    let sql = format!("{select} WHERE {after} ORDER BY {time}{direction}, {id} LIMIT $3");
    let (at, key) = seek_binds(seek);
    Ok(sqlx::query(&sql)
        .bind(at)
        .bind(key)
        .bind(seek.limit)
        .fetch_all(pool)
        .await?)
}

/// The time (milliseconds) and id of a seek's key, to bind for [`after_ascending`] /
/// [`after_descending`].
fn seek_binds(seek: &crate::traits::Seek<crate::traits::TimeKey>) -> (Option<i64>, Option<&str>) {
    match &seek.after {
        Some(key) => (Some(key.at.millis()), Some(key.id.as_str())),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;
    use crate::traits::BanStore;
    use backline_domain::ember::bans::BanIssuer;
    use backline_domain::ids::BanId;
    use std::borrow::Cow;

    /// Migration 15 stores who issued each ban. Bans from before it are an operator's when
    /// the audit log has an entry about them at their creation instant (operators' bans are
    /// audited in their own transaction, servers' are not), else a game server's; a later
    /// entry (a lift) does not make a server's ban an operator's.
    async fn bans_stored_before_their_issuer_are_told_apart_by_the_audit_log(backend: Backend) {
        let Some(db) = TestDatabase::create(backend).await else {
            return;
        };
        let store = SqlStore::connect(&db.url, &PoolOptions::default())
            .await
            .unwrap();
        let all = store.migrator();
        let before = Migrator {
            migrations: Cow::Owned(
                all.migrations
                    .iter()
                    .filter(|m| m.version < 15)
                    .cloned()
                    .collect(),
            ),
            ignore_missing: all.ignore_missing,
            locking: all.locking,
            no_tx: all.no_tx,
        };
        before.run(&store.write).await.unwrap();
        sqlx::query(
            "INSERT INTO users (id, username, created_at, updated_at) VALUES ('u1', 'u1', 1, 1)",
        )
        .execute(&store.write)
        .await
        .unwrap();
        for (id, lifted_at) in [
            ("by-operator", None),
            ("by-server", None),
            ("by-operator-lifted", Some(5_i64)),
            ("by-server-lifted-by-operator", Some(5_i64)),
        ] {
            sqlx::query(
                "INSERT INTO ember_bans (id, user_id, source, account_id, scope, reason, created_at, lifted_at) \
                 VALUES ($1, 'u1', 'steam', '1', 'global', 'r', 1, $2)",
            )
            .bind(id)
            .bind(lifted_at)
            .execute(&store.write)
            .await
            .unwrap();
        }
        for (at, action, entity) in [
            (1_i64, "POST /admin/v1/bans", "by-operator"),
            (1, "console: ban", "by-operator-lifted"),
            (5, "POST /admin/v1/bans/{id}/lift", "by-operator-lifted"),
            (
                5,
                "POST /admin/v1/bans/{id}/lift",
                "by-server-lifted-by-operator",
            ),
        ] {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, source) \
                 VALUES ($1, 'owner', $2, 'bans', $3, 'admin')",
            )
            .bind(at)
            .bind(action)
            .bind(entity)
            .execute(&store.write)
            .await
            .unwrap();
        }
        store.migrate().await.unwrap();
        for (id, issuer) in [
            ("by-operator", BanIssuer::Operator),
            ("by-server", BanIssuer::Server),
            ("by-operator-lifted", BanIssuer::Operator),
            ("by-server-lifted-by-operator", BanIssuer::Server),
        ] {
            let ban = store
                .get_ban(&BanId::from_string(id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(ban.issued_by, issuer, "{id}");
        }
        store.close().await;
        db.drop_database().await;
    }

    #[tokio::test]
    async fn sqlite_bans_stored_before_their_issuer_are_told_apart_by_the_audit_log() {
        bans_stored_before_their_issuer_are_told_apart_by_the_audit_log(Backend::Sqlite).await
    }

    #[tokio::test]
    async fn postgres_bans_stored_before_their_issuer_are_told_apart_by_the_audit_log() {
        bans_stored_before_their_issuer_are_told_apart_by_the_audit_log(Backend::Postgres).await
    }
}
