//! `account/authenticate/password` and `account/lookup`.
//!
//! Upstream: the EVR wiki (seed `001_…`), "Obtaining a Session Token" and "Account Lookup".

use super::{RpcCall, RpcResult};
use crate::apis::nakama::error::NakamaError;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct PasswordRequest {
    user_id: Option<String>,
    discord_id: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

/// Public (http key): password login, or a refresh with `refresh_token`.
pub async fn authenticate_password(call: RpcCall) -> RpcResult {
    let req: PasswordRequest = call.parse()?;
    let core = &call.state.core;
    if let Some(refresh) = req.refresh_token.filter(|t| !t.is_empty()) {
        let tokens = core
            .refresh_session(&refresh, BTreeMap::new())
            .await
            .map_err(|e| NakamaError::credential(e, "Refresh token invalid or expired."))?;
        return Ok(json!({"token": tokens.token, "refresh_token": tokens.refresh_token}));
    }
    let has_identifier = [&req.user_id, &req.discord_id, &req.username]
        .iter()
        .any(|v| v.as_deref().is_some_and(|s| !s.is_empty()));
    if !has_identifier {
        return Err(NakamaError::invalid(
            "one of user_id, discord_id or username is required",
        ));
    }
    let password = req.password.unwrap_or_default();
    let tokens = core
        .authenticate_password(
            req.user_id.as_deref(),
            req.discord_id.as_deref(),
            req.username.as_deref(),
            &password,
        )
        .await
        .map_err(|e| NakamaError::credential(e, "Invalid credentials."))?;
    Ok(json!({"token": tokens.token, "refresh_token": tokens.refresh_token}))
}

#[derive(Deserialize)]
struct LookupRequest {
    user_id: Option<String>,
    username: Option<String>,
    discord_id: Option<String>,
}

/// Bearer or http key: exact lookup by user id, username or Discord id.
pub async fn lookup(call: RpcCall) -> RpcResult {
    let req: LookupRequest = call.parse()?;
    let core = &call.state.core;
    let user = core
        .lookup_user(
            req.user_id.as_deref(),
            req.username.as_deref(),
            req.discord_id.as_deref(),
        )
        .await?;
    let discord_id = core
        .external_id(&user.id, "discord")
        .await?
        .unwrap_or_default();
    Ok(json!({
        "id": user.id.as_str(),
        "discord_id": discord_id,
        "username": user.username,
        "display_name": user.display_name,
        "avatar_url": user.avatar_url,
    }))
}

#[derive(Deserialize)]
struct RedeemRequest {
    #[serde(default)]
    token: String,
}

/// `link/redeem` (Bearer): links the game account of a link token to the signed-in user.
pub async fn redeem_link_token(call: RpcCall) -> RpcResult {
    let req: RedeemRequest = call.parse()?;
    let claims = call.user()?;
    let player = call
        .state
        .core
        .redeem_link_token(&claims.user_id(), &req.token)
        .await?;
    Ok(json!({"source": player.source, "account_id": player.account_id}))
}
