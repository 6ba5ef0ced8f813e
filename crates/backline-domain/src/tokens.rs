//! API tokens that client programs present (Spectra's backend and stats tokens).

use crate::ids::ApiTokenId;
use crate::Timestamp;
use serde::Serialize;

/// What an API token lets its bearer do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum ApiTokenKind {
    /// Spectra Server's `BACKEND_TOKEN`, sent as `X-User-Token`.
    #[serde(rename = "spectra-backend")]
    SpectraBackend,
    /// Spectra Server's `STATS_BACKEND_TOKEN`, sent as `Authentication`.
    #[serde(rename = "spectra-stats")]
    SpectraStats,
}

impl ApiTokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SpectraBackend => "spectra-backend",
            Self::SpectraStats => "spectra-stats",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "spectra-backend" => Some(Self::SpectraBackend),
            "spectra-stats" => Some(Self::SpectraStats),
            _ => None,
        }
    }
}

/// An issued API token as stored: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub kind: ApiTokenKind,
    pub name: String,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub revoked_at: Option<Timestamp>,
}
