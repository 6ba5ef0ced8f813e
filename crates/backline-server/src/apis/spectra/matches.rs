//! Match register, update and complete.
//!
//! Upstream: `registerMatch`, `updateMatch`, `completeMatch` in `databaseConnector.ts`.
//! Spectra reads only the status; update and complete are fire-and-forget and may overlap.

use super::extract::{BackendToken, Path, RawBody};
use super::SpectraError;
use crate::core::matches::RecordedSnapshot;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::spectra::lifecycle::{MatchState, SnapshotCall};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchCallResponse {
    match_id: String,
    group_code: String,
    /// The state this call asked for; the stored state may be further along.
    received: MatchState,
}

impl From<RecordedSnapshot> for MatchCallResponse {
    fn from(r: RecordedSnapshot) -> Self {
        Self {
            match_id: r.match_id,
            group_code: r.group_code,
            received: r.state,
        }
    }
}

async fn record(
    state: AppState,
    call: SnapshotCall,
    match_id: String,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    let recorded = state
        .core
        .record_match_snapshot(call, &match_id, &body.0)
        .await?;
    Ok(Json(recorded.into()))
}

/// `POST /spectra/system/match/{matchId}/register`, body `{"match": {...}}`.
pub async fn register_match(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(match_id): Path<String>,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    record(state, SnapshotCall::Register, match_id, body).await
}

/// `PUT /spectra/system/match/{matchId}/update`.
pub async fn update_match(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(match_id): Path<String>,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    record(state, SnapshotCall::Update, match_id, body).await
}

/// `PUT /spectra/system/match/{matchId}/complete`; a second complete is a no-op.
pub async fn complete_match(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(match_id): Path<String>,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    record(state, SnapshotCall::Complete, match_id, body).await
}

/// Upstream: Spectra builds `/system/match//register` when `matchId` is empty.
pub async fn reject_empty_match_id(_token: BackendToken) -> SpectraError {
    SpectraError::new(StatusCode::BAD_REQUEST, "matchId: must not be empty")
}
