//! Organisations, supporter status and access keys.

use super::extract::{AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::access::{Administer, Grant, View};
use crate::core::page::Page;
use crate::http::json_error::JsonErrorBody;
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
#[utoipa::path(
    get,
    path = "/admin/v1/orgs",
    tag = "admin",
    security(("admin_token" = [])),
    params(PageQuery),
    responses((status = 200, description = "Organisations", body = Page<Organisation>)),
)]
pub async fn list_orgs(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Organisation>>, AdminError> {
    Ok(Json(state.core.list_orgs(&grant, &q.request()?).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    /// 1 to 128 characters, not blank.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    name: String,
    #[schema(format = DateTime)]
    supporter_until: Option<String>,
}

#[utoipa::path(
    post,
    path = "/admin/v1/orgs",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateOrgRequest,
    responses(
        (status = 201, description = "The new organisation", body = Organisation),
        (status = 422, description = "A bad name or time", body = JsonErrorBody),
    ),
)]
pub async fn create_org(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateOrgRequest>,
) -> Result<(StatusCode, Json<Organisation>), AdminError> {
    let until = parse_time("supporter_until", req.supporter_until.as_deref())?;
    Ok((
        StatusCode::CREATED,
        Json(state.core.create_org(&grant, &req.name, until).await?),
    ))
}

#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{org_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("org_id" = String, Path)),
    responses((status = 200, description = "The organisation", body = Organisation)),
)]
pub async fn get_org(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Json<Organisation>, AdminError> {
    Ok(Json(
        state
            .core
            .get_org(&grant, &OrgId::from_string(org_id))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupporterRequest {
    supporter: bool,
    #[schema(format = DateTime)]
    until: Option<String>,
}

#[utoipa::path(
    put,
    path = "/admin/v1/orgs/{org_id}/supporter",
    tag = "admin",
    security(("admin_token" = [])),
    params(("org_id" = String, Path)),
    request_body = SupporterRequest,
    responses(
        (status = 200, description = "The organisation", body = Organisation),
        (status = 422, description = "A bad time", body = JsonErrorBody),
    ),
)]
pub async fn set_supporter(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    AdminJson(req): AdminJson<SupporterRequest>,
) -> Result<Json<Organisation>, AdminError> {
    let until = parse_time("until", req.until.as_deref())?;
    Ok(Json(
        state
            .core
            .set_supporter(&grant, &OrgId::from_string(org_id), req.supporter, until)
            .await?,
    ))
}

/// An organisation's access keys (revoked ones too), oldest first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{org_id}/keys",
    tag = "admin",
    security(("admin_token" = [])),
    params(("org_id" = String, Path), PageQuery),
    responses((status = 200, description = "The organisation's access keys", body = Page<AccessKey>)),
)]
pub async fn list_keys(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<AccessKey>>, AdminError> {
    let page = q.request()?;
    let org_id = OrgId::from_string(org_id);
    state.core.get_org(&grant, &org_id).await?;
    Ok(Json(
        state.core.list_keys(&grant, Some(&org_id), &page).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueKeyRequest {
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

#[utoipa::path(
    post,
    path = "/admin/v1/orgs/{org_id}/keys",
    tag = "admin",
    security(("admin_token" = [])),
    params(("org_id" = String, Path)),
    request_body = Option<IssueKeyRequest>,
    responses(
        (status = 201, description = "The key's record plus `access_key`, the key itself (shown once)", body = Object),
        (status = 422, description = "A bad time", body = JsonErrorBody),
    ),
)]
pub async fn issue_key(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    AdminJson(req): AdminJson<IssueKeyRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AdminError> {
    let expires_at = parse_time("expires_at", req.expires_at.as_deref())?;
    let issued = state
        .core
        .issue_key(&grant, &OrgId::from_string(org_id), expires_at)
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

#[utoipa::path(
    delete,
    path = "/admin/v1/keys/{key_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("key_id" = String, Path)),
    responses((status = 200, description = "The revoked key", body = AccessKey)),
)]
pub async fn revoke_key(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> Result<Json<AccessKey>, AdminError> {
    Ok(Json(state.core.revoke_key(&grant, &key_id).await?))
}
