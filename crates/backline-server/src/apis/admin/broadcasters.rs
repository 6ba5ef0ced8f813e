//! EVR broadcasters (registered game servers that host matches): list, show, remove.
//!
//! Upstream: the broadcaster RPCs of `shared/docs/api/NAKAMA.md`; removal is their
//! `broadcaster/unregister`, done by an operator ([`crate::core::Core::remove_broadcaster`]).

use super::extract::{Path, Query};
use super::paging::page_request;
use super::AdminError;
use crate::core::access::{Administer, Grant, View};
use crate::core::evr::admin::{
    parse_broadcaster_id, parse_broadcaster_state, BroadcasterDetail, BroadcasterQuery,
    BroadcasterView,
};
use crate::core::page::Page;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

/// Filters of `GET /admin/v1/broadcasters`; `cursor` is a page's `next_cursor`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The user who registered it: id or username.
    operator: Option<String>,
    /// A region name or `0x…` symbol.
    region: Option<String>,
    /// Comma-separated features it must all offer.
    features: Option<String>,
    /// An unsigned 64-bit integer.
    #[param(minimum = 0, maximum = 18446744073709551615_u64)]
    version_lock: Option<u64>,
    group_id: Option<String>,
    /// `idle`, `in_match` or `stale`.
    #[param(pattern = "^(idle|in_match|stale)$")]
    state: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`: `<unix millis>:<id>`.
    #[param(pattern = r"^([+-]?[0-9]{1,18}:[\s\S]+)?$")]
    cursor: Option<String>,
}

/// `GET /admin/v1/broadcasters`: oldest registration first.
#[utoipa::path(
    get,
    path = "/admin/v1/broadcasters",
    tag = "admin",
    security(("admin_token" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "EVR broadcasters, oldest registration first", body = Page<BroadcasterView>),
        (status = 422, description = "A bad state, limit or cursor", body = JsonErrorBody),
    ),
)]
pub async fn list_broadcasters(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<BroadcasterView>>, AdminError> {
    let page = page_request(q.limit, q.cursor)?;
    let query = BroadcasterQuery {
        operator: q.operator.filter(|o| !o.is_empty()),
        region: q.region.filter(|r| !r.is_empty()),
        features: q
            .features
            .iter()
            .flat_map(|f| f.split(','))
            .filter(|f| !f.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        version_lock: q.version_lock,
        group_id: q.group_id.filter(|g| !g.is_empty()),
        state: q
            .state
            .as_deref()
            .map(parse_broadcaster_state)
            .transpose()?,
    };
    Ok(Json(
        state.core.broadcaster_page(&grant, &query, &page).await?,
    ))
}

/// `GET /admin/v1/broadcasters/{sid}`: with its owner, idle match and current match.
#[utoipa::path(
    get,
    path = "/admin/v1/broadcasters/{sid}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("sid" = String, Path, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description = "The broadcaster's id (a UUID)")),
    responses(
        (status = 200, description = "The broadcaster with its operator", body = BroadcasterDetail),
    ),
)]
pub async fn get_broadcaster(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Json<BroadcasterDetail>, AdminError> {
    let sid = parse_broadcaster_id(&sid)?;
    Ok(Json(state.core.show_broadcaster(&grant, &sid).await?))
}

/// `DELETE /admin/v1/broadcasters/{sid}`: as EVR's unregister — the idle match is deleted,
/// prepared matches that have not started end, a started match plays on until it empties.
/// Answers the broadcaster as it was.
#[utoipa::path(
    delete,
    path = "/admin/v1/broadcasters/{sid}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("sid" = String, Path, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description = "The broadcaster's id (a UUID)")),
    responses(
        (status = 200, description = "The removed broadcaster as it was", body = BroadcasterView),
    ),
)]
pub async fn remove_broadcaster(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(sid): Path<String>,
) -> Result<Json<BroadcasterView>, AdminError> {
    let sid = parse_broadcaster_id(&sid)?;
    Ok(Json(state.core.remove_broadcaster(&grant, &sid).await?))
}
