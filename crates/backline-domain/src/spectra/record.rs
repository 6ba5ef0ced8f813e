//! A Spectra match as stored: identity, lifecycle, the latest snapshot.

use super::lifecycle::MatchState;
use crate::Timestamp;
use serde::Serialize;
use serde_json::Value;

/// One observer's view of one Riot match, keyed by `(match_id, group_code)`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MatchRecord {
    pub match_id: String,
    pub group_code: String,
    pub org_id: Option<String>,
    pub state: MatchState,
    pub round_number: i64,
    pub round_phase: String,
    pub map: Option<String>,
    pub match_type: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub registered_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub first_seen_at: Timestamp,
    /// When the stored snapshot was accepted.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub updated_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub completed_at: Option<Timestamp>,
    /// The latest snapshot, without secrets; omitted from listings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Value>,
}

/// What the stats backend keeps for a Riot match (shared by all observers of it).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatsRecord {
    pub match_id: String,
    pub region: Option<String>,
    pub group_codes: Vec<String>,
    pub stats: Option<Value>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub computed_at: Option<Timestamp>,
}
