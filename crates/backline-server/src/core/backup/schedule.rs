//! Scheduled backups of a SQLite database (`[backup]` in the configuration): every `every`
//! the server writes `backline-YYYYMMDDTHHMMSSZ.db` into `dir` (through [`super::write`])
//! and deletes the oldest of its own files so that `keep` remain. Files of other names in
//! `dir` are never touched.
//!
//! Time is the core's [`Clock`], so tests advance it instead of waiting; a real-time tick
//! ([`CHECK_INTERVAL`]) only decides how soon a due backup is noticed. The schedule
//! survives restarts: the next backup is due `every` after the newest file in `dir` (at
//! once when there is none). On PostgreSQL the server does not run it (`pg_dump` is the
//! path there, and several nodes would each write one).

use super::BackupError;
use backline_domain::{Clock, Timestamp};
use backline_store::SqlStore;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// How often the schedule looks whether a backup is due.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// When a backup failed, how long until the next try (at most `every`).
const RETRY_AFTER: Duration = Duration::from_secs(60);

const PREFIX: &str = "backline-";
const SUFFIX: &str = ".db";

/// The schedule, from the configuration's `[backup]`.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Time between backups.
    pub every: Duration,
    /// Backups kept in `dir` (the newest).
    pub keep: usize,
    /// Where they are written.
    pub dir: PathBuf,
}

/// The file name of a backup taken at `at`, e.g. `backline-20261207T120000Z.db`: sorting
/// the names sorts the backups by time.
pub fn file_name(at: Timestamp) -> String {
    let at = OffsetDateTime::from_unix_timestamp(at.millis().div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let stamp = at
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    format!("{PREFIX}{stamp}{SUFFIX}")
}

/// The instant a backup's file name tells; `None` for any other name.
fn taken_at(name: &str) -> Option<Timestamp> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let at = PrimitiveDateTime::parse(
        stamp,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .ok()?;
    Some(Timestamp::from_millis(
        at.assume_utc().unix_timestamp() * 1000,
    ))
}

/// The backups in `dir`, oldest first (a missing folder holds none).
pub fn backups_in(dir: &Path) -> Result<Vec<(Timestamp, PathBuf)>, BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other.map_err(BackupError::io("list", dir))?,
    };
    let mut found: Vec<_> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let at = taken_at(e.file_name().to_str()?)?;
            Some((at, e.path()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Deletes the oldest backups in `dir` so that `keep` remain; the files deleted.
pub fn rotate(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, BackupError> {
    let found = backups_in(dir)?;
    let excess = found.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for (_, path) in found.into_iter().take(excess) {
        std::fs::remove_file(&path).map_err(BackupError::io("remove", &path))?;
        removed.push(path);
    }
    Ok(removed)
}

/// One backup into `schedule.dir` named by `now`, then the rotation.
pub async fn take(
    store: &SqlStore,
    schedule: &Schedule,
    now: Timestamp,
) -> Result<super::Written, BackupError> {
    std::fs::create_dir_all(&schedule.dir).map_err(BackupError::io("create", &schedule.dir))?;
    let written = super::write(store, &schedule.dir.join(file_name(now))).await?;
    rotate(&schedule.dir, schedule.keep)?;
    Ok(written)
}

/// Runs the schedule until `stop` resolves (a supervised background task of the server).
/// A failed backup is logged and tried again a minute later (or `every`, when shorter).
pub async fn run(
    store: SqlStore,
    clock: Clock,
    schedule: Schedule,
    stop: impl Future<Output = ()>,
) {
    let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let later = |at: Timestamp, by: Duration| {
        Timestamp::from_millis(at.millis().saturating_add(millis(by)))
    };
    let mut due = match backups_in(&schedule.dir) {
        Ok(found) => found.last().map(|(at, _)| later(*at, schedule.every)),
        Err(e) => {
            tracing::error!(error = %e, "scheduled backups: cannot read the backup folder");
            None
        }
    }
    .unwrap_or_else(|| clock.now());
    let mut ticker = tokio::time::interval(CHECK_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = ticker.tick() => {}
        }
        let now = clock.now();
        if now < due {
            continue;
        }
        due = match take(&store, &schedule, now).await {
            Ok(written) => {
                tracing::info!(path = %written.path.display(), bytes = written.bytes, "backup written");
                later(now, schedule.every)
            }
            Err(e) => {
                tracing::error!(error = %e, "scheduled backup failed");
                later(now, RETRY_AFTER.min(schedule.every))
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_read_back() {
        let at = Timestamp::parse_rfc3339("2026-12-07T09:05:03.250Z").unwrap();
        let name = file_name(at);
        assert_eq!(name, "backline-20261207T090503Z.db");
        assert_eq!(taken_at(&name).unwrap().millis(), at.millis() - 250);
        assert!(file_name(at) < file_name(at.plus_seconds(3600)));
        for other in [
            "backline.db",
            ".backline-20261207T090503Z.db.partial",
            "backline-20261207T090503Z.db-wal",
            "notes.txt",
        ] {
            assert_eq!(taken_at(other), None, "{other}");
        }
    }
}
