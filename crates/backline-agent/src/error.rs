//! The agent's one error type.
//!
//! Every failure the agent can meet is one of these variants, named by what the operator (or
//! the poll loop) does about it: an unreachable game and a refused password end `check` with
//! exit code 4; a timeout or a connection dropped after a command was sent mean the command's
//! outcome is unknown (the agent never sends it again); a protocol violation is a game (or
//! something else on its port) answering in a shape the agent does not understand; a
//! configuration error ends the agent with exit code 2 before it touches anything.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong, for the whole crate.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No connection to the game: refused, no route, no answer to a connection or to a
    /// datagram, a local console that cannot be reached.
    #[error("game unreachable at {address}: {reason}")]
    Unreachable {
        /// Where the agent tried (host:port, or the local program).
        address: String,
        /// Why, in words.
        reason: String,
    },
    /// The game refused the RCON password.
    #[error("the game refused the RCON password: {0}")]
    PasswordRefused(String),
    /// A command was sent and no (complete) answer came in time. Whether the game ran it is
    /// unknown.
    #[error("no answer from the game within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The connection ended after the command was sent and before its answer was complete.
    /// Whether the game ran it is unknown.
    #[error("connection to the game dropped while running a command: {0}")]
    Dropped(String),
    /// The game (or whatever listens on its port) broke the protocol.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// A command the agent refuses to send (it would break the framing or be two commands).
    #[error("command refused before sending: {0}")]
    InvalidCommand(String),
    /// The local console command (`exec`) ran and failed.
    #[error("local console command failed: {0}")]
    LocalCommand(String),
    /// The configuration is missing something or holds a value the agent cannot use.
    #[error("configuration: {0}")]
    Configuration(String),
    /// Another agent holds the state directory.
    #[error(
        "another backline-agent is running on the state directory {} (its lock file {} is held); \
         two agents on one state directory could run a command twice",
        .0.display(),
        .0.join(crate::journal::LOCK_FILE).display()
    )]
    StateDirectoryLocked(PathBuf),
    /// Backline refused the game server's token (401 or 403): the agent cannot work until the
    /// token is fixed, so it stops (exit code 3).
    #[error("Backline refused the game server's token: {0}")]
    TokenRefused(String),
    /// Backline could not be reached or answered an error (after the client's retries): the
    /// loop backs off and tries again.
    #[error("Backline: {0}")]
    Backline(String),
    /// The journal could not be read or written.
    #[error("journal: {0}")]
    Journal(String),
}

impl AgentError {
    /// Whether connecting again later may succeed: an unreachable game is retried with
    /// backoff; a refused password or a configuration error is not.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AgentError::Unreachable { .. } | AgentError::Dropped(_)
        )
    }

    /// Whether the game may have run the command this error is about (the answer was lost
    /// after the command left the agent).
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, AgentError::Timeout(_) | AgentError::Dropped(_))
    }
}

impl From<rusqlite::Error> for AgentError {
    fn from(error: rusqlite::Error) -> Self {
        AgentError::Journal(error.to_string())
    }
}
