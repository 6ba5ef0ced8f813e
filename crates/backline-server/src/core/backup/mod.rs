//! Backups of a SQLite database, for one server running for a year: a consistent copy taken
//! while the server runs and writes (`backline backup`, and the schedule of `[backup]`), and
//! putting one back (`backline restore`). A copy is written under a temporary name beside
//! its destination, fsynced, renamed into place and its folder fsynced, so a destination
//! holds a whole backup or nothing, whatever crashes.
//!
//! PostgreSQL has its own tools for this, `pg_dump -Fc` and `pg_restore`
//! (docs/operations.md, "Backups and restore"): both commands refuse a PostgreSQL URL and
//! say so ([`BackupError::PostgresUsesPgDump`]), and the schedule does nothing there.

pub mod restore;
pub mod schedule;

use backline_store::{Backend, SqlStore, StoreError};
use std::io;
use std::path::{Path, PathBuf};

/// What a backup or a restore refused or failed at. The `Display` is the sentence the CLI
/// prints and the logs show.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database is PostgreSQL, whose own tools do this.
    #[error(
        "backups of PostgreSQL are made with its own tools: `pg_dump -Fc --file FILE DATABASE_URL` \
         and `pg_restore --dbname DATABASE_URL FILE` (see docs/operations.md, \"Backups and restore\")"
    )]
    PostgresUsesPgDump,
    /// The database URL names no file (`sqlite::memory:`, an empty path).
    #[error("`{0}` names no SQLite file")]
    NoFile(String),
    /// There is no database to back up at the configured path.
    #[error("there is no database at {}", .0.display())]
    NoDatabase(PathBuf),
    /// The destination of a backup exists already; nothing was written.
    #[error("{} exists already: choose a new name (a backup never overwrites a file)", .0.display())]
    DestinationExists(PathBuf),
    /// A file operation failed.
    #[error("cannot {action} {}: {cause}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        cause: io::Error,
    },
    /// The file to restore is not a SQLite database (SQLite's words).
    #[error("{} is not a SQLite database: {reason}", .path.display())]
    NotADatabase { path: PathBuf, reason: String },
    /// The file to restore is a SQLite database that fails its integrity check.
    #[error("{} is damaged (integrity check: {})", .path.display(), .problems.join("; "))]
    Damaged {
        path: PathBuf,
        problems: Vec<String>,
    },
    /// The file to restore is a SQLite database, but not Backline's.
    #[error("{} is a SQLite database but not a Backline database (no migrations or settings)", .path.display())]
    NotBackline { path: PathBuf },
    /// The backup was made by a newer Backline: this binary could not run on it.
    #[error(
        "{} is at migration {backup}, newer than this Backline knows (up to {known}): restore it \
         with the Backline version that made it, or a newer one",
        .path.display()
    )]
    BackupNewer {
        path: PathBuf,
        backup: i64,
        known: i64,
    },
    /// The database to replace holds data and `--force` was not given.
    #[error("{} holds a database; add --force to replace it with the backup", .0.display())]
    TargetHoldsData(PathBuf),
    /// The database to replace is open in another process.
    #[error(
        "{} is in use by another process (a running `backline serve`?): stop it, then restore",
        .0.display()
    )]
    TargetInUse(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BackupError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |cause| Self::Io {
            action,
            path,
            cause,
        }
    }
}

/// The file of a `sqlite:` database URL (`sqlite://backline.db`, `sqlite:///var/lib/x.db`,
/// query parameters dropped).
pub fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    if Backend::of_url(url) == Some(Backend::Postgres) {
        return Err(BackupError::PostgresUsesPgDump);
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| BackupError::NoFile(url.to_owned()))?;
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file == ":memory:" {
        return Err(BackupError::NoFile(url.to_owned()));
    }
    Ok(PathBuf::from(file))
}

/// What a backup wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Writes a consistent copy of the SQLite database of `store` to `to`, which must not exist:
/// `VACUUM INTO` a temporary file beside it, fsync, rename into place, fsync the folder.
/// Writers go on meanwhile; the copy holds every write committed before it began.
pub async fn write(store: &SqlStore, to: &Path) -> Result<Written, BackupError> {
    if store.backend() != Backend::Sqlite {
        return Err(BackupError::PostgresUsesPgDump);
    }
    if to.exists() {
        return Err(BackupError::DestinationExists(to.to_owned()));
    }
    let partial = partial_name(to, "partial");
    remove_if_present(&partial)?;
    if let Err(e) = store.vacuum_into(&partial).await {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    let (from, to) = (partial.clone(), to.to_owned());
    let finished = tokio::task::spawn_blocking(move || put_in_place(&from, &to)).await;
    match finished {
        Ok(Ok(written)) => Ok(written),
        Ok(Err(e)) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(BackupError::Io {
                action: "finish",
                path: partial,
                cause: io::Error::other(e),
            })
        }
    }
}

/// `.NAME.SUFFIX` beside `path`: a temporary name in the same folder (so the rename into
/// place is atomic), hidden, and never taken for a backup by the rotation.
fn partial_name(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backline.db".into());
    path.with_file_name(format!(".{name}.{suffix}"))
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(BackupError::io("remove", path)(e)),
        _ => Ok(()),
    }
}

/// fsyncs `from`, renames it to `to` and fsyncs their folder: after this returns, `to` is
/// the whole file on disk, also across a power loss.
fn put_in_place(from: &Path, to: &Path) -> Result<Written, BackupError> {
    let file = std::fs::File::open(from).map_err(BackupError::io("open", from))?;
    file.sync_all().map_err(BackupError::io("fsync", from))?;
    let bytes = file
        .metadata()
        .map_err(BackupError::io("read", from))?
        .len();
    drop(file);
    std::fs::rename(from, to).map_err(BackupError::io("rename into place", to))?;
    let folder = folder_of(to);
    std::fs::File::open(&folder)
        .and_then(|dir| dir.sync_all())
        .map_err(BackupError::io("fsync the folder", &folder))?;
    Ok(Written {
        path: to.to_owned(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file_and_others_are_refused() {
        assert_eq!(
            sqlite_path("sqlite://backline.db").unwrap(),
            PathBuf::from("backline.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/backline/b.db?mode=rwc").unwrap(),
            PathBuf::from("/var/lib/backline/b.db")
        );
        assert_eq!(sqlite_path("sqlite:x.db").unwrap(), PathBuf::from("x.db"));
        assert!(matches!(
            sqlite_path("postgres://u@h/db"),
            Err(BackupError::PostgresUsesPgDump)
        ));
        assert!(matches!(
            sqlite_path("sqlite::memory:"),
            Err(BackupError::NoFile(_))
        ));
    }

    #[test]
    fn temporary_names_are_hidden_beside_the_destination() {
        assert_eq!(
            partial_name(Path::new("/b/backline-1.db"), "partial"),
            PathBuf::from("/b/.backline-1.db.partial")
        );
        assert_eq!(folder_of(Path::new("x.db")), PathBuf::from("."));
    }
}
