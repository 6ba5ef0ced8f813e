//! Roles of the game integration: create, edit, reorder, and grants by player. Granting and
//! revoking queue the same role-sync actions as `backline role grant|revoke`.

use super::extract::{integer, AdminJson, Path, Query};
use super::AdminError;
use crate::core::access::{Grant, Moderate, View};
use crate::core::ember::roles::{RoleEdit, RoleGrant, RoleQuery};
use crate::core::page::{Page, PageRequest};
use crate::http::json_error::JsonErrorBody;
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
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RolesQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`, as handed out (opaque); any other value is refused
    /// with a 422.
    cursor: Option<String>,
    /// A case-insensitive part of the name or in-game equivalent.
    name: Option<String>,
    /// Roles that sync to servers of this group.
    group: Option<String>,
    /// `SOURCE:ACCOUNT_ID`: the roles this player holds; blank reads as absent.
    #[param(pattern = "^(\\s*|[^:]+:[\\s\\S]+)$")]
    player: Option<String>,
}

/// `GET /admin/v1/roles`: most privileged first (position, then name).
#[utoipa::path(
    get,
    path = "/admin/v1/roles",
    tag = "admin",
    security(("admin_token" = [])),
    params(RolesQuery),
    responses(
        (status = 200, description = "Roles, most privileged first", body = Page<serde_json::Value>),
    ),
)]
pub async fn list_roles(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<RolesQuery>,
) -> Result<Json<Page<Role>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    let query = RoleQuery {
        name: q.name.filter(|n| !n.is_empty()),
        group: q.group,
        player: q
            .player
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(player_parameter)
            .transpose()?,
    };
    Ok(Json(
        state.core.list_roles_page(&grant, &query, &request).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    /// 1 to 64 characters, not blank.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    name: String,
    /// The exact in-game group name: 1 to 64 characters, not blank.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    ingame: String,
    /// Lower is more privileged; 100 when absent, as in the CLI.
    #[serde(default, deserialize_with = "integer")]
    position: Option<i64>,
    /// Server groups the role is limited to (none: every server), at most 32.
    #[serde(default)]
    #[schema(max_items = 32)]
    groups: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/admin/v1/roles",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateRoleRequest,
    responses(
        (status = 201, description = "The new role", body = Object),
        (status = 409, description = "A role of that name exists", body = JsonErrorBody),
    ),
)]
pub async fn create_role(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateRoleRequest>,
) -> Result<(StatusCode, Json<Role>), AdminError> {
    let role = state
        .core
        .create_role(
            &grant,
            &req.name,
            &req.ingame,
            req.position.unwrap_or(100),
            req.groups,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(role)))
}

#[utoipa::path(
    get,
    path = "/admin/v1/roles/{role_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("role_id" = String, Path)),
    responses(
        (status = 200, description = "The role", body = Object),
    ),
)]
pub async fn get_role(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Role>, AdminError> {
    Ok(Json(
        state
            .core
            .get_role(&grant, &RoleId::from_string(id))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRoleRequest {
    /// 1 to 64 characters, not blank.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    name: Option<String>,
    /// 1 to 64 characters, not blank.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    ingame: Option<String>,
    #[serde(default, deserialize_with = "integer")]
    position: Option<i64>,
    /// All the groups the role is limited to (replaces the list; `[]`: every server), at
    /// most 32.
    #[schema(max_items = 32)]
    groups: Option<Vec<String>>,
}

/// `PATCH /admin/v1/roles/{id}`.
#[utoipa::path(
    patch,
    path = "/admin/v1/roles/{role_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("role_id" = String, Path)),
    request_body(content = Option<EditRoleRequest>, description = "The fields to change; none (or no body) changes nothing"),
    responses(
        (status = 200, description = "The role", body = Object),
        (status = 409, description = "A role of that name exists", body = JsonErrorBody),
    ),
)]
pub async fn edit_role(
    grant: Grant<Moderate>,
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
            .change_role(&grant, &RoleId::from_string(id), edit)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderRolesRequest {
    /// Every role's id, most privileged first.
    role_ids: Vec<RoleId>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleOrder {
    #[schema(value_type = Vec<Object>)]
    items: Vec<Role>,
}

/// `PUT /admin/v1/roles/order`: positions 1, 2, … in the order given.
#[utoipa::path(
    put,
    path = "/admin/v1/roles/order",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = ReorderRolesRequest,
    responses(
        (status = 200, description = "The roles in their new order", body = RoleOrder),
        (status = 409, description = "Not every role exactly once", body = JsonErrorBody),
        (status = 404, description = "A role id that is not a role", body = JsonErrorBody),
    ),
)]
pub async fn reorder_roles(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<ReorderRolesRequest>,
) -> Result<Json<RoleOrder>, AdminError> {
    let items = state.core.reorder_roles(&grant, &req.role_ids).await?;
    Ok(Json(RoleOrder { items }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HoldersQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /admin/v1/roles/{id}/grants`: the users holding the role, with their game accounts.
#[utoipa::path(
    get,
    path = "/admin/v1/roles/{role_id}/grants",
    tag = "admin",
    security(("admin_token" = [])),
    params(("role_id" = String, Path), HoldersQuery),
    responses(
        (status = 200, description = "The users holding the role, with their game accounts", body = Page<serde_json::Value>),
    ),
)]
pub async fn list_role_holders(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HoldersQuery>,
) -> Result<Json<Page<RoleHolder>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    Ok(Json(
        state
            .core
            .role_holders(&grant, &RoleId::from_string(id), &request)
            .await?,
    ))
}

async fn set_grant(
    grant: &Grant<Moderate>,
    state: &AppState,
    (id, source, account_id): (String, String, String),
    granted: bool,
) -> Result<Json<RoleGrant>, AdminError> {
    let player = PlayerRef { source, account_id };
    Ok(Json(
        state
            .core
            .set_role_grant(grant, &RoleId::from_string(id), &player, granted)
            .await?,
    ))
}

/// `PUT /admin/v1/roles/{id}/grants/{source}/{account_id}`: grants the role to the player's
/// user (created when the account is new).
#[utoipa::path(
    put,
    path = "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("role_id" = String, Path), ("source" = String, Path), ("account_id" = String, Path, description = "The player's id at `source`, in that source's format (as a kick's `account_id`); anything else is a 422", pattern = r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#)),
    responses(
        (status = 200, description = "The grant (changed false when the player held it)", body = Object),
    ),
)]
pub async fn grant_role(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<RoleGrant>, AdminError> {
    set_grant(&grant, &state, path, true).await
}

/// `DELETE /admin/v1/roles/{id}/grants/{source}/{account_id}`.
#[utoipa::path(
    delete,
    path = "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("role_id" = String, Path), ("source" = String, Path), ("account_id" = String, Path, description = "The player's id at `source`, in that source's format (as a kick's `account_id`); anything else is a 422", pattern = r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#)),
    responses(
        (status = 200, description = "The grant (changed false when the player did not hold it)", body = Object),
    ),
)]
pub async fn revoke_role(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
) -> Result<Json<RoleGrant>, AdminError> {
    set_grant(&grant, &state, path, false).await
}
