//! Spectra match register, update and complete.

use super::access::{Grant, View};
use super::page::{key_cursor, Page, PageRequest};
use super::{Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::events::EventKind;
use backline_domain::spectra::lifecycle::{MatchState, SnapshotCall};
use backline_domain::spectra::record::MatchRecord;
use backline_domain::spectra::snapshot::{MatchSnapshot, SnapshotError};
use backline_domain::Timestamp;
use backline_store::{MatchFilter, MatchKey, SnapshotWrite, Store};
use serde_json::json;

/// What was recorded, for the answer to Spectra.
#[derive(Debug)]
pub struct RecordedSnapshot {
    pub match_id: String,
    pub group_code: String,
    pub state: MatchState,
}

impl From<SnapshotError> for CoreError {
    fn from(e: SnapshotError) -> Self {
        match e {
            SnapshotError::Syntax(msg) => {
                CoreError::Malformed(format!("the body is not valid JSON: {msg}"))
            }
            SnapshotError::EmptyMatchId => CoreError::invalid("matchId", "must not be empty"),
            SnapshotError::Shape(msg) => CoreError::invalid("match", msg),
            mismatch @ SnapshotError::MatchIdMismatch { .. } => {
                CoreError::invalid("match.matchId", mismatch.to_string())
            }
        }
    }
}

impl<S: Store> Core<S> {
    /// Records a register/update/complete body. Older snapshots never replace newer ones and
    /// a second complete changes nothing (the store decides atomically); a match never
    /// registered is created. Register and complete also teach the player registry.
    pub async fn record_match_snapshot(
        &self,
        call: SnapshotCall,
        path_match_id: &str,
        body: &[u8],
    ) -> CoreResult<RecordedSnapshot> {
        let snapshot = MatchSnapshot::parse(path_match_id, body)?;
        let state = MatchState::after(call, &snapshot.round_phase);
        let kind = match call {
            SnapshotCall::Register => EventKind::MatchRegistered,
            SnapshotCall::Update => EventKind::MatchUpdated,
            SnapshotCall::Complete => EventKind::MatchCompleted,
        };
        let payload = json!({
            "match_id": snapshot.match_id,
            "group_code": snapshot.group_code,
            "state": state,
            "round": snapshot.round_number,
            "phase": snapshot.round_phase,
            "score": snapshot.score,
            "map": snapshot.map,
        });
        let event = self
            .event_now(kind, payload)
            .of_org(snapshot.organization_id.clone());
        let recorded = RecordedSnapshot {
            match_id: snapshot.match_id.clone(),
            group_code: snapshot.group_code.clone(),
            state,
        };
        let now = event.at;
        let write = SnapshotWrite {
            match_id: snapshot.match_id,
            group_code: snapshot.group_code,
            org_id: snapshot.organization_id,
            state,
            round_number: snapshot.round_number,
            round_phase: snapshot.round_phase,
            map: snapshot.map,
            match_type: snapshot.match_type,
            snapshot_json: snapshot.document,
            now,
        };
        // Players first, so that a subscriber told of the match finds them known.
        if call != SnapshotCall::Update {
            self.store.observe_players(&snapshot.players, now).await?;
        }
        // The event goes in the snapshot's transaction: one commit for both, and for every
        // other snapshot committed with it (the store groups concurrent writes).
        let event_id = self.store.record_snapshot(write, event).await?;
        self.announce(event_id);
        Ok(recorded)
    }

    /// A page of match records (one per observer), most recently updated first, narrowed
    /// to a state and an organisation when given.
    pub async fn list_matches(
        &self,
        _: &Grant<View>,
        state: Option<MatchState>,
        org_id: Option<String>,
        page: &PageRequest,
    ) -> CoreResult<Page<MatchRecord>> {
        let after = match page.key_cursor(3)? {
            Some(parts) => Some(MatchKey {
                updated_at: Timestamp::from_millis(parts[0].parse().map_err(|_| {
                    CoreError::invalid("cursor", "not a cursor Backline handed out")
                })?),
                match_id: parts[1].clone(),
                group_code: parts[2].clone(),
            }),
            None => None,
        };
        let filter = MatchFilter {
            state,
            org_id,
            after,
            limit: page.fetch(),
        };
        let rows = self.store.list_matches(&filter).await?;
        Ok(page.page(rows, |m| {
            key_cursor(&[
                &m.updated_at.millis().to_string(),
                &m.match_id,
                &m.group_code,
            ])
        }))
    }

    /// Every observer's record of a match, most advanced first; `NotFound` when none.
    pub async fn get_match(&self, _: &Grant<View>, match_id: &str) -> CoreResult<Vec<MatchRecord>> {
        let records = self.store.get_match(match_id).await?;
        if records.is_empty() {
            return Err(CoreError::not_found(Entity::Match, match_id));
        }
        Ok(records)
    }
}
