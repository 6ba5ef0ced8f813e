//! The `BACKLINE_AGENT_*` environment variables: which exist, the file key each sets, and
//! how their values are placed over the file's (as written, never reinterpreted).

use figment::providers::Serialized;
use figment::Figment;

use crate::error::AgentError;

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
        "POLL_INTERVAL_SECONDS",
        "poll_interval_seconds",
        Kind::Number,
    ),
    ("ROLES_GRANT", "roles.grant", Kind::Text),
    ("ROLES_REVOKE", "roles.revoke", Kind::Text),
    (
        "QUAKE3_MIN_INTERVAL_MILLIS",
        "quake3.min_interval_millis",
        Kind::Number,
    ),
];

/// Places the known `BACKLINE_AGENT_*` variables of `environment` over `figment`; an unknown
/// one is an error (a typo must not be ignored).
pub(super) fn merge(
    mut figment: Figment,
    environment: impl IntoIterator<Item = (String, String)>,
) -> Result<Figment, AgentError> {
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
    Ok(figment)
}
