//! `backline restore`: puts a backup in place of a SQLite database, or refuses and changes
//! nothing. The server must be stopped (a database in use by another process is refused).
//!
//! Order: refusals that need no copying first (a target holding data without `--force`);
//! then the backup is copied beside the target and the copy checked (a SQLite database,
//! sound by `PRAGMA integrity_check`, Backline's, at a migration this binary knows); only
//! then is the target released (its WAL folded in, so no old WAL can be replayed onto the
//! new file) and the copy renamed over it, and the folder fsynced. The backup file itself is
//! only read.

use super::{folder_of, partial_name, put_in_place, remove_if_present, BackupError};
use backline_store::sql::backup::{holds_tables, inspect, release_for_replacement};
use backline_store::SchemaState;
use std::path::{Path, PathBuf};

/// What a restore did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Restored {
    /// The database file now holding the backup.
    pub path: PathBuf,
    /// Whether a database was there before (and was replaced).
    pub replaced: bool,
    /// The backup's newest migration; older ones are brought up to date by the next start.
    pub migration: Option<i64>,
}

/// What is at the path a restore would write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// No file, an empty one, or a database without tables.
    Empty,
    /// A database with tables.
    Database,
    /// A file SQLite cannot read as a database (a damaged one, say): replaced with `--force`
    /// like a database, without the release, which needs a readable database.
    Unreadable,
}

/// Restores the SQLite backup `from` into the database file `target`; see the module header.
pub async fn restore(from: &Path, target: &Path, force: bool) -> Result<Restored, BackupError> {
    std::fs::metadata(from).map_err(BackupError::io("read the backup", from))?;
    let found = match holds_tables(target).await {
        Ok(false) => Target::Empty,
        Ok(true) => Target::Database,
        Err(e) if e.is_unavailable() => return Err(BackupError::TargetInUse(target.to_owned())),
        Err(_) => Target::Unreadable,
    };
    if found != Target::Empty && !force {
        return Err(BackupError::TargetHoldsData(target.to_owned()));
    }
    let copy = partial_name(target, "restoring");
    let result = place(from, &copy, target, found).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&copy);
    }
    result
}

async fn place(
    from: &Path,
    copy: &Path,
    target: &Path,
    found: Target,
) -> Result<Restored, BackupError> {
    remove_if_present(copy)?;
    std::fs::copy(from, copy).map_err(BackupError::io("copy the backup beside", target))?;
    let schema = check(from, copy).await?;
    if target.exists() {
        if found != Target::Unreadable {
            release_for_replacement(target).await.map_err(|e| {
                if e.is_unavailable() {
                    BackupError::TargetInUse(target.to_owned())
                } else {
                    BackupError::Store(e)
                }
            })?;
        }
        // Released: the main file alone is the database. Side files of a crashed process
        // would be applied to the new file; none may stay.
        for suffix in ["-wal", "-shm"] {
            let mut side = target.as_os_str().to_owned();
            side.push(suffix);
            remove_if_present(Path::new(&side))?;
        }
    }
    let (copy, to) = (copy.to_owned(), target.to_owned());
    tokio::task::spawn_blocking(move || put_in_place(&copy, &to))
        .await
        .map_err(|e| BackupError::Io {
            action: "restore",
            path: folder_of(target),
            cause: std::io::Error::other(e),
        })??;
    Ok(Restored {
        path: target.to_owned(),
        replaced: found != Target::Empty,
        migration: schema.latest_applied(),
    })
}

/// Checks the private `copy` of the backup `from`: a sound Backline database at a migration
/// this binary knows.
async fn check(from: &Path, copy: &Path) -> Result<SchemaState, BackupError> {
    let report = inspect(copy).await.map_err(|e| BackupError::NotADatabase {
        path: from.to_owned(),
        reason: e.to_string(),
    })?;
    if !report.problems.is_empty() {
        return Err(BackupError::Damaged {
            path: from.to_owned(),
            problems: report.problems,
        });
    }
    if !report.is_backline() {
        return Err(BackupError::NotBackline {
            path: from.to_owned(),
        });
    }
    if let Some(backup) = report.schema.newer_than_known() {
        return Err(BackupError::BackupNewer {
            path: from.to_owned(),
            backup,
            known: report.schema.latest_known(),
        });
    }
    Ok(report.schema)
}
