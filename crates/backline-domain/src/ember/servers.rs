//! Game servers as the integration API sees them.

use super::bans::BanScope;
use crate::ids::ServerId;
use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// Whether roles flow from the game to Backline (`send`) and from Backline to the game
/// (`receive`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSync {
    pub send: bool,
    pub receive: bool,
}

/// A game server known to Backline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GameServer {
    pub id: ServerId,
    pub name: String,
    /// Key of the game (`gmod`, `rust`, …).
    pub game: String,
    pub address: Option<String>,
    /// Server groups: ban scope `server` and role limits work by group.
    pub groups: Vec<String>,
    pub poll_interval_seconds: i64,
    /// Ban scopes this server enforces on connecting players.
    pub enforced_ban_scopes: Vec<BanScope>,
    /// The group a `server`-scoped ban issued from this server applies to.
    pub default_ban_group: Option<String>,
    pub role_sync: RoleSync,
    /// Whether the plugin should log bans in game.
    pub ban_log: bool,
    /// Increases when settings change; a poll sends settings when the server has not seen
    /// the current version.
    pub settings_version: i64,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub last_poll_at: Option<Timestamp>,
}

impl GameServer {
    /// The group `server`-scoped bans from this server go to.
    pub fn ban_group(&self) -> Option<&str> {
        self.default_ban_group
            .as_deref()
            .or_else(|| self.groups.first().map(String::as_str))
    }

    /// The `settings` action payload.
    pub fn settings_payload(&self) -> serde_json::Value {
        serde_json::json!({
            "role_sync": {"send": self.role_sync.send, "receive": self.role_sync.receive},
            "ban_log": self.ban_log,
            "poll_interval": self.poll_interval_seconds,
        })
    }
}
