//! Spectra matches: one row per `(match_id, group_code)` holding the latest snapshot.
//! Snapshots are written in groups (`snapshot_queue.rs`, `snapshot_writes.rs`).

use super::{opt_ts, ts, SqlStore};
use crate::traits::{MatchFilter, MatchStore, SnapshotWrite};
use crate::{StoreError, StoreResult};
use backline_domain::events::{EventId, NewEvent};
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::spectra::record::MatchRecord;
use sqlx::any::AnyRow;
use sqlx::Row;

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
    async fn record_snapshot(&self, write: SnapshotWrite, event: NewEvent) -> StoreResult<EventId> {
        self.snapshots.record(write, event).await
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
