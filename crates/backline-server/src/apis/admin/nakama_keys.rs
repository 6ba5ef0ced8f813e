//! The Nakama surface's keys (`backline nakama keys`), for owners only.
//!
//! Decision: the server key and the http key are shown with their values. Every Nakama client
//! or server-to-server caller is given them, the CLI prints them, and only an owner may read
//! this route; the answer is never logged (reads are not audited either). The session and
//! refresh signing keys are shown only by where they come from: whoever holds one can make a
//! session for any user, and no operator task needs them.

use super::extract::Query;
use super::AdminError;
use crate::core::access::{Administer, Grant};
use crate::core::nakama_keys::NakamaKeyReport;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

/// The route takes no query parameters; any is refused (400).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// Each key's source (`configured` or `database`, i.e. generated on a first start) and, for
/// `server_key` and `http_key`, its `value`.
#[utoipa::path(
    get,
    path = "/admin/v1/nakama/keys",
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Each key's source and, for the server and http keys, its value (owner only)", body = Object),
    ),
)]
pub async fn get_nakama_keys(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Query(NoQuery {}): Query<NoQuery>,
) -> Result<Json<NakamaKeyReport>, AdminError> {
    Ok(Json(
        state.core.nakama_key_report(&grant, &state.config.nakama),
    ))
}
