//! Operators of the admin API: their named admin tokens with a role, and the audit log of
//! what they changed.

use crate::ids::AdminTokenId;
use crate::Timestamp;
use serde::Serialize;

/// What an admin token lets its operator do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdminRole {
    /// Everything, including admin tokens.
    Owner,
    /// Reads, and the writes of day-to-day moderation (players, player-cam players).
    Moderator,
    /// Reads only.
    Viewer,
}

impl AdminRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Self::Owner),
            "moderator" => Some(Self::Moderator),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }
}

/// An issued admin token as stored: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AdminToken {
    pub id: AdminTokenId,
    pub name: String,
    pub role: AdminRole,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub revoked_at: Option<Timestamp>,
}

/// One recorded write: who did what to which entity, when and from where. Never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Assigned by the store, increasing; the pagination cursor.
    pub seq: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub at: Timestamp,
    /// The admin token's name (`config` for the configured token, `cli` for the CLI).
    pub actor: String,
    /// The admin token's id, when the actor is one.
    pub actor_id: Option<String>,
    /// What was done, e.g. `POST /admin/v1/orgs` or `org create`.
    pub action: String,
    /// The kind of entity changed, e.g. `orgs`, `admin-tokens`.
    pub entity_type: String,
    /// The entity's id, when known.
    pub entity_id: Option<String>,
    /// The client address, or `cli`.
    pub source: String,
}
