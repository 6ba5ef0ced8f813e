//! Match register, update and complete.
//!
//! Upstream: `registerMatch`, `updateMatch`, `completeMatch` in `databaseConnector.ts`.
//! Spectra reads only the status; update and complete are fire-and-forget and may overlap.

use super::extract::{BackendToken, Path, RawBody};
use super::SpectraError;
use crate::core::matches::RecordedSnapshot;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::spectra::lifecycle::{MatchState, SnapshotCall};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
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

/// The body of register, update and complete as the document describes it: `{"match": …}`
/// with the fields Backline reads typed (`groupCode` required) and every other field of
/// Spectra's match object allowed as it comes. `matchId` is left out: when present it must be
/// the path's, a rule between two parts of the request that no schema states.
pub struct MatchBody;

impl utoipa::PartialSchema for MatchBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
        let nullable = |t: Type| SchemaType::from_iter([t, Type::Null]);
        let int64 = |t: SchemaType| {
            ObjectBuilder::new()
                .schema_type(t)
                .minimum(Some(i64::MIN))
                .maximum(Some(i64::MAX))
        };
        let text = || ObjectBuilder::new().schema_type(nullable(Type::String));
        let player = ObjectBuilder::new()
            .property("riotId", text())
            .property("fullName", text())
            .property("currentMMRTier", int64(nullable(Type::Integer)))
            .property("peakMMRTier", int64(nullable(Type::Integer)));
        let team = ObjectBuilder::new()
            .property(
                "roundsWon",
                ObjectBuilder::new().schema_type(SchemaType::AnyValue),
            )
            .property("players", ArrayBuilder::new().items(player));
        let snapshot = ObjectBuilder::new()
            .description(Some(
                "Spectra's match object (13–20 KB); fields not named here are kept as they come",
            ))
            .property("groupCode", ObjectBuilder::new().schema_type(Type::String))
            .required("groupCode")
            .property("organizationId", text())
            .property("roundNumber", int64(SchemaType::new(Type::Integer)))
            .property("roundPhase", ObjectBuilder::new().schema_type(Type::String))
            .property("map", text())
            .property("matchType", text())
            .property("teams", ArrayBuilder::new().items(team));
        ObjectBuilder::new()
            .property("match", snapshot)
            .required("match")
            .into()
    }
}

impl utoipa::ToSchema for MatchBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "SpectraMatchBody".into()
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
#[utoipa::path(
    post,
    path = "/spectra/system/match/{match_id}/register",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    params(("match_id" = String, Path)),
    request_body(content = inline(MatchBody), description = "`{\"match\": <Spectra's match snapshot>}`"),
    responses(
        (status = 200, description = "Recorded", body = MatchCallResponse),
        (status = 409, description = "Another organisation's match", body = JsonErrorBody),
        (status = 422, description = "Not a match snapshot", body = JsonErrorBody),
    ),
)]
pub async fn register_match(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(match_id): Path<String>,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    record(state, SnapshotCall::Register, match_id, body).await
}

/// `PUT /spectra/system/match/{matchId}/update`.
#[utoipa::path(
    put,
    path = "/spectra/system/match/{match_id}/update",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    params(("match_id" = String, Path)),
    request_body(content = inline(MatchBody), description = "`{\"match\": <Spectra's match snapshot>}`"),
    responses(
        (status = 200, description = "Recorded", body = MatchCallResponse),
        (status = 409, description = "Another organisation's match", body = JsonErrorBody),
        (status = 422, description = "Not a match snapshot", body = JsonErrorBody),
    ),
)]
pub async fn update_match(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(match_id): Path<String>,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    record(state, SnapshotCall::Update, match_id, body).await
}

/// `PUT /spectra/system/match/{matchId}/complete`; a second complete is a no-op.
#[utoipa::path(
    put,
    path = "/spectra/system/match/{match_id}/complete",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    params(("match_id" = String, Path)),
    request_body(content = inline(MatchBody), description = "`{\"match\": <Spectra's match snapshot>}`"),
    responses(
        (status = 200, description = "Recorded", body = MatchCallResponse),
        (status = 409, description = "Another organisation's match", body = JsonErrorBody),
        (status = 422, description = "Not a match snapshot", body = JsonErrorBody),
    ),
)]
pub async fn complete_match(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(match_id): Path<String>,
    body: RawBody,
) -> Result<Json<MatchCallResponse>, SpectraError> {
    record(state, SnapshotCall::Complete, match_id, body).await
}

fn empty_match_id() -> SpectraError {
    SpectraError::new(StatusCode::BAD_REQUEST, "matchId: must not be empty")
}

/// Upstream: Spectra builds `/system/match//register` when `matchId` is empty.
#[utoipa::path(
    post,
    path = "/spectra/system/match//register",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    responses(
        (status = 400, description = "Always: the match id is empty", body = JsonErrorBody),
        (status = 404, description = "A client that collapses the empty segment (`/system/match/register`) reaches no route", body = JsonErrorBody),
    ),
)]
pub async fn reject_empty_register(_token: BackendToken) -> SpectraError {
    empty_match_id()
}

/// `/system/match//update`: as [`reject_empty_register`].
#[utoipa::path(
    put,
    path = "/spectra/system/match//update",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    responses(
        (status = 400, description = "Always: the match id is empty", body = JsonErrorBody),
        (status = 404, description = "A client that collapses the empty segment (`/system/match/register`) reaches no route", body = JsonErrorBody),
    ),
)]
pub async fn reject_empty_update(_token: BackendToken) -> SpectraError {
    empty_match_id()
}

/// `/system/match//complete`: as [`reject_empty_register`].
#[utoipa::path(
    put,
    path = "/spectra/system/match//complete",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    responses(
        (status = 400, description = "Always: the match id is empty", body = JsonErrorBody),
        (status = 404, description = "A client that collapses the empty segment (`/system/match/register`) reaches no route", body = JsonErrorBody),
    ),
)]
pub async fn reject_empty_complete(_token: BackendToken) -> SpectraError {
    empty_match_id()
}
