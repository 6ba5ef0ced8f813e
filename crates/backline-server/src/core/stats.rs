//! The Spectra stats backend: match links, regions, MMR tiers, computed statistics.
//!
//! Spectra's own stats calls are not operators' acts; operators read the statistics (every
//! role) and have them recomputed (the owner, through the CLI), which is audited.

use super::access::{Administer, Grant, View};
use super::audit::Audited;
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

    /// Computes the match's statistics from its most advanced snapshot and stores them
    /// (Spectra's stats backend asking for them).
    pub async fn compute_match_stats(&self, match_uuid: &str) -> CoreResult<MatchStats> {
        self.compute_stats(None, match_uuid).await
    }

    /// An operator's recomputation of a match's statistics, recorded in the audit log (under
    /// the match's id) with the statistics.
    pub async fn recompute_match_stats(
        &self,
        grant: &Grant<Administer>,
        match_uuid: &str,
    ) -> CoreResult<MatchStats> {
        self.compute_stats(Some(grant), match_uuid).await
    }

    /// Computes and stores the statistics, with the audit entry of the operator who asked
    /// for them (when one did).
    async fn compute_stats(
        &self,
        grant: Option<&Grant<Administer>>,
        match_uuid: &str,
    ) -> CoreResult<MatchStats> {
        let match_uuid = require_match_uuid(match_uuid)?;
        let records = self.store.get_match(match_uuid).await?;
        let org_id = records.iter().find_map(|r| r.org_id.clone());
        let snapshot = records
            .into_iter()
            .find_map(|r| r.snapshot)
            .ok_or_else(|| CoreError::not_found(Entity::Match, match_uuid))?;
        let computed = stats::compute(match_uuid, &snapshot);
        let json = serde_json::to_string(&computed).expect("stats serialise");
        let now = self.now();
        let audit = grant.map(|g| g.audit(now, Audited::Matches, Some(match_uuid.to_owned())));
        self.store
            .save_match_stats(match_uuid, &json, now, audit.as_ref())
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

    /// What the stats backend keeps of a match (its region, groups and statistics).
    pub async fn get_stats(&self, _: &Grant<View>, match_uuid: &str) -> CoreResult<StatsRecord> {
        self.store
            .get_stats(match_uuid)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::MatchStats, match_uuid))
    }

    /// The stored statistics, computing them first if they never were (a read: computing
    /// them is not the operator's change, and not audited).
    pub async fn match_stats(&self, _: &Grant<View>, match_uuid: &str) -> CoreResult<MatchStats> {
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

/// A text cell of the CSV, safe to open in a spreadsheet (OWASP's "CSV injection"): a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula,
/// so it gets a leading `'`. Quoting (commas, quotes, line breaks) is the CSV writer's.
///
/// Only text that came from outside goes through here (names, ids, the map, the agent);
/// the numbers and booleans the server writes itself (`-3` is a number, not a formula)
/// are written as they are (docs/admin-api.md, "Statistics as CSV").
fn text_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
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
            text_cell(&stats.match_id),
            text_cell(stats.map.as_deref().unwrap_or_default()),
            p.team.to_string(),
            text_cell(team.map(|t| t.name.as_str()).unwrap_or_default()),
            (stats.winner == Some(p.team)).to_string(),
            text_cell(&p.puuid),
            text_cell(&p.full_name),
            text_cell(&p.agent),
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

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn text_that_a_spreadsheet_would_read_as_a_formula_gets_a_quote() {
        for hostile in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text_cell(hostile), format!("'{hostile}"));
        }
        for plain in ["Left Team", "", "a=b", " =x", "'=x"] {
            assert_eq!(text_cell(plain), plain);
        }
    }
}
