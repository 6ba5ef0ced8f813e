//! The Riot player registry as operators edit it.
//!
//! Moderators and owners edit players (names, regions, tiers); every role reads them. Each
//! edit is recorded in the audit log with the edit itself.

use super::access::{Grant, Moderate, View};
use super::audit::Audited;
use super::page::{time_key, Page, PageRequest};
use super::{Core, CoreError, CoreResult};
use backline_domain::spectra::player::{check_tier, parse_region, PlayerInputError, RiotPlayer};
use backline_store::{PlayerChange, Store};

impl From<PlayerInputError> for CoreError {
    fn from(e: PlayerInputError) -> Self {
        match e {
            PlayerInputError::UnknownRegion(_) => CoreError::invalid("region", e.to_string()),
            PlayerInputError::TierOutOfRange(_) => CoreError::invalid("tier", e.to_string()),
        }
    }
}

/// An operator's edit of a player, before validation.
#[derive(Clone, Debug, Default)]
pub struct PlayerEdit {
    pub full_name: Option<String>,
    pub region: Option<String>,
    pub current_tier: Option<i64>,
    pub peak_tier: Option<i64>,
}

impl<S: Store> Core<S> {
    /// A page of known players, most recently updated first.
    pub async fn list_players(
        &self,
        _: &Grant<View>,
        page: &PageRequest,
    ) -> CoreResult<Page<RiotPlayer>> {
        let rows = self.store.list_players(&page.time_seek()?).await?;
        Ok(page.page(rows, |p| time_key(p.updated_at, &p.puuid)))
    }

    /// Sets a player's region, name or tiers (creating the player); tiers set here are no
    /// longer overwritten by what matches report.
    /// The audit log names the player's PUUID.
    pub async fn edit_player(
        &self,
        grant: &Grant<Moderate>,
        puuid: &str,
        edit: &PlayerEdit,
    ) -> CoreResult<RiotPlayer> {
        let puuid = puuid.trim();
        if puuid.is_empty() || puuid.len() > 128 {
            return Err(CoreError::invalid("puuid", "must be 1 to 128 characters"));
        }
        let change = PlayerChange {
            full_name: edit
                .full_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            region: edit.region.as_deref().map(parse_region).transpose()?,
            current_tier: edit.current_tier.map(check_tier).transpose()?,
            peak_tier: edit.peak_tier.map(check_tier).transpose()?,
        };
        let PlayerChange {
            full_name,
            region,
            current_tier,
            peak_tier,
        } = &change;
        if full_name.is_none() && region.is_none() && current_tier.is_none() && peak_tier.is_none()
        {
            // An empty edit would create a player that holds nothing.
            return Err(CoreError::invalid(
                "player",
                "give at least one of full_name, region, current_tier and peak_tier",
            ));
        }
        let now = self.now();
        let audit = grant.audit(now, Audited::Players, Some(puuid.to_owned()));
        Ok(self
            .store
            .change_player(puuid, &change, now, Some(&audit))
            .await?)
    }
}
