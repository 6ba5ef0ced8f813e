//! A game's console: send one command, get its answer text.
//!
//! Each protocol is a file implementing [`Protocol`] (connect and log in; run one command on
//! an open connection). [`Console`] wraps any of them and is the one place that decides about
//! time and connections:
//!
//! - every command has a deadline (`command_timeout`); the connection is dropped when it
//!   passes, so a late answer can never be taken for the next command's;
//! - connecting (and logging in) is retried with exponential backoff and jitter (`backon`)
//!   while the game is unreachable; a refused password or a configuration error is not;
//! - **a command that was sent is never sent again.** When the connection drops or the
//!   deadline passes after sending, the error says so ([`AgentError::outcome_unknown`]) and
//!   the next command starts on a new connection. Only connecting is retried.
//! - an idle connection the game closed (a restart) is noticed before a command is written
//!   to it ([`Protocol::is_open`]), so a restart between commands costs a reconnect, not a
//!   command of unknown outcome.
//!
//! [`AnyConsole`] picks the protocol from the configuration.

pub mod exec;
pub mod frame;
pub mod minecraft;
pub mod quake3;
pub mod source;
pub mod webrcon;

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

use crate::config::{AgentConfig, ProtocolKind};
use crate::error::AgentError;

/// One console protocol: how to open a connection and run one command on it.
pub trait Protocol {
    /// An open, logged-in connection.
    type Connection: Send;

    /// The protocol's name in logs.
    fn name(&self) -> &'static str;

    /// Where it connects, for messages (never with a password).
    fn address(&self) -> String;

    /// Opens a connection and logs in. Bounded by the caller's connect timeout.
    fn connect(&self) -> impl Future<Output = Result<Self::Connection, AgentError>> + Send;

    /// Runs one command on `connection` and returns its answer text. Bounded by the
    /// caller's command timeout; on any error the caller drops the connection.
    fn execute(
        &self,
        connection: &mut Self::Connection,
        command: &str,
    ) -> impl Future<Output = Result<String, AgentError>> + Send;

    /// Whether an idle connection still looks usable (not closed by the game).
    fn is_open(&self, _connection: &mut Self::Connection) -> bool {
        true
    }

    /// The error for a command that got no answer within `waited`.
    fn silence(&self, waited: Duration) -> AgentError {
        AgentError::Timeout(waited)
    }

    /// Whether commands have answer text (false for `exec`, which only types them).
    fn answers(&self) -> bool {
        true
    }
}

/// Deadlines and reconnect policy shared by every protocol.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// How long one command may take, from sending it to its complete answer.
    pub command_timeout: Duration,
    /// How long one connection attempt (including the login) may take.
    pub connect_timeout: Duration,
    /// Backoff between connection attempts.
    pub reconnect: Reconnect,
}

/// Exponential backoff with jitter between connection attempts.
#[derive(Debug, Clone)]
pub struct Reconnect {
    /// The first delay.
    pub min_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Attempts after the first one before the error is returned.
    pub max_retries: usize,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            command_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            reconnect: Reconnect {
                min_delay: Duration::from_millis(250),
                max_delay: Duration::from_secs(10),
                max_retries: 4,
            },
        }
    }
}

/// A protocol with its connection, deadlines and reconnects.
pub struct Console<P: Protocol> {
    protocol: P,
    connection: Option<P::Connection>,
    settings: ConsoleSettings,
}

impl<P: Protocol> Console<P> {
    /// A console that connects on its first command.
    pub fn new(protocol: P, settings: ConsoleSettings) -> Self {
        Self {
            protocol,
            connection: None,
            settings,
        }
    }

    /// The protocol underneath.
    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    /// Connects now (with retries) unless a usable connection is open.
    pub async fn connect(&mut self) -> Result<(), AgentError> {
        if let Some(connection) = self.connection.as_mut() {
            if self.protocol.is_open(connection) {
                return Ok(());
            }
            tracing::info!(
                protocol = self.protocol.name(),
                "the game closed the idle console connection; reconnecting"
            );
            self.connection = None;
        }
        let protocol = &self.protocol;
        let connect_timeout = self.settings.connect_timeout;
        let attempt = || async move {
            match tokio::time::timeout(connect_timeout, protocol.connect()).await {
                Ok(result) => result,
                Err(_) => Err(AgentError::Unreachable {
                    address: protocol.address(),
                    reason: format!(
                        "no connection and login within {} ms",
                        connect_timeout.as_millis()
                    ),
                }),
            }
        };
        let reconnect = &self.settings.reconnect;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(reconnect.min_delay)
            .with_max_delay(reconnect.max_delay)
            .with_max_times(reconnect.max_retries)
            .with_jitter();
        let connection = attempt
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(AgentError::is_transient)
            .notify(|error, delay| {
                tracing::warn!(
                    protocol = protocol.name(),
                    %error,
                    retry_in_ms = delay.as_millis() as u64,
                    "cannot reach the game console; retrying"
                );
            })
            .await?;
        self.connection = Some(connection);
        Ok(())
    }

