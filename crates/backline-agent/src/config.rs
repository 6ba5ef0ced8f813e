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

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::Deserialize;

use crate::console::exec::ExecTemplate;
use crate::console::minecraft::EndOfAnswer;
use crate::console::quake3::Quake3Settings;
use crate::console::{ConsoleSettings, Reconnect};
use crate::error::AgentError;
use crate::players::{PlayerOverrides, PlayerReader};

/// The prefix of every environment variable the agent reads.
pub const PREFIX: &str = "BACKLINE_AGENT_";

/// Variables read by the command line itself (clap), not by this module.
const COMMAND_LINE_VARIABLES: &[&str] = &["BACKLINE_AGENT_CONFIG", "BACKLINE_AGENT_LOG"];

/// Whether a variable's value is text or a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Taken as written.
    Text,
    /// A whole number (milliseconds or a count).
    Number,
}

/// Every environment variable (without [`PREFIX`]), the file key it sets, and its kind.
pub const ENVIRONMENT: &[(&str, &str, Kind)] = &[
    ("URL", "url", Kind::Text),
    ("TOKEN", "token", Kind::Text),
    ("PROTOCOL", "protocol", Kind::Text),
    ("GAME", "game", Kind::Text),
    ("STATE_DIR", "state_dir", Kind::Text),
    ("RCON_ADDRESS", "rcon.address", Kind::Text),
    ("RCON_PASSWORD", "rcon.password", Kind::Text),
    ("EXEC_TEMPLATE", "exec.template", Kind::Text),
    ("PLAYERS_COMMAND", "players.command", Kind::Text),
    ("PLAYERS_PATTERN", "players.pattern", Kind::Text),
    ("PLAYERS_SOURCE", "players.source", Kind::Text),
    (
        "COMMAND_TIMEOUT_MILLIS",
        "timeouts.command_millis",
        Kind::Number,
    ),
    (
        "CONNECT_TIMEOUT_MILLIS",
        "timeouts.connect_millis",
        Kind::Number,
    ),
    (
        "RECONNECT_MIN_DELAY_MILLIS",
        "reconnect.min_delay_millis",
        Kind::Number,
    ),
    (
        "RECONNECT_MAX_DELAY_MILLIS",
        "reconnect.max_delay_millis",
        Kind::Number,
    ),
    (
        "RECONNECT_MAX_RETRIES",
        "reconnect.max_retries",
        Kind::Number,
    ),
    (
        "MINECRAFT_END_OF_ANSWER",
        "minecraft.end_of_answer",
        Kind::Text,
    ),
    (
        "MINECRAFT_QUIET_MILLIS",
        "minecraft.quiet_millis",
        Kind::Number,
    ),
    ("QUAKE3_QUIET_MILLIS", "quake3.quiet_millis", Kind::Number),
    (
        "QUAKE3_MIN_INTERVAL_MILLIS",
        "quake3.min_interval_millis",
        Kind::Number,
    ),
];

