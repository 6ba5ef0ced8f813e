//! The stats backend: `addMatch`, `updateMatchRegion`, `fetchPlayerMMR`, `fetchMatchStats`.
//!
//! Upstream: `statsAddMatch`, `statsUpdateMatchRegion`, `statsFetchStats` in
//! `databaseConnector.ts`; every call carries `Authentication: <stats token>` and Spectra
//! treats anything but 200 as a failure (so `addMatch` answers 200, not 201).

use super::extract::{SpectraJson, StatsToken};
use super::SpectraError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use backline_domain::spectra::stats::MatchStats;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddMatchRequest {
    /// The observer's group code, not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    code: String,
    /// 1 to 128 characters, not blank.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    match_uuid: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddMatchResponse {
    match_uuid: String,
    code: String,
    /// False when this group code was already linked to the match.
    newly_linked: bool,
}

#[utoipa::path(
    post,
    path = "/spectra/stats/addMatch",
    tag = "spectra",
    security(("spectra_stats_token" = [])),
    request_body = AddMatchRequest,
    responses(
        (status = 200, description = "The group code is linked to the match", body = AddMatchResponse),
        (status = 422, description = "A missing or bad field", body = JsonErrorBody),
    ),
)]
pub async fn add_match(
    State(state): State<AppState>,
    _token: StatsToken,
    SpectraJson(req): SpectraJson<AddMatchRequest>,
) -> Result<Json<AddMatchResponse>, SpectraError> {
    let newly_linked = state
        .core
        .add_stats_match(&req.code, &req.match_uuid)
        .await?;
    Ok(Json(AddMatchResponse {
        match_uuid: req.match_uuid,
        code: req.code,
        newly_linked,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMatchRegionRequest {
    /// 1 to 128 characters, not blank.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    match_uuid: String,
    /// The first left-team player; Spectra sends `""` when it has none.
    #[serde(default)]
    account_puuid: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMatchRegionResponse {
    match_uuid: String,
    region: Option<String>,
}

#[utoipa::path(
    post,
    path = "/spectra/stats/updateMatchRegion",
    tag = "spectra",
    security(("spectra_stats_token" = [])),
    request_body = UpdateMatchRegionRequest,
    responses(
        (status = 200, description = "The match's region, when the player's is known", body = UpdateMatchRegionResponse),
        (status = 404, description = "No such match", body = JsonErrorBody),
        (status = 422, description = "A missing or bad field", body = JsonErrorBody),
    ),
)]
pub async fn update_match_region(
    State(state): State<AppState>,
    _token: StatsToken,
    SpectraJson(req): SpectraJson<UpdateMatchRegionRequest>,
) -> Result<Json<UpdateMatchRegionResponse>, SpectraError> {
    let region = state
        .core
        .update_match_region(&req.match_uuid, &req.account_puuid)
        .await?;
    Ok(Json(UpdateMatchRegionResponse {
        match_uuid: req.match_uuid,
        region,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FetchPlayerMmrRequest {
    #[allow(dead_code)]
    #[serde(default)]
    match_uuid: Option<String>,
    /// At most 100.
    #[schema(max_items = 100)]
    account_puuids: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FetchPlayerMmrResponse {
    results: Vec<PlayerMmr>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlayerMmr {
    puuid: String,
    #[serde(rename = "currentMMRTier")]
    current_mmr_tier: Option<i64>,
    #[serde(rename = "peakMMRTier")]
    peak_mmr_tier: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/spectra/stats/fetchPlayerMMR",
    tag = "spectra",
    security(("spectra_stats_token" = [])),
    request_body = FetchPlayerMmrRequest,
    responses(
        (status = 200, description = "The players' tiers", body = FetchPlayerMmrResponse),
        (status = 422, description = "A missing or bad field", body = JsonErrorBody),
    ),
)]
pub async fn fetch_player_mmr(
    State(state): State<AppState>,
    _token: StatsToken,
    SpectraJson(req): SpectraJson<FetchPlayerMmrRequest>,
) -> Result<Json<FetchPlayerMmrResponse>, SpectraError> {
    let tiers = state.core.fetch_player_tiers(&req.account_puuids).await?;
    let results = tiers
        .into_iter()
        .map(|t| PlayerMmr {
            puuid: t.puuid,
            current_mmr_tier: t.current,
            peak_mmr_tier: t.peak,
        })
        .collect();
    Ok(Json(FetchPlayerMmrResponse { results }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FetchMatchStatsRequest {
    /// 1 to 128 characters, not blank.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    match_uuid: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FetchMatchStatsResponse {
    match_uuid: String,
    #[schema(value_type = Object)]
    stats: MatchStats,
}

#[utoipa::path(
    post,
    path = "/spectra/stats/fetchMatchStats",
    tag = "spectra",
    security(("spectra_stats_token" = [])),
    request_body = FetchMatchStatsRequest,
    responses(
        (status = 200, description = "The match's statistics", body = FetchMatchStatsResponse),
        (status = 404, description = "No such match", body = JsonErrorBody),
        (status = 422, description = "A missing or bad field", body = JsonErrorBody),
    ),
)]
pub async fn fetch_match_stats(
    State(state): State<AppState>,
    _token: StatsToken,
    SpectraJson(req): SpectraJson<FetchMatchStatsRequest>,
) -> Result<Json<FetchMatchStatsResponse>, SpectraError> {
    let stats = state.core.compute_match_stats(&req.match_uuid).await?;
    Ok(Json(FetchMatchStatsResponse {
        match_uuid: req.match_uuid,
        stats,
    }))
}
