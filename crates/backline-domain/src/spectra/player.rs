//! The Riot player registry: what Backline knows of a Valorant account.

use crate::Timestamp;
use serde::Serialize;

/// Valorant's shards, the regions a match can be played in.
pub const REGIONS: &[&str] = &["eu", "na", "ap", "kr", "latam", "br"];

/// Highest competitive tier (Radiant); 0 is unranked.
pub const MAX_TIER: i64 = 27;

/// A Riot account as the registry holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RiotPlayer {
    /// Riot PUUID.
    pub puuid: String,
    /// `Name#TAG` as last seen.
    pub full_name: Option<String>,
    pub region: Option<String>,
    pub current_tier: Option<i64>,
    pub peak_tier: Option<i64>,
    /// True once an operator set the tiers: learned values no longer overwrite them.
    pub tiers_set_by_operator: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub updated_at: Timestamp,
}

/// What a match snapshot tells about one of its players.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservedPlayer {
    pub puuid: String,
    pub full_name: Option<String>,
    pub current_tier: Option<i64>,
    pub peak_tier: Option<i64>,
}

/// A region or tier an operator tried to set that does not exist.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlayerInputError {
    #[error("unknown region `{0}`; use one of eu, na, ap, kr, latam, br")]
    UnknownRegion(String),
    #[error("tier {0} is out of range; tiers go from 0 (unranked) to 27 (Radiant)")]
    TierOutOfRange(i64),
}

/// Normalises an operator-given region (`EU` → `eu`) and checks it exists.
pub fn parse_region(text: &str) -> Result<String, PlayerInputError> {
    let lower = text.trim().to_ascii_lowercase();
    if REGIONS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(PlayerInputError::UnknownRegion(text.to_owned()))
    }
}

pub fn check_tier(tier: i64) -> Result<i64, PlayerInputError> {
    if (0..=MAX_TIER).contains(&tier) {
        Ok(tier)
    } else {
        Err(PlayerInputError::TierOutOfRange(tier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_normalised_and_checked() {
        assert_eq!(parse_region(" EU ").unwrap(), "eu");
        assert_eq!(
            parse_region("mars"),
            Err(PlayerInputError::UnknownRegion("mars".into()))
        );
    }

    #[test]
    fn tiers_are_bounded() {
        assert!(check_tier(0).is_ok());
        assert!(check_tier(27).is_ok());
        assert!(check_tier(28).is_err());
        assert!(check_tier(-1).is_err());
    }
}
