//! `GET /v2/account`: the signed-in user's account.

use super::error::NakamaError;
use super::extract::Session;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

/// Upstream: Nakama `api_account.go` `GetAccount` (`api.Account`).
#[utoipa::path(
    get,
    path = "/v2/account",
    tag = "nakama",
    security(("nakama_session" = [])),
    responses((status = 200, description = "Nakama's `api.Account`: `user`, `email`, `devices`, `custom_id`", body = Object)),
)]
pub async fn get_account(
    State(state): State<AppState>,
    Session(claims): Session,
) -> Result<Json<Value>, NakamaError> {
    let user = state.core.find_user(&claims.uid).await?;
    let view = state.core.account_view(user).await?;
    let u = &view.user;
    let mut account = json!({
        "user": {
            "id": u.id.as_str(),
            "username": u.username,
            "display_name": u.display_name,
            "avatar_url": u.avatar_url,
            "create_time": u.created_at.to_rfc3339(),
            "update_time": u.updated_at.to_rfc3339(),
        },
        "devices": view.external_accounts.iter().filter(|a| a.source == "device").map(|a| json!({"id": a.account_id})).collect::<Vec<_>>(),
    });
    if let Some(email) = &u.email {
        account["email"] = json!(email);
    }
    if let Some(custom) = view.external_accounts.iter().find(|a| a.source == "custom") {
        account["custom_id"] = json!(custom.account_id);
    }
    Ok(Json(account))
}