/// A secret value: readable through [`Secret::expose`], never through `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

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
        for (name, value) in environment {
            let Some(short) = name.strip_prefix(PREFIX) else {
                continue;
            };
            if COMMAND_LINE_VARIABLES.contains(&name.as_str()) {
                continue;
            }
            let Some((_, key, kind)) = ENVIRONMENT.iter().find(|(n, _, _)| *n == short) else {
                let known: Vec<String> = ENVIRONMENT
                    .iter()
                    .map(|(n, _, _)| format!("{PREFIX}{n}"))
                    .collect();
                return Err(AgentError::Configuration(format!(
                    "unknown variable {name} (known: {})",
                    known.join(", ")
                )));
            };
            figment = match kind {
                Kind::Text => figment.merge(Serialized::default(key, value)),
                Kind::Number => {
                    let number: u64 = value.trim().parse().map_err(|_| {
                        AgentError::Configuration(format!(
                            "{name} must be a whole number, not `{value}`"
                        ))
                    })?;
                    figment.merge(Serialized::default(key, number))
                }
            };
        }
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
        let config = Self {
            url: raw.url,
            token: raw.token,
            protocol,
            game: raw.game.map(|game| game.trim().to_ascii_lowercase()),
            state_dir: raw.state_dir,
            players: raw.players,
            console,
            minecraft_end,
            quake3,
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

    /// How players are read: the game's defaults with the overrides applied.
    pub fn player_reader(&self) -> Result<PlayerReader, AgentError> {
        PlayerReader::new(self.game.as_deref(), &self.players)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_values_are_taken_as_written() {
        let config = AgentConfig::load(
            None,
            env(&[
                ("BACKLINE_AGENT_PROTOCOL", "source"),
                ("BACKLINE_AGENT_RCON_ADDRESS", "127.0.0.1:27015"),
                ("BACKLINE_AGENT_RCON_PASSWORD", "1.50"),
                ("BACKLINE_AGENT_GAME", "CS2"),
                ("BACKLINE_AGENT_COMMAND_TIMEOUT_MILLIS", "1500"),
                ("PATH", "/usr/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(config.protocol, ProtocolKind::Source);
        assert_eq!(config.rcon_password().unwrap().expose(), "1.50");
        assert_eq!(config.game.as_deref(), Some("cs2"));
        assert_eq!(config.console.command_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agent.toml");
        std::fs::write(
            &file,
            "protocol = \"minecraft\"\ngame = \"minecraft\"\n[rcon]\naddress = \"mc:25575\"\npassword = \"file\"\n[minecraft]\nend_of_answer = \"quiet\"\nquiet_millis = 80\n",
        )
        .unwrap();
        let config = AgentConfig::load(
            Some(&file),
            env(&[("BACKLINE_AGENT_RCON_PASSWORD", "environment")]),
        )
        .unwrap();
        assert_eq!(config.rcon_address().unwrap(), "mc:25575");
        assert_eq!(config.rcon_password().unwrap().expose(), "environment");
        assert_eq!(
            config.minecraft_end,
            EndOfAnswer::Quiet(Duration::from_millis(80))
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = AgentConfig::load(
            None,
            env(&[
                ("BACKLINE_AGENT_PROTOCOL", "webrcon"),
                ("BACKLINE_AGENT_RCON_ADDRESS", "rust:28016"),
                ("BACKLINE_AGENT_RCON_PASSWORD", "hunter2-rcon"),
                ("BACKLINE_AGENT_TOKEN", "hunter2-token"),
            ]),
        )
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn configuration_errors_say_what_to_set() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "BACKLINE_AGENT_PROTOCOL"),
            (&[("BACKLINE_AGENT_PROTOCOL", "telnet")], "unknown protocol"),
            (
                &[("BACKLINE_AGENT_PROTOCOL", "source")],
                "BACKLINE_AGENT_RCON_ADDRESS",
            ),
            (
                &[
                    ("BACKLINE_AGENT_PROTOCOL", "source"),
                    ("BACKLINE_AGENT_RCON_ADDRESS", "nohost"),
                ],
                "not host:port",
            ),
            (
                &[
                    ("BACKLINE_AGENT_PROTOCOL", "quake3"),
                    ("BACKLINE_AGENT_RCON_ADDRESS", "q3:27960"),
                ],
                "BACKLINE_AGENT_RCON_PASSWORD",
            ),
            (
                &[("BACKLINE_AGENT_PROTOCOL", "exec")],
                "BACKLINE_AGENT_EXEC_TEMPLATE",
            ),
            (
                &[
                    ("BACKLINE_AGENT_PROTOCOL", "exec"),
                    ("BACKLINE_AGENT_EXEC_TEMPLATE", "tmux send-keys"),
                ],
                "{command}",
            ),
            (
                &[("BACKLINE_AGENT_RCON_PASWORD", "typo")],
                "unknown variable BACKLINE_AGENT_RCON_PASWORD",
            ),
            (
                &[("BACKLINE_AGENT_COMMAND_TIMEOUT_MILLIS", "ten")],
                "whole number",
            ),
            (
                &[
                    ("BACKLINE_AGENT_PROTOCOL", "exec"),
                    ("BACKLINE_AGENT_EXEC_TEMPLATE", "t {command}"),
                    ("BACKLINE_AGENT_PLAYERS_PATTERN", "no id group"),
                    ("BACKLINE_AGENT_PLAYERS_COMMAND", "who"),
                ],
                "id",
            ),
        ];
        for (pairs, expected) in cases {
            match AgentConfig::load(None, env(pairs)) {
                Err(AgentError::Configuration(message)) => {
                    assert!(message.contains(expected), "{pairs:?}: {message}")
                }
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_file_or_an_unknown_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent.toml");
        assert!(matches!(
            AgentConfig::load(Some(&missing), Vec::new()),
            Err(AgentError::Configuration(_))
        ));
        let file = dir.path().join("agent.toml");
        std::fs::write(&file, "protocol = \"source\"\nrcon_pasword = \"x\"\n").unwrap();
        match AgentConfig::load(Some(&file), Vec::new()) {
            Err(AgentError::Configuration(message)) => {
                assert!(message.contains("rcon_pasword"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
