//! `[retention]`: how long rows that grow with use are kept (`core/retention.rs`), how often
//! and in what batches they are pruned. Every period is a number and a unit (`"365d"`,
//! `"12h"`), a number of seconds, or `"forever"` (also `0`): that kind is never pruned.

use super::backup::Every;
use super::ConfigError;
use crate::core::retention::RetentionSettings;
use backline_store::PruneKind;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A retention period as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Period {
    Seconds(u64),
    Text(String),
}

impl Period {
    fn days(days: u64) -> Self {
        Self::Text(format!("{days}d"))
    }

    /// Seconds to keep, `None` for forever, or what is wrong with it.
    pub fn seconds(&self) -> Result<Option<i64>, String> {
        let seconds = match self {
            Self::Text(t) if matches!(t.trim(), "forever" | "0") => return Ok(None),
            Self::Text(t) => Every::Text(t.clone())
                .duration()
                .map_err(|p| format!("{p}; or \"forever\" to keep every row"))?,
            Self::Seconds(s) => Duration::from_secs(*s),
        };
        match seconds.as_secs() {
            0 => Ok(None),
            s => i64::try_from(s)
                .map(Some)
                .map_err(|_| "is too long".to_owned()),
        }
    }
}

/// The longest batch: a statement deleting more holds its locks too long.
pub const MAX_BATCH: i64 = 10_000;
/// The shortest interval between passes.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);

/// Retention of the rows that grow with use.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Audit log entries, from when they were written.
    pub audit: Period,
    /// Finished and failed executions, from when they finished (queued and leased ones are
    /// never pruned).
    pub executions: Period,
    /// Ended EVR matches, from when they ended.
    pub evr_matches: Period,
    /// Link tokens, from when they expired (a used token was used before that).
    pub link_tokens: Period,
    /// Revocations of Nakama tokens and console sessions, from when they expired: the margin
    /// after which an expired row has no use.
    pub expired_sessions: Period,
    /// Time between passes.
    pub interval: Every,
    /// Rows one statement deletes at most.
    pub batch: i64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            audit: Period::days(365),
            executions: Period::days(90),
            evr_matches: Period::days(30),
            link_tokens: Period::days(7),
            expired_sessions: Period::days(1),
            interval: Every::Text("10m".into()),
            batch: 500,
        }
    }
}

impl RetentionConfig {
    /// The settings the retention pass runs with; validated.
    pub fn settings(&self) -> Result<RetentionSettings, ConfigError> {
        let invalid = |field, problem: String| ConfigError::Invalid { field, problem };
        let period = |field, period: &Period| period.seconds().map_err(|p| invalid(field, p));
        let interval = self
            .interval
            .duration()
            .map_err(|p| invalid("retention.interval", p))?;
        if interval < MIN_INTERVAL {
            return Err(invalid(
                "retention.interval",
                format!(
                    "{} s is too often: at least 10 s (\"10m\" is the default)",
                    interval.as_secs()
                ),
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch) {
            return Err(invalid(
                "retention.batch",
                format!("must be 1 to {MAX_BATCH} rows (500 is the default)"),
            ));
        }
        let sessions = period("retention.expired_sessions", &self.expired_sessions)?;
        Ok(RetentionSettings {
            interval,
            batch: self.batch,
            keep: vec![
                (PruneKind::Audit, period("retention.audit", &self.audit)?),
                (
                    PruneKind::Executions,
                    period("retention.executions", &self.executions)?,
                ),
                (
                    PruneKind::EvrMatches,
                    period("retention.evr_matches", &self.evr_matches)?,
                ),
                (
                    PruneKind::LinkTokens,
                    period("retention.link_tokens", &self.link_tokens)?,
                ),
                (PruneKind::Revocations, sessions),
                (PruneKind::ConsoleSessions, sessions),
                // Expired idempotency keys are always forgotten: their lifetime is their
                // retention (`core/idempotency.rs`).
                (PruneKind::IdempotencyKeys, Some(0)),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_take_a_unit_seconds_or_forever() {
        let text = |s: &str| Period::Text(s.into()).seconds();
        assert_eq!(text("365d"), Ok(Some(365 * 86_400)));
        assert_eq!(text("12h"), Ok(Some(12 * 3600)));
        assert_eq!(text("forever"), Ok(None));
        assert_eq!(text("0"), Ok(None));
        assert_eq!(Period::Seconds(0).seconds(), Ok(None));
        assert_eq!(Period::Seconds(90).seconds(), Ok(Some(90)));
        assert!(text("a year").unwrap_err().contains("forever"));
        assert!(text("3w").unwrap_err().contains("not a unit"));
    }

    #[test]
    fn the_defaults_keep_what_the_documentation_says() {
        let settings = RetentionConfig::default().settings().unwrap();
        assert_eq!(settings.interval, Duration::from_secs(600));
        assert_eq!(settings.batch, 500);
        let day = 86_400;
        assert_eq!(
            settings.keep,
            vec![
                (PruneKind::Audit, Some(365 * day)),
                (PruneKind::Executions, Some(90 * day)),
                (PruneKind::EvrMatches, Some(30 * day)),
                (PruneKind::LinkTokens, Some(7 * day)),
                (PruneKind::Revocations, Some(day)),
                (PruneKind::ConsoleSessions, Some(day)),
                (PruneKind::IdempotencyKeys, Some(0)),
            ]
        );
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let refused = |config: RetentionConfig| match config.settings() {
            Err(ConfigError::Invalid { field, problem }) => format!("{field}: {problem}"),
            other => panic!("{other:?}"),
        };
        let mut c = RetentionConfig {
            batch: 0,
            ..RetentionConfig::default()
        };
        assert!(refused(c.clone()).starts_with("retention.batch"));
        c.batch = 500;
        c.interval = Every::Seconds(5);
        assert!(refused(c.clone()).starts_with("retention.interval"));
        c.interval = Every::Text("1h".into());
        c.audit = Period::Text("1 year".into());
        assert!(refused(c).starts_with("retention.audit"));
    }
}
