//! Operators' admin tokens (owner only) and the audit log.

use super::extract::{AdminJson, Path, Query};
use super::paging::{page_request, PageQuery};
use super::AdminError;
use crate::core::access::{Administer, Grant, View};
use crate::core::page::Page;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::admin::{AdminRole, AdminToken, AuditEntry};
use backline_domain::Timestamp;
use backline_store::AuditFilter;
use serde::Deserialize;

/// Admin tokens (revoked ones too), oldest first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/admin-tokens",
    tag = "admin",
    security(("admin_token" = [])),
    params(PageQuery),
    responses((status = 200, description = "Admin tokens (owner only)", body = Page<AdminToken>)),
)]
pub async fn list_admin_tokens(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<AdminToken>>, AdminError> {
    Ok(Json(
        state.core.list_admin_tokens(&grant, &q.request()?).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueAdminTokenRequest {
    /// 1 to 64 characters, not blank; `cli` and `config` are reserved.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    name: String,
    #[schema(pattern = "^(owner|moderator|viewer)$", example = "viewer")]
    role: String,
}

#[utoipa::path(
    post,
    path = "/admin/v1/admin-tokens",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = IssueAdminTokenRequest,
    responses(
        (status = 201, description = "The token's record plus `token`, the token itself (shown once)", body = Object),
        (status = 409, description = "A token of that name exists", body = JsonErrorBody),
        (status = 422, description = "Unknown role or bad name", body = JsonErrorBody),
    ),
)]
pub async fn issue_admin_token(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<IssueAdminTokenRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AdminError> {
    let role = AdminRole::parse(&req.role).ok_or_else(|| {
        AdminError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "role: unknown role `{}`; use owner, moderator or viewer",
                req.role
            ),
        )
    })?;
    let issued = state
        .core
        .issue_admin_token(&grant, &req.name, role)
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

#[utoipa::path(
    delete,
    path = "/admin/v1/admin-tokens/{id_or_name}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("id_or_name" = String, Path, description = "The token's id or name")),
    responses((status = 200, description = "The revoked token", body = AdminToken)),
)]
pub async fn revoke_admin_token(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(id_or_name): Path<String>,
) -> Result<Json<AdminToken>, AdminError> {
    Ok(Json(
        state.core.revoke_admin_token(&grant, &id_or_name).await?,
    ))
}

/// Filters of `GET /admin/v1/audit`; times are RFC 3339, `cursor` is a page's `next_cursor`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    #[param(format = DateTime)]
    since: Option<String>,
    #[param(format = DateTime)]
    until: Option<String>,
    /// The previous page's `next_cursor`: a sequence number.
    #[param(pattern = r"^([+-]?[0-9]{1,18})?$")]
    cursor: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

fn time(field: &str, text: Option<String>) -> Result<Option<Timestamp>, AdminError> {
    text.map(|t| {
        Timestamp::parse_rfc3339(&t).map_err(|_| {
            AdminError::new(
                StatusCode::BAD_REQUEST,
                format!("{field}: not an RFC 3339 time"),
            )
        })
    })
    .transpose()
}

/// The audit log, newest first, in pages (the cursor is an entry's `seq`).
#[utoipa::path(
    get,
    path = "/admin/v1/audit",
    tag = "admin",
    security(("admin_token" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of the audit log, newest first", body = Page<AuditEntry>),
        (status = 422, description = "A limit out of range", body = JsonErrorBody),
    ),
)]
pub async fn list_audit(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, AdminError> {
    let page = page_request(q.limit, q.cursor)?;
    let filter = AuditFilter {
        actor: q.actor,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        since: time("since", q.since)?,
        until: time("until", q.until)?,
        ..AuditFilter::default()
    };
    Ok(Json(state.core.list_audit(&grant, filter, &page).await?))
}
