//! The Riot player registry.

use super::audit::record;
use super::{placeholders, time_page, ts, SqlStore, TimeOrder};
use crate::traits::{PlayerChange, PlayerStore, Seek, TimeKey};
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use backline_domain::spectra::player::{ObservedPlayer, RiotPlayer};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const PLAYER_COLUMNS: &str =
    "puuid, full_name, region, current_tier, peak_tier, tiers_set_by_operator, updated_at";

fn player_from_row(row: &AnyRow) -> StoreResult<RiotPlayer> {
    Ok(RiotPlayer {
        puuid: row.try_get("puuid")?,
        full_name: row.try_get("full_name")?,
        region: row.try_get("region")?,
        current_tier: row.try_get("current_tier")?,
        peak_tier: row.try_get("peak_tier")?,
        tiers_set_by_operator: row.try_get::<i64, _>("tiers_set_by_operator")? != 0,
        updated_at: ts(row, "updated_at")?,
    })
}

/// Learned values fill in and move forward; an operator's tiers are left alone; the peak
/// never goes down.
const OBSERVE_CONFLICT: &str = "ON CONFLICT (puuid) DO UPDATE SET \
    full_name = COALESCE(excluded.full_name, riot_players.full_name), \
    current_tier = CASE WHEN riot_players.tiers_set_by_operator = 1 THEN riot_players.current_tier \
        ELSE COALESCE(excluded.current_tier, riot_players.current_tier) END, \
    peak_tier = CASE WHEN riot_players.tiers_set_by_operator = 1 THEN riot_players.peak_tier \
        WHEN excluded.peak_tier IS NULL THEN riot_players.peak_tier \
        WHEN riot_players.peak_tier IS NULL OR excluded.peak_tier > riot_players.peak_tier \
        THEN excluded.peak_tier ELSE riot_players.peak_tier END, \
    updated_at = excluded.updated_at";

impl PlayerStore for SqlStore {
    async fn observe_players(&self, players: &[ObservedPlayer], now: Timestamp) -> StoreResult<()> {
        // One statement per call: a match has ten players, and duplicates within one
        // statement would make PostgreSQL refuse the upsert.
        let mut unique: Vec<&ObservedPlayer> = Vec::with_capacity(players.len());
        for p in players {
            if !unique.iter().any(|u| u.puuid == p.puuid) {
                unique.push(p);
            }
        }
        if unique.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = (0..unique.len())
            .map(|i| format!("({}, 0)", placeholders(i * 5 + 1, 5)))
            .collect();
        let sql = format!(
            "INSERT INTO riot_players (puuid, full_name, current_tier, peak_tier, updated_at, \
             tiers_set_by_operator) VALUES {} {OBSERVE_CONFLICT}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for p in unique {
            query = query
                .bind(p.puuid.as_str())
                .bind(p.full_name.as_deref())
                .bind(p.current_tier)
                .bind(p.peak_tier)
                .bind(now.millis());
        }
        query.execute(&self.write).await?;
        Ok(())
    }

    async fn get_players(&self, puuids: &[String]) -> StoreResult<Vec<RiotPlayer>> {
        if puuids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {PLAYER_COLUMNS} FROM riot_players WHERE puuid IN ({})",
            placeholders(1, puuids.len())
        );
        let mut query = sqlx::query(&sql);
        for p in puuids {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&self.read).await?;
        rows.iter().map(player_from_row).collect()
    }

    async fn list_players(&self, seek: &Seek<TimeKey>) -> StoreResult<Vec<RiotPlayer>> {
        let rows = time_page(
            &self.read,
            &format!("SELECT {PLAYER_COLUMNS} FROM riot_players"),
            ("updated_at", "puuid"),
            TimeOrder::NewestFirst,
            seek,
        )
        .await?;
        rows.iter().map(player_from_row).collect()
    }

    async fn change_player(
        &self,
        puuid: &str,
        change: &PlayerChange,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<RiotPlayer> {
        let sets_tiers = change.current_tier.is_some() || change.peak_tier.is_some();
        let sql = format!(
            "INSERT INTO riot_players (puuid, full_name, region, current_tier, peak_tier, \
             tiers_set_by_operator, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (puuid) DO UPDATE SET \
             full_name = COALESCE(excluded.full_name, riot_players.full_name), \
             region = COALESCE(excluded.region, riot_players.region), \
             current_tier = COALESCE(excluded.current_tier, riot_players.current_tier), \
             peak_tier = COALESCE(excluded.peak_tier, riot_players.peak_tier), \
             tiers_set_by_operator = CASE WHEN excluded.tiers_set_by_operator = 1 THEN 1 \
                 ELSE riot_players.tiers_set_by_operator END, \
             updated_at = excluded.updated_at \
             RETURNING {PLAYER_COLUMNS}"
        );
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&sql)
            .bind(puuid)
            .bind(change.full_name.as_deref())
            .bind(change.region.as_deref())
            .bind(change.current_tier)
            .bind(change.peak_tier)
            .bind(sets_tiers as i64)
            .bind(now.millis())
            .fetch_one(&mut *tx)
            .await?;
        let player = player_from_row(&row)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(player)
    }
}
