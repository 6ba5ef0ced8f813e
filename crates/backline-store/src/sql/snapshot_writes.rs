//! Writing a group of match snapshots, and the events reporting them, in one transaction:
//! one multi-row upsert, one multi-row event insert, one commit.
//!
//! A multi-row `INSERT … ON CONFLICT DO UPDATE` may not touch one row twice on PostgreSQL,
//! so writes to the same `(match_id, group_code)` are merged first, in Rust, with the rule
//! the upsert applies in SQL (`Progress::supersedes`); the merged row leaves the table as
//! applying the writes one by one in arrival order would (see [`upsert_rows`]).

use super::events::insert_events;
use super::{begin_write, placeholders, Backend};
use crate::traits::SnapshotWrite;
use crate::StoreResult;
use backline_domain::events::{EventId, NewEvent};
use backline_domain::spectra::lifecycle::MatchState;
use sqlx::AnyPool;
use std::collections::hash_map::{Entry, HashMap};
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

/// The columns of one upsert row, in the order of their parameters.
const INSERT_COLUMNS: &str = "match_id, group_code, org_id, state, is_final, round_number, \
    round_phase, map, match_type, snapshot, updated_at, completed_at, registered_at, \
    first_seen_at";

/// Parameters per upsert row (the columns above).
const PARAMS_PER_ROW: usize = 14;

/// Rows per upsert statement: 64 × 14 parameters, far below both databases' limits.
const ROWS_PER_UPSERT: usize = 64;

/// `Progress::supersedes` in SQL: the stored row is not final, and the incoming one is final
/// or at least as far in rounds.
const INCOMING_IS_NEWER: &str = "spectra_matches.is_final = 0 AND \
    (excluded.is_final = 1 OR excluded.round_number >= spectra_matches.round_number)";

/// What a conflicting row does: replace the snapshot columns only when the incoming
/// snapshot is newer; keep the first registration time; never touch `first_seen_at`.
static ON_CONFLICT: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = SNAPSHOT_COLUMNS
        .iter()
        .map(|c| {
            format!("{c} = CASE WHEN {INCOMING_IS_NEWER} THEN excluded.{c} ELSE spectra_matches.{c} END")
        })
        .collect();
    format!(
        "ON CONFLICT (match_id, group_code) DO UPDATE SET {}, \
         registered_at = COALESCE(spectra_matches.registered_at, excluded.registered_at)",
        sets.join(", ")
    )
});

/// The upsert of `rows` rows, in one statement so concurrent writers cannot interleave.
fn upsert_sql(rows: usize) -> String {
    let values = (0..rows)
        .map(|i| format!("({})", placeholders(PARAMS_PER_ROW * i + 1, PARAMS_PER_ROW)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO spectra_matches ({INSERT_COLUMNS}) VALUES {values} {}",
        *ON_CONFLICT
    )
}

/// One row of the upsert: the write that wins among a group's writes to one key, with what
/// the losing writes still contribute.
#[derive(Debug)]
struct UpsertRow<'a> {
    /// The most advanced write (by `Progress::supersedes`, ties to the later one).
    winner: &'a SnapshotWrite,
    /// The first registration time among the writes (a register stamps it; the first stands).
    registered_at: Option<i64>,
    /// The time of the first write: the row's `first_seen_at` if the match is new.
    first_seen_at: i64,
}

fn registered_at(write: &SnapshotWrite) -> Option<i64> {
    (write.state == MatchState::Registered).then_some(write.now.millis())
}

/// Merges `writes` (in arrival order) into one row per key, sorted by key so that concurrent
/// transactions (other nodes on PostgreSQL) lock rows in the same order.
///
/// Applying the merged row leaves the same result as applying the writes one by one:
/// `supersedes` is transitive (if `b` supersedes `a` and `a` supersedes the stored row, `b`
/// supersedes it too), and a write that does not supersede the group's winner so far
/// supersedes nothing the winner would not — so of the writes only the winner can change
/// the snapshot columns, whatever is stored. The registration time is a `COALESCE` in
/// arrival order and `first_seen_at` counts only when the first write inserts the row.
fn upsert_rows(writes: &[SnapshotWrite]) -> Vec<UpsertRow<'_>> {
    let mut rows: Vec<UpsertRow<'_>> = Vec::with_capacity(writes.len());
    let mut by_key: HashMap<(&str, &str), usize> = HashMap::with_capacity(writes.len());
    for write in writes {
        match by_key.entry((&write.match_id, &write.group_code)) {
            Entry::Vacant(slot) => {
                slot.insert(rows.len());
                rows.push(UpsertRow {
                    winner: write,
                    registered_at: registered_at(write),
                    first_seen_at: write.now.millis(),
                });
            }
            Entry::Occupied(slot) => {
                let row = &mut rows[*slot.get()];
                if write.progress().supersedes(row.winner.progress()) {
                    row.winner = write;
                }
                row.registered_at = row.registered_at.or(registered_at(write));
            }
        }
    }
    rows.sort_unstable_by(|a, b| {
        (&a.winner.match_id, &a.winner.group_code).cmp(&(&b.winner.match_id, &b.winner.group_code))
    });
    rows
}

