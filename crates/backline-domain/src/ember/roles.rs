//! Roles: a hierarchy (position, most privileged first), in-game equivalents, and the server
//! groups a role is limited to.

use super::actions::PlayerRef;
use super::servers::GameServer;
use crate::ids::{RoleId, UserId};
use crate::Timestamp;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    /// The exact in-game group name.
    pub ingame: String,
    /// Lower is more privileged.
    pub position: i64,
    /// Server groups the role is limited to; empty means every server.
    pub server_groups: Vec<String>,
}

impl Role {
    /// Whether this role syncs to `server`.
    pub fn syncs_to(&self, server: &GameServer) -> bool {
        self.server_groups.is_empty()
            || self.server_groups.iter().any(|g| server.groups.contains(g))
    }
}

/// A user holding a role, with the game accounts that name them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleHolder {
    pub user_id: UserId,
    pub accounts: Vec<PlayerRef>,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub granted_at: Timestamp,
}

/// A user's roles, as the roles actions report them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleChange {
    /// In-game names, most privileged first.
    pub grant: Vec<String>,
    pub revoke: Vec<String>,
}

/// Sorts roles most privileged first (position, then name) and keeps those syncing to
/// `server`, as in-game names.
pub fn ingame_names(roles: &[Role], server: &GameServer) -> Vec<String> {
    let mut syncing: Vec<&Role> = roles.iter().filter(|r| r.syncs_to(server)).collect();
    syncing.sort_by(|a, b| {
        a.position
            .cmp(&b.position)
            .then_with(|| a.name.cmp(&b.name))
    });
    syncing.into_iter().map(|r| r.ingame.clone()).collect()
}

/// The `roles` action payload for one player.
pub fn roles_payload(
    source: &str,
    account_id: &str,
    exhaustive: bool,
    change: &RoleChange,
) -> serde_json::Value {
    let mut payload = serde_json::json!({
        "exhaustive": exhaustive,
        "grant": change.grant,
        "revoke": change.revoke,
    });
    payload[format!("player_{source}_account_id")] =
        serde_json::Value::String(account_id.to_owned());
    payload
}
