//! What the stats backend keeps per Riot match.

use super::audit::record;
use super::{opt_ts, SqlStore};
use crate::traits::StatsStore;
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::spectra::record::StatsRecord;
use backline_domain::Timestamp;
use sqlx::Row;

impl SqlStore {
    /// Makes sure the stats row of a match exists (inside a write transaction).
    async fn ensure_stats_row(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        match_id: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO stats_matches (match_id, created_at) VALUES ($1, $2) \
             ON CONFLICT (match_id) DO NOTHING",
        )
        .bind(match_id)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

impl StatsStore for SqlStore {
    async fn link_stats_group(
        &self,
        match_id: &str,
        group_code: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        Self::ensure_stats_row(&mut tx, match_id, now).await?;
        let done = sqlx::query(
            "INSERT INTO stats_match_groups (match_id, group_code, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (match_id, group_code) DO NOTHING",
        )
        .bind(match_id)
        .bind(group_code)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_stats_region(
        &self,
        match_id: &str,
        region: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::ensure_stats_row(&mut tx, match_id, now).await?;
        sqlx::query("UPDATE stats_matches SET region = COALESCE($2, region) WHERE match_id = $1")
            .bind(match_id)
            .bind(region)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_match_stats(
        &self,
        match_id: &str,
        stats_json: &str,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::ensure_stats_row(&mut tx, match_id, now).await?;
        sqlx::query("UPDATE stats_matches SET stats = $2, computed_at = $3 WHERE match_id = $1")
            .bind(match_id)
            .bind(stats_json)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_stats(&self, match_id: &str) -> StoreResult<Option<StatsRecord>> {
        let row =
            sqlx::query("SELECT region, stats, computed_at FROM stats_matches WHERE match_id = $1")
                .bind(match_id)
                .fetch_optional(&self.read)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let groups = sqlx::query(
            "SELECT group_code FROM stats_match_groups WHERE match_id = $1 ORDER BY added_at, group_code",
        )
        .bind(match_id)
        .fetch_all(&self.read)
        .await?;
        let stats = row
            .try_get::<Option<String>, _>("stats")?
            .map(|text| serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?;
        Ok(Some(StatsRecord {
            match_id: match_id.to_owned(),
            region: row.try_get("region")?,
            group_codes: groups
                .iter()
                .map(|g| g.try_get("group_code"))
                .collect::<Result<_, _>>()?,
            stats,
            computed_at: opt_ts(&row, "computed_at")?,
        }))
    }
}
