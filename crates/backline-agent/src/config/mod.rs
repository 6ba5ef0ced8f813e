//! The agent's configuration: an optional TOML file, then `BACKLINE_AGENT_*` environment
//! variables over it, checked once at start-up into [`AgentConfig`].
//!
//! Secrets (the Backline token, the RCON password) are read from the file or the
//! environment, never from the command line (where every user of the machine can read
//! them), and are held in [`Secret`], whose `Debug` prints `[redacted]`. Environment values
//! are taken as written: `figment`'s own environment provider would read a password such as
//! `1.50` as the number 1.5, so each known variable is placed at its key by hand
//! ([`ENVIRONMENT`]), and a `BACKLINE_AGENT_` variable the agent does not know is an error
//! rather than a silently ignored typo.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::Figment;
use serde::Deserialize;

use crate::console::exec::ExecTemplate;
use crate::console::minecraft::EndOfAnswer;
use crate::console::quake3::Quake3Settings;
use crate::console::{ConsoleSettings, Reconnect};
use crate::error::AgentError;
use crate::players::{PlayerOverrides, PlayerReader};
use crate::roles::RoleTemplates;

/// How long to wait between polls when Backline does not say.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);

mod environment;
mod secret;

pub use environment::{Kind, ENVIRONMENT, PREFIX};
pub use secret::Secret;

/// The console protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolKind {
    /// Valve's Source RCON.
    Source,
    /// Minecraft RCON.
    Minecraft,
    /// Rust's WebRCON.
    WebRcon,
    /// Quake 3 RCON over UDP.
    Quake3,
    /// A local command template.
    Exec,
}

impl ProtocolKind {
    /// The names accepted in the configuration.
    pub const NAMES: &'static str = "source, minecraft, webrcon, quake3, exec";

    fn parse(name: &str) -> Result<Self, AgentError> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "source" => ProtocolKind::Source,
            "minecraft" => ProtocolKind::Minecraft,
            "webrcon" => ProtocolKind::WebRcon,
            "quake3" => ProtocolKind::Quake3,
            "exec" => ProtocolKind::Exec,
            other => {
                return Err(AgentError::Configuration(format!(
                    "unknown protocol `{other}`: one of {}",
                    Self::NAMES
                )))
            }
        })
    }
}

