//! The Spectra stats backend: match links, regions, MMR tiers, computed statistics.

use super::{Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::events::EventKind;
use backline_domain::spectra::record::StatsRecord;
use backline_domain::spectra::stats::{self, MatchStats};
use backline_store::Store;

/// One answer row of `fetchPlayerMMR`.
#[derive(Debug, PartialEq, Eq)]
pub struct PlayerTiers {
    pub puuid: String,
    pub current: Option<i64>,
    pub peak: Option<i64>,
}

fn require_match_uuid(match_uuid: &str) -> CoreResult<&str> {
    let trimmed = match_uuid.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 128 {
        return Err(CoreError::invalid(
            "matchUuid",
            "must be 1 to 128 characters",
        ));
    }
    Ok(trimmed)
}

impl<S: Store> Core<S> {
    /// Links an observer's group code to a match; true when the link is new.
    pub async fn add_stats_match(&self, group_code: &str, match_uuid: &str) -> CoreResult<bool> {
        let match_uuid = require_match_uuid(match_uuid)?;
        if group_code.trim().is_empty() {
            return Err(CoreError::invalid("code", "must not be empty"));
        }
        Ok(self
            .store
            .link_stats_group(match_uuid, group_code.trim(), self.now())
            .await?)
    }

    /// Resolves the match's region from the registry's knowledge of `account_puuid`;
    /// the region stays unknown (or as it was) when the account is unknown.
    pub async fn update_match_region(
        &self,
        match_uuid: &str,
        account_puuid: &str,
    ) -> CoreResult<Option<String>> {
        let match_uuid = require_match_uuid(match_uuid)?;
        let region = if account_puuid.is_empty() {
            None
        } else {
            let found = self.store.get_players(&[account_puuid.to_owned()]).await?;
            found.into_iter().next().and_then(|p| p.region)
        };
        self.store
            .set_stats_region(match_uuid, region.as_deref(), self.now())
            .await?;
        Ok(region)
    }

    /// Tiers of the requested players, one row per requested id in order, `None` when unknown.
    pub async fn fetch_player_tiers(&self, puuids: &[String]) -> CoreResult<Vec<PlayerTiers>> {
        if puuids.len() > 100 {
            return Err(CoreError::invalid(
                "accountPuuids",
                "at most 100 accounts per call",
            ));
        }
        let known = self.store.get_players(puuids).await?;
        Ok(puuids
            .iter()
            .map(|puuid| {
                let p = known.iter().find(|k| &k.puuid == puuid);
                PlayerTiers {
                    puuid: puuid.clone(),
                    current: p.and_then(|p| p.current_tier),
                    peak: p.and_then(|p| p.peak_tier),
                }
            })
            .collect())
    }

    /// Computes the match's statistics from its most advanced snapshot and stores them.
    pub async fn compute_match_stats(&self, match_uuid: &str) -> CoreResult<MatchStats> {
        let match_uuid = require_match_uuid(match_uuid)?;
        let records = self.store.get_match(match_uuid).await?;
        let org_id = records.iter().find_map(|r| r.org_id.clone());
        let snapshot = records
            .into_iter()
            .find_map(|r| r.snapshot)
            .ok_or_else(|| CoreError::not_found(Entity::Match, match_uuid))?;
        let computed = stats::compute(match_uuid, &snapshot);
        let json = serde_json::to_string(&computed).expect("stats serialise");
        self.store
            .save_match_stats(match_uuid, &json, self.now())
            .await?;
        let payload = serde_json::json!({
            "match_id": match_uuid,
            "map": computed.map,
            "winner": computed.winner,
            "rounds_played": computed.rounds_played,
            "players": computed.players.len(),
        });
        self.publish(
            self.event_now(EventKind::StatsReady, payload)
                .of_org(org_id),
        )
        .await;
        Ok(computed)
    }

    pub async fn get_stats(&self, match_uuid: &str) -> CoreResult<StatsRecord> {
        self.store
            .get_stats(match_uuid)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::MatchStats, match_uuid))
    }

    /// The stored statistics, computing them first if they never were.
    pub async fn match_stats(&self, match_uuid: &str) -> CoreResult<MatchStats> {
        if let Some(record) = self.store.get_stats(match_uuid).await? {
            if let Some(value) = record.stats {
                return serde_json::from_value(value).map_err(|e| {
                    CoreError::Store(backline_store::StoreError::Corrupt(e.to_string()))
                });
            }
        }
        self.compute_match_stats(match_uuid).await
    }
}

/// Statistics as CSV: one row per player, with the team's result beside it.
pub fn stats_csv(stats: &MatchStats) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "match_id",
        "map",
        "team",
        "team_name",
        "team_won",
        "puuid",
        "full_name",
        "agent",
        "kills",
        "deaths",
        "assists",
        "headshot_kills",
        "headshot_ratio",
        "kd_ratio",
        "team_kills",
        "money_spent",
        "current_mmr_tier",
        "peak_mmr_tier",
    ];
    out.write_record(header).expect("writing to memory");
    let opt = |v: Option<String>| v.unwrap_or_default();
    for p in &stats.players {
        let team = stats.teams.get(p.team);
        out.write_record([
            stats.match_id.clone(),
            opt(stats.map.clone()),
            p.team.to_string(),
            team.map(|t| t.name.clone()).unwrap_or_default(),
            (stats.winner == Some(p.team)).to_string(),
            p.puuid.clone(),
            p.full_name.clone(),
            p.agent.clone(),
            p.kills.to_string(),
            p.deaths.to_string(),
            p.assists.to_string(),
            p.headshot_kills.to_string(),
            opt(p.headshot_ratio.map(|r| r.to_string())),
            opt(p.kd_ratio.map(|r| r.to_string())),
            p.team_kills.to_string(),
            p.money_spent.to_string(),
            opt(p.current_mmr_tier.map(|t| t.to_string())),
            opt(p.peak_mmr_tier.map(|t| t.to_string())),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("flushing memory")).expect("csv of strings is utf-8")
}
