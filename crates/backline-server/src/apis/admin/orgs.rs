//! Organisations, supporter status and access keys.

use super::extract::{Admin, AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::page::Page;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ids::OrgId;
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::Timestamp;
use serde::Deserialize;

fn parse_time(field: &'static str, text: Option<&str>) -> Result<Option<Timestamp>, AdminError> {
    text.map(Timestamp::parse_rfc3339)
        .transpose()
        .map_err(|e| AdminError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: {e}")))
}

/// Organisations, oldest first, in pages.
pub async fn list_orgs(
    _: Admin,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Organisation>>, AdminError> {
    Ok(Json(state.core.list_orgs(&q.request()?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    name: String,
    supporter_until: Option<String>,
}

pub async fn create_org(
    _: Admin,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateOrgRequest>,
) -> Result<(StatusCode, Json<Organisation>), AdminError> {
    let until = parse_time("supporter_until", req.supporter_until.as_deref())?;
    Ok((
        StatusCode::CREATED,
        Json(state.core.create_org(&req.name, until).await?),
    ))
}

pub async fn get_org(
    _: Admin,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Json<Organisation>, AdminError> {
    Ok(Json(state.core.get_org(&OrgId::from_string(org_id)).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupporterRequest {
    supporter: bool,
    until: Option<String>,
}

pub async fn set_supporter(
    _: Admin,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    AdminJson(req): AdminJson<SupporterRequest>,
) -> Result<Json<Organisation>, AdminError> {
    let until = parse_time("until", req.until.as_deref())?;
    Ok(Json(
        state
            .core
            .set_supporter(&OrgId::from_string(org_id), req.supporter, until)
            .await?,
    ))
}

/// An organisation's access keys (revoked ones too), oldest first, in pages.
pub async fn list_keys(
    _: Admin,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<AccessKey>>, AdminError> {
    let page = q.request()?;
    let org_id = OrgId::from_string(org_id);
    state.core.get_org(&org_id).await?;
    Ok(Json(state.core.list_keys(Some(&org_id), &page).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueKeyRequest {
    expires_at: Option<String>,
}

pub async fn issue_key(
    _: Admin,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    AdminJson(req): AdminJson<IssueKeyRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AdminError> {
    let expires_at = parse_time("expires_at", req.expires_at.as_deref())?;
    let issued = state
        .core
        .issue_key(&OrgId::from_string(org_id), expires_at)
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

pub async fn revoke_key(
    _: Admin,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> Result<Json<AccessKey>, AdminError> {
    Ok(Json(state.core.revoke_key(&key_id).await?))
}
