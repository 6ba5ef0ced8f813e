//! A local command that types a command into a console: for servers with nothing but a
//! console (a `tmux` or `screen` session, a panel's CLI), e.g.
//! `tmux send-keys -t srv {command} Enter`.
//!
//! The template is split at white space into the program and its arguments; `{command}` in
//! an argument is replaced by the game command, so the whole command stays **one** argument
//! (`send-keys` gets `kick 7656 "spam"` as one string). No shell is involved: quotes, `;`,
//! `$` or backticks in a command reach the program as they are and mean nothing to anything
//! on the way. The template itself cannot quote (a word with spaces is not possible); wrap a
//! complex case in a script and name the script.
//!
//! There is no answer text: the command is typed, not asked. A zero exit status is success;
//! anything else is [`AgentError::LocalCommand`] with the program's stderr.

use std::process::Stdio;

use super::Protocol;
use crate::error::AgentError;

/// The placeholder replaced by the game command.
pub const PLACEHOLDER: &str = "{command}";

/// How much of the program's stderr an error quotes.
const STDERR_QUOTED: usize = 400;

/// A parsed command template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecTemplate {
    program: String,
    arguments: Vec<String>,
}

impl ExecTemplate {
    /// Parses `template`: white-space separated words, the first the program, at least one
    /// holding `{command}`.
    pub fn parse(template: &str) -> Result<Self, AgentError> {
        let mut words = template.split_whitespace().map(str::to_owned);
        let Some(program) = words.next() else {
            return Err(AgentError::Configuration(
                "the exec template is empty".into(),
            ));
        };
        let arguments: Vec<String> = words.collect();
        if program.contains(PLACEHOLDER) || !arguments.iter().any(|a| a.contains(PLACEHOLDER)) {
            return Err(AgentError::Configuration(format!(
                "the exec template must name a program and hold {PLACEHOLDER} in an argument \
                 (for example `tmux send-keys -t srv {PLACEHOLDER} Enter`)"
            )));
        }
        Ok(Self { program, arguments })
    }

    /// Checks that the program exists (a path, or a name found on `PATH`), without running
    /// it: running it would type something into the game.
    pub fn program_found(&self) -> Result<(), AgentError> {
        let program = std::path::Path::new(&self.program);
        let found = if self.program.contains('/') {
            program.is_file()
        } else {
            std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| dir.join(program).is_file())
            })
        };
        if found {
            Ok(())
        } else {
            Err(AgentError::Configuration(format!(
                "the exec template's program `{}` was not found",
                self.program
            )))
        }
    }

    /// The program and the arguments it gets for `command`.
    pub fn argv(&self, command: &str) -> (String, Vec<String>) {
        let arguments = self
            .arguments
            .iter()
            .map(|argument| argument.replace(PLACEHOLDER, command))
            .collect();
        (self.program.clone(), arguments)
    }
}

impl Protocol for ExecTemplate {
    type Connection = ();

    fn name(&self) -> &'static str {
        "exec"
    }

    fn address(&self) -> String {
        self.program.clone()
    }

    async fn connect(&self) -> Result<(), AgentError> {
        Ok(())
    }

    async fn execute(&self, _: &mut (), command: &str) -> Result<String, AgentError> {
        let (program, arguments) = self.argv(command);
        let child = tokio::process::Command::new(&program)
            .args(&arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| {
                AgentError::Configuration(format!("cannot start `{program}`: {error}"))
            })?;
        let output = child
            .wait_with_output()
            .await
            .map_err(|error| AgentError::LocalCommand(format!("`{program}`: {error}")))?;
        if output.status.success() {
            return Ok(String::new());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: String = stderr.trim().chars().take(STDERR_QUOTED).collect();
        Err(AgentError::LocalCommand(format!(
            "`{program}` exited with {}: {stderr}",
            output.status
        )))
    }

    fn answers(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_one_argument_whatever_it_holds() {
        let template = ExecTemplate::parse("tmux send-keys -t srv {command} Enter").unwrap();
        let (program, arguments) = template.argv("kick 7656 \"spam\"; quit $(id)");
        assert_eq!(program, "tmux");
        assert_eq!(
            arguments,
            [
                "send-keys",
                "-t",
                "srv",
                "kick 7656 \"spam\"; quit $(id)",
                "Enter"
            ]
        );
        let inside = ExecTemplate::parse("panel --send={command}").unwrap();
        assert_eq!(inside.argv("say hi").1, ["--send=say hi"]);
    }

    #[test]
    fn a_template_without_program_or_placeholder_is_a_configuration_error() {
        for template in ["", "   ", "tmux send-keys -t srv Enter", "{command} x"] {
            assert!(
                matches!(
                    ExecTemplate::parse(template),
                    Err(AgentError::Configuration(_))
                ),
                "{template:?}"
            );
        }
    }
}
