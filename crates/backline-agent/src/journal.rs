//! The at-most-once journal: what the agent did with each execution Backline handed it,
//! kept in SQLite in the state directory so that it survives a crash.
//!
//! An execution goes `started` → `done` → `acknowledged`:
//!
//! 1. **`started`** is written and synced *before* the command is sent to the game
//!    ([`Journal::begin`] answers [`Begin::Fresh`]; only then may it be sent).
//! 2. **`done`**, with the result (success, or the error text), once the game answered or
//!    failed ([`Journal::finish`]).
//! 3. **`acknowledged`** once Backline accepted the `finish` ([`Journal::acknowledge`]).
//!    Until then [`Journal::pending_finishes`] lists it, to be sent again.
//!
//! An execution found `started` when the journal is opened was being sent when the previous
//! agent stopped: the game may or may not have run it. It is **never sent again**; opening
//! marks it `done` with the error [`OUTCOME_UNKNOWN`], so Backline hears about it (and an
//! operator can decide) through the same pending-finish path. A `begin` of an execution that
//! is not fresh never answers `Fresh`, whatever Backline delivers again (leases expire while
//! a command runs; a crash loses a `finish`).
//!
//! Durability: WAL journal mode with `synchronous=FULL`, so a committed `started` is on disk
//! before the command leaves (SQLite syncs the WAL at every commit in that mode). One agent
//! per state directory: a lock file held with `File::try_lock` for the journal's lifetime
//! (the operating system releases it when the process dies, even by SIGKILL), and a second
//! agent refuses to start ([`AgentError::StateDirectoryLocked`]).
//!
//! Acknowledged rows older than the retention are pruned ([`Journal::prune`]); Backline
//! does not deliver an execution again once its finish was accepted.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::AgentError;

/// The error an execution interrupted by a restart is finished with.
pub const OUTCOME_UNKNOWN: &str = "outcome unknown: agent restarted while executing";
/// The lock file's name in the state directory.
pub const LOCK_FILE: &str = "agent.lock";
/// The database's name in the state directory.
pub const DATABASE_FILE: &str = "journal.sqlite3";
/// How long acknowledged rows are kept by default.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// An execution's id on Backline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExecutionId(pub i64);

/// How an execution ended, as reported to Backline's `finish`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The game ran it.
    Succeeded,
    /// It failed, or its outcome is unknown; the text is the `finish` error.
    Failed(String),
}

impl Outcome {
    /// The `error` to send with `finish`, if any.
    pub fn error(&self) -> Option<&str> {
        match self {
            Outcome::Succeeded => None,
            Outcome::Failed(error) => Some(error),
        }
    }

    fn from_column(error: Option<String>) -> Self {
        error.map_or(Outcome::Succeeded, Outcome::Failed)
    }
}

/// What [`Journal::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Never seen: now recorded as started. Send it to the game, then
    /// [`Journal::finish`] it.
    Fresh,
    /// Started by this agent and still running (Backline delivered it again while the game
    /// had it). Do nothing.
    InProgress,
    /// Already done (by this run or an earlier one, including an interrupted execution
    /// finished with [`OUTCOME_UNKNOWN`]). Do not send it; finish it with this outcome.
    AlreadyDone(Outcome),
}

/// A `done` execution whose finish Backline has not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFinish {
    /// The execution.
    pub execution: ExecutionId,
    /// Its outcome.
    pub outcome: Outcome,
}

