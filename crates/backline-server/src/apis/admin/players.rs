//! The Riot player registry.

use super::extract::{integer_not_null, AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::access::{Grant, Moderate, View};
use crate::core::page::Page;
use crate::core::players::PlayerEdit;
use crate::core::CoreError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use backline_domain::spectra::player::RiotPlayer;
use serde::Deserialize;

/// Known players, most recently updated first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/players",
    tag = "admin",
    security(("admin_token" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Players of the registry", body = Page<RiotPlayer>),
        (status = 422, description = "A bad limit", body = JsonErrorBody),
    ),
)]
pub async fn list_players(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<RiotPlayer>>, AdminError> {
    Ok(Json(state.core.list_players(&grant, &q.request()?).await?))
}

/// An edit of a player: at least one field; `null` is not a value (leave the field out to
/// keep what is stored). A body with none (`{}`, or no body) is refused and changes nothing.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPlayerRequest {
    /// `Name#TAG`, not blank.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, min_length = 1, max_length = 128, pattern = r"\S")]
    full_name: Option<String>,
    /// `eu`, `na`, `ap`, `kr`, `latam` or `br`, in any case (stored in lower case).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        nullable = false,
        pattern = r"^\s*([Ee][Uu]|[Nn][Aa]|[Aa][Pp]|[Kk][Rr]|[Ll][Aa][Tt][Aa][Mm]|[Bb][Rr])\s*$"
    )]
    region: Option<String>,
    /// 0 (unranked) to 27.
    #[serde(default, deserialize_with = "integer_not_null")]
    #[schema(nullable = false, minimum = 0, maximum = 27)]
    current_tier: Option<i64>,
    /// 0 (unranked) to 27.
    #[serde(default, deserialize_with = "integer_not_null")]
    #[schema(nullable = false, minimum = 0, maximum = 27)]
    peak_tier: Option<i64>,
}

/// A field that, when present, holds a value: `null` is refused like a wrong type.
fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[utoipa::path(
    put,
    path = "/admin/v1/players/{puuid}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("puuid" = String, Path, max_length = 128, pattern = r"\S")),
    request_body = EditPlayerRequest,
    responses(
        (status = 200, description = "The player", body = RiotPlayer),
        (status = 422, description = "No field, or a bad name, region or tier", body = JsonErrorBody),
    ),
)]
pub async fn edit_player(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(puuid): Path<String>,
    AdminJson(req): AdminJson<EditPlayerRequest>,
) -> Result<Json<RiotPlayer>, AdminError> {
    let blank_name = req
        .full_name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty());
    let long_name = req
        .full_name
        .as_deref()
        .is_some_and(|n| n.chars().count() > 128);
    if blank_name || long_name {
        return Err(
            CoreError::invalid("full_name", "must be 1 to 128 characters, not blank").into(),
        );
    }
    let edit = PlayerEdit {
        full_name: req.full_name,
        region: req.region,
        current_tier: req.current_tier,
        peak_tier: req.peak_tier,
    };
    Ok(Json(state.core.edit_player(&grant, &puuid, &edit).await?))
}
