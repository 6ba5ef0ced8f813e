//! The agent's exit codes, in one place, so scripts and service managers can tell what
//! stopped it.

use crate::error::AgentError;

/// Why the agent exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked worked.
    Ok = 0,
    /// Something else failed (the journal, an unexpected error).
    Failure = 1,
    /// The configuration is missing or wrong, or another agent holds the state directory.
    Configuration = 2,
    /// Backline refused the token.
    TokenRefused = 3,
    /// The game could not be reached, refused the RCON password, or its console failed.
    GameUnreachable = 4,
}

impl Exit {
    /// The exit code for an error that ended the agent.
    pub fn for_error(error: &AgentError) -> Self {
        match error {
            AgentError::Configuration(_) | AgentError::StateDirectoryLocked(_) => {
                Exit::Configuration
            }
            AgentError::Unreachable { .. }
            | AgentError::PasswordRefused(_)
            | AgentError::Timeout(_)
            | AgentError::Dropped(_)
            | AgentError::Protocol(_)
            | AgentError::LocalCommand(_) => Exit::GameUnreachable,
            AgentError::TokenRefused(_) => Exit::TokenRefused,
            AgentError::InvalidCommand(_) | AgentError::Journal(_) | AgentError::Backline(_) => {
                Exit::Failure
            }
        }
    }

    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_documented_ones() {
        assert_eq!(
            [
                Exit::Ok,
                Exit::Failure,
                Exit::Configuration,
                Exit::TokenRefused,
                Exit::GameUnreachable
            ]
            .map(Exit::code),
            [0, 1, 2, 3, 4]
        );
        assert_eq!(
            Exit::for_error(&AgentError::PasswordRefused("x".into())),
            Exit::GameUnreachable
        );
        assert_eq!(
            Exit::for_error(&AgentError::Configuration("x".into())),
            Exit::Configuration
        );
    }
}
