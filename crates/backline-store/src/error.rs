//! The one error type of the store, and the one place where database errors are sorted into
//! "the database cannot be used right now" and everything else.

use sqlx::error::DatabaseError;

/// What can go wrong in a unit of work against the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the caller named does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (what, in the message).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database URL names no backend this store has (the scheme it named).
    #[error("unsupported database URL scheme in `{scheme}`: use sqlite://FILE or postgres://…")]
    UnsupportedUrl { scheme: String },
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database cannot be used right now: no connection within the pool's timeout, the
    /// connection refused, closed or broken, an I/O error, the server shutting down or out of
    /// connections, SQLite busy or locked by another process. Worth retrying later; the
    /// caller's request was not at fault. See [`is_unavailable`].
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database error (a bug, a constraint, a broken statement).
    #[error(transparent)]
    Database(sqlx::Error),
    /// The database was migrated by a newer Backline: its newest migration is `database`,
    /// this binary knows migrations up to `known`. Nothing was changed.
    #[error(
        "the database's schema is at migration {database}, newer than this Backline knows \
         (up to {known}): a newer version of Backline has used it. Nothing was changed; run \
         a Backline at least as new, or restore a backup made by this version"
    )]
    SchemaNewer { database: i64, known: i64 },
    /// An operation only SQLite has (`what`), asked of PostgreSQL.
    #[error("{what} is for SQLite databases only")]
    SqliteOnly { what: &'static str },
    #[error(transparent)]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the database could not be used at all (see [`StoreError::Unavailable`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            Self::Unavailable(e)
        } else {
            Self::Database(e)
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether `e` says the database cannot be used right now, rather than that this statement
/// is wrong.
///
/// - the pool: timed out waiting for a connection, closed, its worker gone;
/// - the transport: any I/O or TLS error (refused, reset, closed, unexpected end);
/// - PostgreSQL: a `FATAL`/`PANIC` error (the session is over: the database refuses
///   connections, the backend was terminated, authentication failed), and the SQLSTATE classes
///   `08` connection exception, `53` insufficient resources, `57P01..57P03` shutdown or
///   cannot connect now, `58` system error;
/// - SQLite: `SQLITE_BUSY`, `SQLITE_LOCKED` (another connection held the lock longer than
///   `busy_timeout`), `SQLITE_IOERR`, `SQLITE_CANTOPEN`, `SQLITE_FULL` (the disk is full).
///
/// Everything else (constraint violations, syntax, a corrupt or foreign file) is a plain
/// [`StoreError::Database`]: retrying would not help.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => database_unavailable(db.as_ref()),
        _ => false,
    }
}

fn database_unavailable(db: &dyn DatabaseError) -> bool {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        use sqlx::postgres::PgSeverity;
        let code = pg.code();
        return matches!(pg.severity(), PgSeverity::Fatal | PgSeverity::Panic)
            || code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("58")
            || matches!(code, "57P01" | "57P02" | "57P03");
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // The extended result code; its low byte is the primary code.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        // SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_IOERR 10, SQLITE_FULL 13, SQLITE_CANTOPEN 14.
        return matches!(primary, Some(5 | 6 | 10 | 13 | 14));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_transport_failures_are_unavailable_and_others_are_not() {
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::WorkerCrashed,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            assert!(StoreError::from(e).is_unavailable());
        }
        for e in [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("x".into()),
            sqlx::Error::Protocol("bad message".into()),
        ] {
            assert!(!StoreError::from(e).is_unavailable());
        }
    }
}
