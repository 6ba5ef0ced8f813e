//! Roles of the game integration: create, edit, reorder, and grants by player. Granting and
//! revoking queue the same role-sync actions as `backline role grant|revoke`.

use super::extract::{Admin, AdminJson, Path, Query};
use super::AdminError;
use crate::core::ember::roles::{RoleEdit, RoleGrant, RoleQuery};
use crate::core::page::{Page, PageRequest};
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::roles::{Role, RoleHolder};
use backline_domain::ids::RoleId;
use serde::{Deserialize, Serialize};

/// Reads `SOURCE:ACCOUNT_ID`, as the `player` query parameters take it.
pub fn player_parameter(text: &str) -> Result<PlayerRef, AdminError> {
    PlayerRef::parse(text).ok_or_else(|| {
        AdminError::new(
            StatusCode::BAD_REQUEST,
            "player: not SOURCE:ACCOUNT_ID (for example steam:76561198131926932)",
        )
    })
}

/// Filters of `GET /admin/v1/roles`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesQuery {
    limit: Option<i64>,
    cursor: Option<String>,
    /// A case-insensitive part of the name or in-game equivalent.
    name: Option<String>,
    /// Roles that sync to servers of this group.
    group: Option<String>,
    /// `SOURCE:ACCOUNT_ID`: the roles this player holds.
    player: Option<String>,
}

/// `GET /admin/v1/roles`: most privileged first (position, then name).
pub async fn list_roles(
    _: Admin,
    State(state): State<AppState>,
    Query(q): Query<RolesQuery>,
) -> Result<Json<Page<Role>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    let query = RoleQuery {
        name: q.name.filter(|n| !n.is_empty()),
        group: q.group,
        player: q.player.as_deref().map(player_parameter).transpose()?,
    };
    Ok(Json(state.core.list_roles_page(&query, &request).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    name: String,
    /// The exact in-game group name.
    ingame: String,
    /// Lower is more privileged; 100 when absent, as in the CLI.
    position: Option<i64>,
    /// Server groups the role is limited to (none: every server).
    #[serde(default)]
    groups: Vec<String>,
}

pub async fn create_role(
    _: Admin,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateRoleRequest>,
) -> Result<(StatusCode, Json<Role>), AdminError> {
    let role = state
        .core
        .create_role(
            &req.name,
            &req.ingame,
            req.position.unwrap_or(100),
            req.groups,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(role)))
}

pub async fn get_role(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Role>, AdminError> {
    Ok(Json(state.core.get_role(&RoleId::from_string(id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditRoleRequest {
    name: Option<String>,
    ingame: Option<String>,
    position: Option<i64>,
    /// All the groups the role is limited to (replaces the list; `[]`: every server).
    groups: Option<Vec<String>>,
}

/// `PATCH /admin/v1/roles/{id}`.
pub async fn edit_role(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminJson(req): AdminJson<EditRoleRequest>,
) -> Result<Json<Role>, AdminError> {
    let edit = RoleEdit {
        name: req.name,
        ingame: req.ingame,
        position: req.position,
        groups: req.groups,
    };
    Ok(Json(
        state
            .core
            .change_role(&RoleId::from_string(id), edit)
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReorderRolesRequest {
    /// Every role's id, most privileged first.
    role_ids: Vec<RoleId>,
}

#[derive(Serialize)]
pub struct RoleOrder {
    items: Vec<Role>,
}

/// `PUT /admin/v1/roles/order`: positions 1, 2, … in the order given.
pub async fn reorder_roles(
    _: Admin,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<ReorderRolesRequest>,
) -> Result<Json<RoleOrder>, AdminError> {
    let items = state.core.reorder_roles(&req.role_ids).await?;
    Ok(Json(RoleOrder { items }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldersQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /admin/v1/roles/{id}/grants`: the users holding the role, with their game accounts.
pub async fn list_role_holders(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HoldersQuery>,
) -> Result<Json<Page<RoleHolder>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    Ok(Json(
        state
            .core
            .role_holders(&RoleId::from_string(id), &request)
            .await?,
    ))
}

async fn set_grant(
    state: &AppState,
    (id, source, account_id): (String, String, String),
    granted: bool,
) -> Result<Json<RoleGrant>, AdminError> {
    let player = PlayerRef { source, account_id };
    Ok(Json(
        state
            .core
            .set_role_grant(&RoleId::from_string(id), &player, granted)
            .await?,
    ))
}

/// `PUT /admin/v1/roles/{id}/grants/{source}/{account_id}`: grants the role to the player's
/// user (created when the account is new).
pub async fn grant_role(
    _: Admin,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<RoleGrant>, AdminError> {
    set_grant(&state, path, true).await
}

/// `DELETE /admin/v1/roles/{id}/grants/{source}/{account_id}`.
pub async fn revoke_role(
    _: Admin,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<RoleGrant>, AdminError> {
    set_grant(&state, path, false).await
}