/// Records `writes` and appends `events` (in order) in one transaction; answers the events'
/// ids. Nothing is written when it fails.
pub(super) async fn write_together(
    pool: &AnyPool,
    backend: Backend,
    writes: &[SnapshotWrite],
    events: &[NewEvent],
) -> StoreResult<Vec<EventId>> {
    let mut tx = begin_write(pool, backend).await?;
    for chunk in upsert_rows(writes).chunks(ROWS_PER_UPSERT) {
        let sql = upsert_sql(chunk.len());
        let mut query = sqlx::query(&sql);
        for row in chunk {
            let w = row.winner;
            let is_final = w.state.is_final();
            query = query
                .bind(w.match_id.as_str())
                .bind(w.group_code.as_str())
                .bind(w.org_id.as_deref())
                .bind(w.state.as_str())
                .bind(is_final as i64)
                .bind(w.round_number)
                .bind(w.round_phase.as_str())
                .bind(w.map.as_deref())
                .bind(w.match_type.as_deref())
                .bind(w.snapshot_json.as_str())
                .bind(w.now.millis())
                .bind(is_final.then_some(w.now.millis()))
                .bind(row.registered_at)
                .bind(row.first_seen_at);
        }
        query.execute(&mut *tx).await?;
    }
    let ids = insert_events(&mut tx, backend, events).await?;
    tx.commit().await?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use backline_domain::Timestamp;
    use proptest::prelude::*;

    fn write(key: u8, state: MatchState, round: i64, now: i64) -> SnapshotWrite {
        SnapshotWrite {
            match_id: format!("m{key}"),
            group_code: "G".into(),
            org_id: None,
            state,
            round_number: round,
            round_phase: "combat".into(),
            map: None,
            match_type: None,
            snapshot_json: format!("{{\"at\":{now}}}"),
            now: Timestamp::from_millis(now),
        }
    }

    /// The columns one key's row ends with: (snapshot, registered_at, first_seen_at).
    type Stored = (String, Option<i64>, i64);

    /// What the SQL upsert does to one stored row, written out by hand.
    fn apply(
        stored: Option<(Stored, SnapshotWrite)>,
        row: &UpsertRow<'_>,
    ) -> (Stored, SnapshotWrite) {
        let w = row.winner;
        match stored {
            None => (
                (
                    w.snapshot_json.clone(),
                    row.registered_at,
                    row.first_seen_at,
                ),
                w.clone(),
            ),
            Some(((snapshot, registered, first_seen), current)) => {
                let registered = registered.or(row.registered_at);
                if w.progress().supersedes(current.progress()) {
                    ((w.snapshot_json.clone(), registered, first_seen), w.clone())
                } else {
                    ((snapshot, registered, first_seen), current)
                }
            }
        }
    }

    fn end_state(
        initial: &[SnapshotWrite],
        groups: &[Vec<SnapshotWrite>],
    ) -> HashMap<String, Stored> {
        let mut table: HashMap<String, (Stored, SnapshotWrite)> = HashMap::new();
        for group in std::iter::once(initial).chain(groups.iter().map(Vec::as_slice)) {
            for row in upsert_rows(group) {
                let key = row.winner.match_id.clone();
                let stored = table.remove(&key);
                table.insert(key, apply(stored, &row));
            }
        }
        table.into_iter().map(|(k, (s, _))| (k, s)).collect()
    }

    fn any_write() -> impl Strategy<Value = SnapshotWrite> {
        let state = prop_oneof![
            Just(MatchState::Registered),
            Just(MatchState::Live),
            Just(MatchState::Completed),
            Just(MatchState::Abandoned),
        ];
        (0u8..3, state, 0i64..6).prop_map(|(key, state, round)| write(key, state, round, 0))
    }

    proptest! {
        /// A group merged into one row per key ends like the same writes applied one by one
        /// (each a group of one), whatever was stored before.
        #[test]
        fn a_merged_group_ends_like_writes_one_by_one(
            initial in proptest::collection::vec(any_write(), 0..4),
            writes in proptest::collection::vec(any_write(), 1..24),
        ) {
            let stamp = |ws: Vec<SnapshotWrite>, from: i64| -> Vec<SnapshotWrite> {
                ws.into_iter().enumerate().map(|(i, mut w)| {
                    w.now = Timestamp::from_millis(from + i as i64);
                    w.snapshot_json = format!("{{\"at\":{}}}", from + i as i64);
                    w
                }).collect()
            };
            let initial = stamp(initial, 0);
            let writes = stamp(writes, 100);
            let one_by_one: Vec<Vec<SnapshotWrite>> = writes.iter().map(|w| vec![w.clone()]).collect();
            prop_assert_eq!(
                end_state(&initial, std::slice::from_ref(&writes)),
                end_state(&initial, &one_by_one)
            );
        }
    }

    #[test]
    fn rows_are_one_per_key_in_key_order() {
        let writes = [
            write(2, MatchState::Live, 3, 1),
            write(1, MatchState::Registered, 0, 2),
            write(2, MatchState::Live, 5, 3),
            write(2, MatchState::Live, 4, 4),
            write(1, MatchState::Live, 1, 5),
        ];
        let rows = upsert_rows(&writes);
        let summary: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.winner.match_id.as_str(),
                    r.winner.round_number,
                    r.registered_at,
                    r.first_seen_at,
                )
            })
            .collect();
        assert_eq!(summary, [("m1", 1, Some(2), 2), ("m2", 5, None, 1)]);
    }

    #[test]
    fn the_statement_has_one_parameter_list_per_row() {
        let sql = upsert_sql(2);
        assert!(
            sql.contains("($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14), ($15,")
        );
        assert!(sql.ends_with("excluded.registered_at)"));
    }
}
