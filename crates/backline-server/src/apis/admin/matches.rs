//! Matches and their statistics (JSON and CSV export).

use super::extract::{Path, Query};
use super::paging::page_request;
use super::AdminError;
use crate::core::access::{Grant, View};
use crate::core::page::Page;
use crate::core::stats::stats_csv;
use crate::core::CoreError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::spectra::record::MatchRecord;
use serde::{Deserialize, Serialize};

/// Filters of `GET /admin/v1/matches` beside the page: a lifecycle state and an
/// organisation id.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `registered`, `live`, `completed` or `abandoned`.
    #[param(pattern = "^(registered|live|completed|abandoned)$")]
    state: Option<String>,
    org: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`, as handed out (opaque); any other value is refused
    /// with a 422.
    cursor: Option<String>,
}

/// Match records (one per observer), most recently updated first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/matches",
    tag = "admin",
    security(("admin_token" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Matches, newest first", body = Page<MatchRecord>),
        (status = 422, description = "Unknown state or a bad limit", body = JsonErrorBody),
    ),
)]
pub async fn list_matches(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<MatchRecord>>, AdminError> {
    let page = page_request(q.limit, q.cursor)?;
    let match_state = q
        .state
        .as_deref()
        .map(|s| {
            MatchState::parse(s).ok_or_else(|| {
                AdminError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "state: unknown state `{s}`; use registered, live, completed or abandoned"
                    ),
                )
            })
        })
        .transpose()?;
    Ok(Json(
        state
            .core
            .list_matches(&grant, match_state, q.org, &page)
            .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchResponse {
    match_id: String,
    /// One record per observer (group code), most advanced first.
    observers: Vec<MatchRecord>,
    region: Option<String>,
}

#[utoipa::path(
    get,
    path = "/admin/v1/matches/{match_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("match_id" = String, Path)),
    responses((status = 200, description = "The match, one record per observer", body = MatchResponse)),
)]
pub async fn get_match(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<Json<MatchResponse>, AdminError> {
    let observers = state.core.get_match(&grant, &match_id).await?;
    let region = match state.core.get_stats(&grant, &match_id).await {
        Ok(stats) => stats.region,
        Err(CoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Json(MatchResponse {
        match_id,
        observers,
        region,
    }))
}

#[utoipa::path(
    get,
    path = "/admin/v1/matches/{match_id}/stats",
    tag = "admin",
    security(("admin_token" = [])),
    params(("match_id" = String, Path)),
    responses((status = 200, description = "The match's statistics", body = Object)),
)]
pub async fn get_match_stats(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<impl IntoResponse, AdminError> {
    Ok(Json(state.core.match_stats(&grant, &match_id).await?))
}

#[utoipa::path(
    get,
    path = "/admin/v1/matches/{match_id}/stats.csv",
    tag = "admin",
    security(("admin_token" = [])),
    params(("match_id" = String, Path)),
    responses((status = 200, description = "The match's statistics, one row per player", content_type = "text/csv", body = String)),
)]
pub async fn get_match_stats_csv(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<impl IntoResponse, AdminError> {
    let stats = state.core.match_stats(&grant, &match_id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        stats_csv(&stats),
    ))
}
