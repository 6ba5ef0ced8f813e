//! Operators' admin tokens (owner only) and the audit log.

use super::extract::{Admin, AdminJson, Path, Query};
use super::AdminError;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::admin::{AdminRole, AdminToken};
use backline_domain::Timestamp;
use backline_store::AuditFilter;
use serde::Deserialize;

pub async fn list_admin_tokens(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<Vec<AdminToken>>, AdminError> {
    Ok(Json(state.core.list_admin_tokens().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueAdminTokenRequest {
    name: String,
    role: String,
}

pub async fn issue_admin_token(
    _: Admin,
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
    let issued = state.core.issue_admin_token(&req.name, role).await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

pub async fn revoke_admin_token(
    _: Admin,
    State(state): State<AppState>,
    Path(id_or_name): Path<String>,
) -> Result<Json<AdminToken>, AdminError> {
    Ok(Json(state.core.revoke_admin_token(&id_or_name).await?))
}

/// Filters of `GET /admin/v1/audit`; times are RFC 3339, `cursor` is a page's `next_cursor`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<i64>,
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

pub async fn list_audit(
    _: Admin,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<crate::core::audit::AuditPage>, AdminError> {
    let filter = AuditFilter {
        actor: q.actor,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        since: time("since", q.since)?,
        until: time("until", q.until)?,
        before_seq: q.cursor,
        limit: q.limit.unwrap_or(100),
    };
    Ok(Json(state.core.list_audit(&filter).await?))
}
