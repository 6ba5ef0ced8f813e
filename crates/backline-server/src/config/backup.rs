//! `[backup]`: scheduled backups of a SQLite database (`core/backup/schedule.rs`). Off by
//! default; `every` turns them on and needs `dir`.

use super::ConfigError;
use crate::core::backup::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// The shortest schedule: a backup copies the whole database.
pub const MIN_EVERY: Duration = Duration::from_secs(60);

/// Scheduled backups (SQLite only; the server does nothing with them on PostgreSQL).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Time between backups: a number and a unit, `s`, `m`, `h` or `d` (`30m`, `6h`, `1d`),
    /// or a number of seconds. Unset: no scheduled backups.
    pub every: Option<Every>,
    /// How many backups to keep in `dir` (the newest); older ones are deleted. Default 7.
    pub keep: Option<usize>,
    /// The folder backups are written to (created when missing).
    pub dir: Option<PathBuf>,
}

/// `backup.every` as written: text with a unit, or seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Every {
    Seconds(u64),
    Text(String),
}

/// How many backups are kept when `keep` is unset.
pub const DEFAULT_KEEP: usize = 7;

impl Every {
    /// The duration written, or what is wrong with it.
    pub fn duration(&self) -> Result<Duration, String> {
        let text = match self {
            Self::Seconds(s) => return Ok(Duration::from_secs(*s)),
            Self::Text(t) => t.trim(),
        };
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a number and a unit such as 30m, 6h or 1d"))?;
        let seconds = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            other => {
                return Err(format!(
                    "`{other}` in `{text}` is not a unit: use s, m, h or d (30m, 6h, 1d)"
                ))
            }
        };
        number
            .checked_mul(seconds)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("`{text}` is too long"))
    }
}

impl BackupConfig {
    /// The schedule, when `every` is set; validated.
    pub fn schedule(&self) -> Result<Option<Schedule>, ConfigError> {
        let invalid = |field, problem: String| ConfigError::Invalid { field, problem };
        let keep = self.keep.unwrap_or(DEFAULT_KEEP);
        if keep == 0 {
            return Err(invalid(
                "backup.keep",
                "must be at least 1 (the backup just written)".into(),
            ));
        }
        let Some(every) = &self.every else {
            if self.dir.is_some() || self.keep.is_some() {
                return Err(invalid(
                    "backup.every",
                    "is needed to schedule backups (e.g. \"6h\"); or remove backup.dir and backup.keep".into(),
                ));
            }
            return Ok(None);
        };
        let every = every.duration().map_err(|p| invalid("backup.every", p))?;
        if every < MIN_EVERY {
            return Err(invalid(
                "backup.every",
                format!(
                    "{} s is too often: at least 60 s (\"1m\"); a backup copies the whole database",
                    every.as_secs()
                ),
            ));
        }
        let dir = match &self.dir {
            Some(dir) if !dir.as_os_str().is_empty() => dir.clone(),
            _ => {
                return Err(invalid(
                    "backup.dir",
                    "is needed with backup.every: the folder backups are written to".into(),
                ))
            }
        };
        Ok(Some(Schedule { every, keep, dir }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_take_a_unit_or_seconds() {
        let d = |s: &str| Every::Text(s.into()).duration();
        assert_eq!(d("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(d("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(d("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(d("90"), Ok(Duration::from_secs(90)));
        assert_eq!(Every::Seconds(120).duration(), Ok(Duration::from_secs(120)));
        assert!(d("6 hours").unwrap_err().contains("not a unit"));
        assert!(d("h").unwrap_err().contains("not a number"));
        assert!(d("-1h").is_err());
    }
}