/// The file's shape (and the environment's, placed at the same keys).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    url: Option<String>,
    token: Option<Secret>,
    protocol: Option<String>,
    game: Option<String>,
    state_dir: Option<PathBuf>,
    #[serde(default)]
    rcon: RawRcon,
    #[serde(default)]
    exec: RawExec,
    #[serde(default)]
    players: PlayerOverrides,
    #[serde(default)]
    timeouts: RawTimeouts,
    #[serde(default)]
    reconnect: RawReconnect,
    #[serde(default)]
    minecraft: RawMinecraft,
    #[serde(default)]
    quake3: RawQuake3,
    poll_interval_seconds: Option<u64>,
    #[serde(default)]
    roles: RawRoles,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoles {
    grant: Option<String>,
    revoke: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRcon {
    address: Option<String>,
    password: Option<Secret>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExec {
    template: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeouts {
    command_millis: Option<u64>,
    connect_millis: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReconnect {
    min_delay_millis: Option<u64>,
    max_delay_millis: Option<u64>,
    max_retries: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinecraft {
    end_of_answer: Option<String>,
    quiet_millis: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuake3 {
    quiet_millis: Option<u64>,
    min_interval_millis: Option<u64>,
}

/// The checked configuration.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Backline's base URL (used once the poll loop is wired).
    pub url: Option<String>,
    /// The game server's token on Backline (used once the poll loop is wired).
    pub token: Option<Secret>,
    /// The console protocol.
    pub protocol: ProtocolKind,
    /// The game key (`cs2`, `rust`, `minecraft`, `openarena`, …): picks the player command
    /// and parser.
    pub game: Option<String>,
    /// Where the journal and the lock file live.
    pub state_dir: Option<PathBuf>,
    /// Overrides of the player command, pattern and source.
    pub players: PlayerOverrides,
    /// Deadlines and reconnects.
    pub console: ConsoleSettings,
    /// Minecraft's end-of-answer rule.
    pub minecraft_end: EndOfAnswer,
    /// Quake 3 timing.
    pub quake3: Quake3Settings,
    /// How long to wait between polls when Backline does not say (`X-RateLimit-Reset`).
    pub poll_interval: Duration,
    /// The console commands that grant and revoke an in-game group (role sync).
    pub roles: RoleTemplates,
    rcon_address: Option<String>,
    rcon_password: Option<Secret>,
    exec_template: Option<String>,
}

fn millis(value: Option<u64>, default: Duration, key: &str) -> Result<Duration, AgentError> {
    match value {
        None => Ok(default),
        Some(0) => Err(AgentError::Configuration(format!(
            "`{key}` must be more than 0"
        ))),
        Some(millis) => Ok(Duration::from_millis(millis)),
    }
}

impl AgentConfig {
    /// Reads `file` (when given; it must exist) and then the `BACKLINE_AGENT_*` variables of
    /// `environment` over it, and checks the result.
    pub fn load(
        file: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, AgentError> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            if !file.is_file() {
                return Err(AgentError::Configuration(format!(
                    "the configuration file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let figment = environment::merge(figment, environment)?;
        let raw: RawConfig = figment
            .extract()
            .map_err(|error| AgentError::Configuration(error.to_string()))?;
        Self::check(raw)
    }

    fn check(raw: RawConfig) -> Result<Self, AgentError> {
        let protocol = match raw.protocol.as_deref() {
            Some(name) => ProtocolKind::parse(name)?,
            None => {
                return Err(AgentError::Configuration(format!(
                    "no protocol: set {PREFIX}PROTOCOL (or `protocol` in the file) to one of {}",
                    ProtocolKind::NAMES
                )))
            }
        };
        let defaults = ConsoleSettings::default();
        let console = ConsoleSettings {
            command_timeout: millis(
                raw.timeouts.command_millis,
                defaults.command_timeout,
                "timeouts.command_millis",
            )?,
            connect_timeout: millis(
                raw.timeouts.connect_millis,
                defaults.connect_timeout,
                "timeouts.connect_millis",
            )?,
            reconnect: Reconnect {
                min_delay: millis(
                    raw.reconnect.min_delay_millis,
                    defaults.reconnect.min_delay,
                    "reconnect.min_delay_millis",
                )?,
                max_delay: millis(
                    raw.reconnect.max_delay_millis,
                    defaults.reconnect.max_delay,
                    "reconnect.max_delay_millis",
                )?,
                max_retries: raw
                    .reconnect
                    .max_retries
                    .map_or(defaults.reconnect.max_retries, |n| {
                        usize::try_from(n).unwrap_or(usize::MAX)
                    }),
            },
        };
        let quiet = raw.minecraft.quiet_millis.map(Duration::from_millis);
        let minecraft_end = match raw.minecraft.end_of_answer.as_deref() {
            None | Some("short-packet") => match quiet {
                Some(quiet) => EndOfAnswer::ShortPacket { quiet },
                None => EndOfAnswer::default(),
            },
            Some("quiet") => EndOfAnswer::Quiet(quiet.unwrap_or(Duration::from_millis(250))),
            Some(other) => {
                return Err(AgentError::Configuration(format!(
                    "unknown minecraft.end_of_answer `{other}`: short-packet or quiet"
                )))
            }
        };
        let quake3_defaults = Quake3Settings::default();
        let quake3 = Quake3Settings {
            quiet: millis(
                raw.quake3.quiet_millis,
                quake3_defaults.quiet,
                "quake3.quiet_millis",
            )?,
            min_interval: raw
                .quake3
                .min_interval_millis
                .map_or(quake3_defaults.min_interval, Duration::from_millis),
        };
        let game = raw.game.map(|game| game.trim().to_ascii_lowercase());
        let config = Self {
            url: raw.url,
            token: raw.token,
            protocol,
            game: game.clone(),
            state_dir: raw.state_dir,
            players: raw.players,
            console,
            minecraft_end,
            quake3,
            poll_interval: match raw.poll_interval_seconds {
                None => DEFAULT_POLL_INTERVAL,
                Some(0) => {
                    return Err(AgentError::Configuration(
                        "`poll_interval_seconds` must be more than 0".into(),
                    ))
                }
                Some(seconds) => Duration::from_secs(seconds),
            },
            roles: RoleTemplates::new(game.as_deref(), raw.roles.grant, raw.roles.revoke)?,
            rcon_address: raw.rcon.address,
            rcon_password: raw.rcon.password,
            exec_template: raw.exec.template,
        };
        match protocol {
            ProtocolKind::Exec => {
                ExecTemplate::parse(config.exec_template()?)?;
            }
            _ => {
                config.rcon_address()?;
                config.rcon_password()?;
            }
        }
        if config.game.is_some() || config.players.command.is_some() {
            config.player_reader()?;
        }
        Ok(config)
    }

    /// The game's console address, host:port.
    pub fn rcon_address(&self) -> Result<String, AgentError> {
        let address = self.rcon_address.as_deref().map(str::trim).unwrap_or("");
        if address.is_empty() {
            return Err(AgentError::Configuration(format!(
                "no RCON address: set {PREFIX}RCON_ADDRESS (or `rcon.address`) to host:port"
            )));
        }
        match address.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(address.to_owned())
            }
            _ => Err(AgentError::Configuration(format!(
                "the RCON address `{address}` is not host:port"
            ))),
        }
    }

    /// The RCON password.
    pub fn rcon_password(&self) -> Result<Secret, AgentError> {
        match &self.rcon_password {
            Some(password) if !password.expose().is_empty() => Ok(password.clone()),
            _ => Err(AgentError::Configuration(format!(
                "no RCON password: set {PREFIX}RCON_PASSWORD (or `rcon.password` in the file)"
            ))),
        }
    }

    /// The `exec` protocol's command template.
    pub fn exec_template(&self) -> Result<&str, AgentError> {
        self.exec_template.as_deref().ok_or_else(|| {
            AgentError::Configuration(format!(
                "no command template: set {PREFIX}EXEC_TEMPLATE (or `exec.template`), for \
                 example `tmux send-keys -t srv {{command}} Enter`"
            ))
        })
    }

    /// Backline's base URL and the game server's token, which `run` needs.
    pub fn backline(&self) -> Result<(String, Secret), AgentError> {
        let url = self.url.as_deref().map(str::trim).unwrap_or("");
        if url.is_empty() {
            return Err(AgentError::Configuration(format!(
                "no Backline URL: set {PREFIX}URL (or `url`), e.g. http://127.0.0.1:8080"
            )));
        }
        match &self.token {
            Some(token) if !token.expose().trim().is_empty() => Ok((url.to_owned(), token.clone())),
            _ => Err(AgentError::Configuration(format!(
                "no Backline token: set {PREFIX}TOKEN (or `token` in the file) to the game \
                 server's token (`backline server create` prints it)"
            ))),
        }
    }

    /// How players are read: the game's defaults with the overrides applied.
    pub fn player_reader(&self) -> Result<PlayerReader, AgentError> {
        PlayerReader::new(self.game.as_deref(), &self.players)
    }
}

#[cfg(test)]
mod tests;
