//! The parameters each Ember endpoint reads from its merged query and body (PHP-style form
//! or JSON, decoded by [`super::decode_request`] into [`super::extract::Params`]), described
//! for the OpenAPI document. The handlers read them by name from `Params`; these types only
//! give the document their shape.

use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `meta`'s parameters.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MetaFields {
    /// The actions whose settings are wanted (`actions[]=settings`).
    actions: Option<Vec<String>>,
}

/// A player's ids in one presence state.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PresenceIds {
    ids: Option<Vec<String>>,
}

/// `poll`'s parameters: the players on the server by source and presence state
/// (`players[steam][connected][ids][]=…`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PollFields {
    /// `{<source>: {"connecting"?: {"ids": [...]}, "connected"?: {"ids": [...]}}}`
    players: Option<BTreeMap<String, BTreeMap<String, PresenceIds>>>,
}

/// `finish`'s parameters.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FinishFields {
    /// Why the execution failed; absent when it succeeded.
    error: Option<String>,
}

/// A ban's parameters. The admin who banned is `admin_<source>_account_id`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BanFields {
    /// `server` (default), `global` or `web`.
    scope: Option<String>,
    /// Minutes until the ban ends; absent for a permanent ban.
    duration_minutes: Option<i64>,
    reason: Option<String>,
}

/// A role's in-game equivalent.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RoleFields {
    name: String,
}

/// `primaryrole`'s answer.
#[derive(serde::Serialize, ToSchema)]
pub struct PrimaryRole {
    /// The in-game equivalent of the player's primary role, if any.
    pub name: Option<String>,
}