/// The journal of one state directory, holding its lock.
pub struct Journal {
    connection: Connection,
    directory: PathBuf,
    /// Executions found `started` at opening and marked [`OUTCOME_UNKNOWN`].
    interrupted: Vec<ExecutionId>,
    // Held for the journal's lifetime: dropping the file releases the lock.
    _lock: File,
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Journal {
    /// Opens (creating when needed) the journal in `directory`, takes its lock, and marks
    /// executions a previous run left `started` as done with [`OUTCOME_UNKNOWN`].
    pub fn open(directory: &Path) -> Result<Self, AgentError> {
        let io = |what: &str, error: std::io::Error| {
            AgentError::Configuration(format!(
                "state directory {}: {what}: {error}",
                directory.display()
            ))
        };
        std::fs::create_dir_all(directory).map_err(|e| io("cannot create it", e))?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(directory.join(LOCK_FILE))
            .map_err(|e| io("cannot open the lock file", e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(AgentError::StateDirectoryLocked(directory.to_owned()))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("cannot lock it", e)),
        }
        let connection = Connection::open(directory.join(DATABASE_FILE))?;
        // WAL + FULL: every commit syncs the WAL before returning.
        let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(AgentError::Journal(format!(
                "the database would not use WAL (got {mode})"
            )));
        }
        connection.execute_batch(
            "PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS executions (
                 execution_id    INTEGER PRIMARY KEY,
                 state           TEXT NOT NULL
                                 CHECK (state IN ('started', 'done', 'acknowledged')),
                 error           TEXT,
                 started_at      INTEGER NOT NULL,
                 done_at         INTEGER,
                 acknowledged_at INTEGER
             );
             CREATE INDEX IF NOT EXISTS executions_by_state ON executions (state);",
        )?;
        let mut journal = Self {
            connection,
            directory: directory.to_owned(),
            interrupted: Vec::new(),
            _lock: lock,
        };
        journal.interrupted = journal.recover()?;
        Ok(journal)
    }

    /// The state directory.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Executions a previous run left started, now done with [`OUTCOME_UNKNOWN`].
    pub fn interrupted(&self) -> &[ExecutionId] {
        &self.interrupted
    }

    fn recover(&mut self) -> Result<Vec<ExecutionId>, AgentError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = {
            let mut statement = transaction.prepare(
                "UPDATE executions SET state = 'done', error = ?1, done_at = ?2
                 WHERE state = 'started' RETURNING execution_id",
            )?;
            let ids = statement
                .query_map(params![OUTCOME_UNKNOWN, now_millis()], |row| {
                    row.get(0).map(ExecutionId)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            ids
        };
        transaction.commit()?;
        for id in &ids {
            tracing::warn!(
                execution = id.0,
                "an execution was being sent when the agent stopped; it is not sent again and \
                 is reported as `{OUTCOME_UNKNOWN}`"
            );
        }
        Ok(ids)
    }

    /// Records `execution` as started when it is new; see [`Begin`] for the other answers.
    pub fn begin(&mut self, execution: ExecutionId) -> Result<Begin, AgentError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(String, Option<String>)> = transaction
            .query_row(
                "SELECT state, error FROM executions WHERE execution_id = ?1",
                params![execution.0],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let answer = match found {
            None => {
                transaction.execute(
                    "INSERT INTO executions (execution_id, state, started_at)
                     VALUES (?1, 'started', ?2)",
                    params![execution.0, now_millis()],
                )?;
                Begin::Fresh
            }
            Some((state, _)) if state == "started" => Begin::InProgress,
            Some((_, error)) => Begin::AlreadyDone(Outcome::from_column(error)),
        };
        transaction.commit()?;
        Ok(answer)
    }

    /// Records the outcome of a started execution (`done`). Finishing one that is already
    /// done or acknowledged changes nothing (the first outcome stands).
    pub fn finish(&mut self, execution: ExecutionId, outcome: &Outcome) -> Result<(), AgentError> {
        let changed = self.connection.execute(
            "UPDATE executions SET state = 'done', error = ?2, done_at = ?3
             WHERE execution_id = ?1 AND state = 'started'",
            params![execution.0, outcome.error(), now_millis()],
        )?;
        if changed == 0 {
            let known: Option<String> = self
                .connection
                .query_row(
                    "SELECT state FROM executions WHERE execution_id = ?1",
                    params![execution.0],
                    |row| row.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(AgentError::Journal(format!(
                    "execution {} was finished without being begun",
                    execution.0
                )));
            }
        }
        Ok(())
    }

    /// Records that Backline accepted the execution's finish.
    pub fn acknowledge(&mut self, execution: ExecutionId) -> Result<(), AgentError> {
        self.connection.execute(
            "UPDATE executions SET state = 'acknowledged', acknowledged_at = ?2
             WHERE execution_id = ?1 AND state = 'done'",
            params![execution.0, now_millis()],
        )?;
        Ok(())
    }

    /// Done executions whose finish Backline has not acknowledged, oldest first.
    pub fn pending_finishes(&self) -> Result<Vec<PendingFinish>, AgentError> {
        let mut statement = self.connection.prepare(
            "SELECT execution_id, error FROM executions WHERE state = 'done'
             ORDER BY done_at, execution_id",
        )?;
        let pending = statement
            .query_map([], |row| {
                Ok(PendingFinish {
                    execution: ExecutionId(row.get(0)?),
                    outcome: Outcome::from_column(row.get(1)?),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(pending)
    }

    /// Deletes acknowledged rows older than `retention`; returns how many.
    pub fn prune(&mut self, retention: Duration) -> Result<usize, AgentError> {
        let retention = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        self.prune_acknowledged_before(now_millis().saturating_sub(retention))
    }

    /// Deletes rows acknowledged before `cutoff` (unix milliseconds).
    pub fn prune_acknowledged_before(&mut self, cutoff: i64) -> Result<usize, AgentError> {
        Ok(self.connection.execute(
            "DELETE FROM executions WHERE state = 'acknowledged' AND acknowledged_at < ?1",
            params![cutoff],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_that_make_it_durable_are_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let mode: String = journal
            .connection
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let synchronous: i64 = journal
            .connection
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(synchronous, 2, "FULL");
    }
}
