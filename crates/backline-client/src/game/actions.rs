//! The actions `meta` and `poll` deliver, as a typed enum.
//!
//! An action is `{"type", "payload"}` on the wire (EMBER.md, "Actions"). Backline may add
//! types, and a plugin must ignore the ones it does not know: those (and a known type whose
//! payload is not the expected shape) arrive as [`Action::Unknown`] with the raw payload, so a
//! newer Backline never breaks an older SDK.

use serde_json::{Map, Value};

/// An execution's id: what `finish` reports on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionId(pub i64);

impl std::fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A player: an account source (`steam`, `minecraft`, `discord`, …) and the id there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Player {
    pub source: String,
    pub account_id: String,
}

impl Player {
    pub fn new(source: impl Into<String>, account_id: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            account_id: account_id.into(),
        }
    }
}

/// A role sync setting: whether the server reports in-game group changes (`send`) and
/// receives Backline's roles (`receive`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleSync {
    pub send: bool,
    pub receive: bool,
}

/// The server's settings, as a `settings` action carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub role_sync: RoleSync,
    /// Whether the server logs bans.
    pub ban_log: bool,
    /// The poll interval, seconds.
    pub poll_interval: u64,
}

/// A `roles` action: the in-game groups to grant and revoke for one player, most
/// privileged first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolesChange {
    pub player: Player,
    /// `true`: `grant` is every role the player holds that syncs here (sent while the player
    /// is connecting); `false`: only the roles that changed.
    pub exhaustive: bool,
    pub grant: Vec<String>,
    pub revoke: Vec<String>,
}

/// One delivered action.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A console command to run. Kicks are commands too (the game's `kick` template).
    Command {
        /// Present when the action must be acknowledged with `finish`.
        execution_id: Option<ExecutionId>,
        command: String,
    },
    /// Code for the game's scripting runtime.
    Code {
        execution_id: Option<ExecutionId>,
        code: String,
    },
    /// Roles to grant and revoke for one player.
    Roles {
        execution_id: Option<ExecutionId>,
        change: RolesChange,
    },
    /// The server's settings.
    Settings(Settings),
    /// A type this SDK does not know, or a known type with a payload of another shape: the
    /// integration should ignore it, but finish it with an error when it carries an
    /// execution id, so operators see it.
    Unknown {
        kind: String,
        execution_id: Option<ExecutionId>,
        payload: Value,
    },
}

impl Action {
    /// The execution to `finish`, when the action must be acknowledged.
    pub fn execution_id(&self) -> Option<ExecutionId> {
        match self {
            Self::Command { execution_id, .. }
            | Self::Code { execution_id, .. }
            | Self::Roles { execution_id, .. }
            | Self::Unknown { execution_id, .. } => *execution_id,
            Self::Settings(_) => None,
        }
    }

    /// Reads one action of an `actions` list.
    pub fn from_value(value: Value) -> Self {
        let (kind, payload) = match value {
            Value::Object(mut object) => (
                object
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                object.remove("payload").unwrap_or(Value::Null),
            ),
            other => (String::new(), other),
        };
        let execution_id = payload
            .get("execution_id")
            .and_then(Value::as_i64)
            .map(ExecutionId);
        let known = payload.as_object().and_then(|p| match kind.as_str() {
            "command" => Some(Self::Command {
                execution_id,
                command: text(p, "command")?,
            }),
            "code" => Some(Self::Code {
                execution_id,
                code: text(p, "code")?,
            }),
            "roles" => Some(Self::Roles {
                execution_id,
                change: roles(p)?,
            }),
            "settings" => Some(Self::Settings(settings(p)?)),
            _ => None,
        });
        known.unwrap_or(Self::Unknown {
            kind,
            execution_id,
            payload,
        })
    }
}

fn text(payload: &Map<String, Value>, name: &str) -> Option<String> {
    payload.get(name)?.as_str().map(str::to_owned)
}

fn names(payload: &Map<String, Value>, name: &str) -> Option<Vec<String>> {
    match payload.get(name) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => None,
    }
}

/// `player_<source>_account_id` names the player.
fn roles(payload: &Map<String, Value>) -> Option<RolesChange> {
    let player = payload.iter().find_map(|(key, value)| {
        let source = key.strip_prefix("player_")?.strip_suffix("_account_id")?;
        Some(Player::new(source, value.as_str()?))
    })?;
    Some(RolesChange {
        player,
        exhaustive: payload.get("exhaustive")?.as_bool()?,
        grant: names(payload, "grant")?,
        revoke: names(payload, "revoke")?,
    })
}

fn settings(payload: &Map<String, Value>) -> Option<Settings> {
    let sync = payload.get("role_sync")?;
    Some(Settings {
        role_sync: RoleSync {
            send: sync.get("send")?.as_bool()?,
            receive: sync.get("receive")?.as_bool()?,
        },
        ban_log: payload.get("ban_log")?.as_bool()?,
        poll_interval: payload.get("poll_interval")?.as_u64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_known_type_is_read_with_its_execution_id() {
        let command = Action::from_value(
            json!({"type": "command", "payload": {"command": "say hi", "execution_id": 7}}),
        );
        assert_eq!(
            command,
            Action::Command {
                execution_id: Some(ExecutionId(7)),
                command: "say hi".into()
            }
        );
        let roles = Action::from_value(json!({"type": "roles", "payload": {
            "exhaustive": true, "grant": ["admin"], "revoke": [],
            "player_steam_account_id": "76561198131926932"}}));
        assert_eq!(
            roles,
            Action::Roles {
                execution_id: None,
                change: RolesChange {
                    player: Player::new("steam", "76561198131926932"),
                    exhaustive: true,
                    grant: vec!["admin".into()],
                    revoke: vec![],
                }
            }
        );
        let settings = Action::from_value(json!({"type": "settings", "payload": {
            "role_sync": {"send": false, "receive": true}, "ban_log": true, "poll_interval": 10}}));
        assert_eq!(
            settings,
            Action::Settings(Settings {
                role_sync: RoleSync {
                    send: false,
                    receive: true
                },
                ban_log: true,
                poll_interval: 10
            })
        );
        assert_eq!(settings.execution_id(), None);
    }

    #[test]
    fn a_type_it_does_not_know_or_a_payload_of_another_shape_is_unknown_not_an_error() {
        let new_type =
            Action::from_value(json!({"type": "teleport", "payload": {"x": 1, "execution_id": 9}}));
        assert_eq!(
            new_type,
            Action::Unknown {
                kind: "teleport".into(),
                execution_id: Some(ExecutionId(9)),
                payload: json!({"x": 1, "execution_id": 9})
            }
        );
        assert_eq!(new_type.execution_id(), Some(ExecutionId(9)));
        let odd = Action::from_value(json!({"type": "command", "payload": {"command": 5}}));
        assert!(matches!(odd, Action::Unknown { ref kind, .. } if kind == "command"));
        let not_an_object = Action::from_value(json!("hello"));
        assert!(matches!(not_an_object, Action::Unknown { ref kind, .. } if kind.is_empty()));
    }
}
