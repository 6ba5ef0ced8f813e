//! Spectra matches: one row per `(match_id, group_code)` holding the latest snapshot.

use super::{opt_ts, ts, SqlStore};
use crate::traits::{MatchFilter, MatchStore, SnapshotWrite};
use crate::{StoreError, StoreResult};
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::spectra::record::MatchRecord;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::sync::LazyLock;

/// Columns that belong to a snapshot and move together when a newer one arrives.
const SNAPSHOT_COLUMNS: &[&str] = &[
    "org_id",
    "state",
    "is_final",
    "round_number",
    "round_phase",
    "map",
    "match_type",
    "snapshot",
    "updated_at",
    "completed_at",
];

/// `Progress::supersedes` in SQL: the stored row is not final, and the incoming one is final
/// or at least as far in rounds.
const INCOMING_IS_NEWER: &str = "spectra_matches.is_final = 0 AND \
    (excluded.is_final = 1 OR excluded.round_number >= spectra_matches.round_number)";

/// The upsert: insert a new match, or replace the snapshot columns only when the incoming
/// snapshot is newer, in one statement so concurrent calls cannot interleave.
static RECORD_SNAPSHOT: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = SNAPSHOT_COLUMNS
        .iter()
        .map(|c| {
            format!("{c} = CASE WHEN {INCOMING_IS_NEWER} THEN excluded.{c} ELSE spectra_matches.{c} END")
        })
        .collect();
    format!(
        "INSERT INTO spectra_matches (match_id, group_code, org_id, state, is_final, round_number, \
         round_phase, map, match_type, snapshot, updated_at, completed_at, registered_at, \
         first_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11) \
         ON CONFLICT (match_id, group_code) DO UPDATE SET {}, \
         registered_at = COALESCE(spectra_matches.registered_at, excluded.registered_at)",
        sets.join(", ")
    )
});

const RECORD_COLUMNS: &str = "match_id, group_code, org_id, state, round_number, round_phase, \
    map, match_type, registered_at, first_seen_at, updated_at, completed_at";

/// Most advanced first: final, then highest round, then latest.
const MOST_ADVANCED_FIRST: &str = "is_final DESC, round_number DESC, updated_at DESC, group_code";

fn record_from_row(row: &AnyRow, with_snapshot: bool) -> StoreResult<MatchRecord> {
    let state: String = row.try_get("state")?;
    let snapshot = if with_snapshot {
        let text: String = row.try_get("snapshot")?;
        Some(serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    } else {
        None
    };
    Ok(MatchRecord {
        match_id: row.try_get("match_id")?,
        group_code: row.try_get("group_code")?,
        org_id: row.try_get("org_id")?,
        state: MatchState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown match state `{state}`")))?,
        round_number: row.try_get("round_number")?,
        round_phase: row.try_get("round_phase")?,
        map: row.try_get("map")?,
        match_type: row.try_get("match_type")?,
        registered_at: opt_ts(row, "registered_at")?,
        first_seen_at: ts(row, "first_seen_at")?,
        updated_at: ts(row, "updated_at")?,
        completed_at: opt_ts(row, "completed_at")?,
        snapshot,
    })
}

impl MatchStore for SqlStore {
    async fn record_snapshot(&self, w: &SnapshotWrite<'_>) -> StoreResult<()> {
        let is_final = w.state.is_final();
        let registered = (w.state == MatchState::Registered).then_some(w.now.millis());
        sqlx::query(&RECORD_SNAPSHOT)
            .bind(w.match_id)
            .bind(w.group_code)
            .bind(w.org_id)
            .bind(w.state.as_str())
            .bind(is_final as i64)
            .bind(w.round_number)
            .bind(w.round_phase)
            .bind(w.map)
            .bind(w.match_type)
            .bind(w.snapshot_json)
            .bind(w.now.millis())
            .bind(is_final.then_some(w.now.millis()))
            .bind(registered)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn list_matches(&self, filter: &MatchFilter) -> StoreResult<Vec<MatchRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM spectra_matches \
             WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR org_id = $2) \
             AND ($3 IS NULL OR updated_at < $3 OR (updated_at = $3 AND \
                  (match_id > $4 OR (match_id = $4 AND group_code > $5)))) \
             ORDER BY updated_at DESC, match_id, group_code LIMIT $6"
        );
        let after = filter.after.as_ref();
        let rows = sqlx::query(&sql)
            .bind(filter.state.map(MatchState::as_str))
            .bind(filter.org_id.as_deref())
            .bind(after.map(|k| k.updated_at.millis()))
            .bind(after.map(|k| k.match_id.as_str()))
            .bind(after.map(|k| k.group_code.as_str()))
            .bind(filter.limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| record_from_row(r, false)).collect()
    }

    async fn get_match(&self, match_id: &str) -> StoreResult<Vec<MatchRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS}, snapshot FROM spectra_matches WHERE match_id = $1 \
             ORDER BY {MOST_ADVANCED_FIRST}"
        );
        let rows = sqlx::query(&sql)
            .bind(match_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| record_from_row(r, true)).collect()
    }
}
