//! SQLite files as whole things: a consistent copy of a live database (`VACUUM INTO`), and
//! what `backline restore` must know about a file before it puts it in place of another
//! (is it a sound Backline database, at which migration, does the target hold data, may it
//! be replaced now). The file handling around them (temporary names, renames, fsync,
//! rotation) is the server's (`backline-server/src/core/backup/`); the SQL is here.

use super::{Backend, SqlStore};
use crate::traits::SchemaState;
use crate::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::path::Path;
use std::time::Duration;

impl SqlStore {
    /// Writes a consistent copy of this SQLite database to `path`, which must not exist:
    /// `VACUUM INTO` reads one snapshot in a read transaction (WAL lets writers go on
    /// meanwhile) and writes it compacted, without the WAL. The copy is not fsynced here.
    pub async fn vacuum_into(&self, path: &Path) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::SqliteOnly {
                what: "VACUUM INTO",
            });
        }
        let path = path.to_str().ok_or_else(|| {
            StoreError::Corrupt(format!("{} is not a UTF-8 path", path.display()))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.read)
            .await?;
        Ok(())
    }
}

/// What a SQLite file holds, as far as a restore needs to know.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// `PRAGMA integrity_check`'s findings; empty when the file is sound.
    pub problems: Vec<String>,
    /// Tables in the file (its own and sqlx's migrations table).
    pub tables: Vec<String>,
    /// Its migrations against this binary's (SQLite's).
    pub schema: SchemaState,
}

impl FileReport {
    /// Whether it looks like a Backline database: migrated, with Backline's settings table.
    pub fn is_backline(&self) -> bool {
        let has = |t: &str| self.tables.iter().any(|n| n == t);
        has("_sqlx_migrations") && has("settings") && self.schema.latest_applied().is_some()
    }
}

/// Why a file could not be read as a SQLite database at all.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotADatabase(String);

async fn open(path: &Path, read_only: bool) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false)
        // A file being restored is our own copy: no WAL, so closing leaves no side files.
        .journal_mode(SqliteJournalMode::Delete)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await
}

/// Checks the SQLite file at `path` (a private copy: opening it may set its journal mode):
/// runs `PRAGMA integrity_check` and reads its tables and migrations. A file that is not a
/// SQLite database at all is an `Err` with SQLite's words.
pub async fn inspect(path: &Path) -> Result<FileReport, NotADatabase> {
    let words = |e: sqlx::Error| NotADatabase(e.to_string());
    let mut conn = open(path, false).await.map_err(words)?;
    let report = async {
        let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await?
            .into_iter()
            .filter(|line: &String| line != "ok")
            .collect();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&mut conn)
                .await?;
        let applied = if tables.iter().any(|t| t == "_sqlx_migrations") {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&mut conn)
            .await?
        } else {
            Vec::new()
        };
        Ok::<_, sqlx::Error>(FileReport {
            problems,
            tables,
            schema: SchemaState {
                applied,
                known: super::schema::known_versions(Backend::Sqlite),
            },
        })
    }
    .await;
    let _ = conn.close().await;
    report.map_err(words)
}

/// Whether the SQLite file at `path` holds any table (a missing or empty file holds none).
/// Opens it read-only.
pub async fn holds_tables(path: &Path) -> StoreResult<bool> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Ok(m) if m.len() == 0 => return Ok(false),
        _ => {}
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(Duration::from_secs(1))
        .connect()
        .await?;
    let tables: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
            .fetch_one(&mut conn)
            .await;
    let _ = conn.close().await;
    Ok(tables? > 0)
}

/// Makes the live SQLite database at `path` safe to replace by a rename: takes it in
/// exclusive locking mode (which fails at once, as [`StoreError::Unavailable`], while
/// another connection holds it: a running server, a command), moves the whole WAL into the
/// main file and truncates it, and closes, which removes the WAL and its index. After this
/// the file alone is the database, so no WAL of the old database can be replayed onto the
/// one renamed in its place.
pub async fn release_for_replacement(path: &Path) -> StoreResult<()> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await?;
    let released = async {
        // The first write takes the exclusive lock and keeps it (locking_mode).
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await?;
        sqlx::query("COMMIT").execute(&mut conn).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await?;
        sqlx::query("PRAGMA journal_mode = DELETE")
            .execute(&mut conn)
            .await?;
        Ok::<_, sqlx::Error>(())
    }
    .await;
    let _ = conn.close().await;
    Ok(released?)
}