    /// Runs `command` and returns its answer text. Never sends it twice: see the module
    /// documentation.
    pub async fn run(&mut self, command: &str) -> Result<String, AgentError> {
        check_command(command)?;
        self.connect().await?;
        let Some(connection) = self.connection.as_mut() else {
            return Err(AgentError::Protocol(
                "no connection after connecting".into(),
            ));
        };
        let deadline = self.settings.command_timeout;
        let started = tokio::time::Instant::now();
        let result = match tokio::time::timeout(
            deadline,
            self.protocol.execute(connection, command),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(self.protocol.silence(deadline)),
        };
        if result.is_err() {
            self.connection = None;
        }
        tracing::debug!(
            protocol = self.protocol.name(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "console command"
        );
        result
    }

    /// Closes the connection (the next command opens a new one).
    pub fn disconnect(&mut self) {
        self.connection = None;
    }
}

/// Refuses commands that would break a protocol's framing or be read as two commands: a NUL
/// ends an RCON string, and a line break is a second command on every console (and an extra
/// Enter through `exec`). An action is one command line.
pub fn check_command(command: &str) -> Result<(), AgentError> {
    if command.trim().is_empty() {
        return Err(AgentError::InvalidCommand("the command is empty".into()));
    }
    if let Some(c) = command.chars().find(|c| matches!(c, '\0' | '\r' | '\n')) {
        return Err(AgentError::InvalidCommand(format!(
            "the command holds {c:?}: one action is one command line"
        )));
    }
    Ok(())
}

/// Whether a TCP connection the agent is not reading from was closed or reset by the peer.
/// Peeks at the socket directly (it is non-blocking), not through the runtime's readiness,
/// so the answer is the kernel's at this moment.
pub(crate) fn tcp_is_open(stream: &tokio::net::TcpStream) -> bool {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    match socket2::SockRef::from(stream).peek(&mut buf) {
        Ok(0) => false,
        Ok(_) => true,
        Err(error) => error.kind() == std::io::ErrorKind::WouldBlock,
    }
}

/// The console the configuration names.
pub enum AnyConsole {
    /// Valve's Source RCON.
    Source(Console<source::SourceRcon>),
    /// Minecraft's RCON.
    Minecraft(Console<minecraft::MinecraftRcon>),
    /// Rust's WebRCON.
    WebRcon(Console<webrcon::WebRcon>),
    /// Quake 3's UDP RCON.
    Quake3(Console<quake3::Quake3Rcon>),
    /// A local command template.
    Exec(Console<exec::ExecTemplate>),
}

impl AnyConsole {
    /// Builds the console `config` describes (nothing is connected yet).
    pub fn from_config(config: &AgentConfig) -> Result<Self, AgentError> {
        let settings = config.console.clone();
        Ok(match config.protocol {
            ProtocolKind::Source => AnyConsole::Source(Console::new(
                source::SourceRcon::new(config.rcon_address()?, config.rcon_password()?),
                settings,
            )),
            ProtocolKind::Minecraft => AnyConsole::Minecraft(Console::new(
                minecraft::MinecraftRcon::new(
                    config.rcon_address()?,
                    config.rcon_password()?,
                    config.minecraft_end.clone(),
                ),
                settings,
            )),
            ProtocolKind::WebRcon => AnyConsole::WebRcon(Console::new(
                webrcon::WebRcon::new(config.rcon_address()?, config.rcon_password()?),
                settings,
            )),
            ProtocolKind::Quake3 => AnyConsole::Quake3(Console::new(
                quake3::Quake3Rcon::new(
                    config.rcon_address()?,
                    config.rcon_password()?,
                    config.quake3.clone(),
                ),
                settings,
            )),
            ProtocolKind::Exec => AnyConsole::Exec(Console::new(
                exec::ExecTemplate::parse(config.exec_template()?)?,
                settings,
            )),
        })
    }

    /// Runs one command: [`Console::run`] of the protocol in use.
    pub async fn run(&mut self, command: &str) -> Result<String, AgentError> {
        match self {
            AnyConsole::Source(console) => console.run(command).await,
            AnyConsole::Minecraft(console) => console.run(command).await,
            AnyConsole::WebRcon(console) => console.run(command).await,
            AnyConsole::Quake3(console) => console.run(command).await,
            AnyConsole::Exec(console) => console.run(command).await,
        }
    }

    /// Connects now: [`Console::connect`] of the protocol in use.
    pub async fn connect(&mut self) -> Result<(), AgentError> {
        match self {
            AnyConsole::Source(console) => console.connect().await,
            AnyConsole::Minecraft(console) => console.connect().await,
            AnyConsole::WebRcon(console) => console.connect().await,
            AnyConsole::Quake3(console) => console.connect().await,
            AnyConsole::Exec(console) => console.connect().await,
        }
    }

    /// Whether commands return answer text (players can be read).
    pub fn answers(&self) -> bool {
        match self {
            AnyConsole::Source(console) => console.protocol().answers(),
            AnyConsole::Minecraft(console) => console.protocol().answers(),
            AnyConsole::WebRcon(console) => console.protocol().answers(),
            AnyConsole::Quake3(console) => console.protocol().answers(),
            AnyConsole::Exec(console) => console.protocol().answers(),
        }
    }

    /// The protocol's name and address, for messages.
    pub fn describe(&self) -> String {
        fn of<P: Protocol>(console: &Console<P>) -> String {
            format!(
                "{} console at {}",
                console.protocol().name(),
                console.protocol().address()
            )
        }
        match self {
            AnyConsole::Source(console) => of(console),
            AnyConsole::Minecraft(console) => of(console),
            AnyConsole::WebRcon(console) => of(console),
            AnyConsole::Quake3(console) => of(console),
            AnyConsole::Exec(console) => of(console),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_command_line_is_accepted_and_line_breaks_or_nuls_are_not() {
        assert!(check_command("kick 7656 \"spam; flood\"").is_ok());
        for refused in ["", "  ", "say a\nquit", "say a\rquit", "say\0a"] {
            assert!(
                matches!(check_command(refused), Err(AgentError::InvalidCommand(_))),
                "{refused:?}"
            );
        }
    }
}
