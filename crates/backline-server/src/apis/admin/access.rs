//! The admin API's side of who may do what: a handler asks for the [`Grant`] of the
//! capability its use case requires, and this extractor authenticates the admin token (401
//! without a valid one) and has the core grant it (403 when the token's role lacks it).
//!
//! The capabilities and the roles that have them are the core's ([`crate::core::access`]);
//! nothing here lists routes. The grant carries what the audit log calls the act (`POST
//! /admin/v1/bans`, the method and the route's template) and where it came from, so the use
//! case records its own change. A route whose handler asks for no grant answers without
//! asking for a token at all, which `tests/api/capabilities.rs` refuses for every served route.

use super::AdminError;
use crate::core::access::{Actor, Capability, Grant};
use crate::core::CoreError;
use crate::http::credentials;
use crate::http::guessing::client_address;
use crate::http::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::StatusCode;
use std::net::SocketAddr;

impl<C: Capability> FromRequestParts<AppState> for Grant<C> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminError> {
        let presented = credentials::bearer(&parts.headers);
        let configured = state.config.admin_token.as_ref().map(|s| s.expose());
        let operator = match state.core.authenticate_admin(configured, presented).await {
            Ok(operator) => operator,
            Err(CoreError::Unauthorized) => {
                return Err(AdminError::new(
                    StatusCode::UNAUTHORIZED,
                    "a valid admin token is required (Authorization: Bearer …)",
                ))
            }
            Err(other) => return Err(other.into()),
        };
        let template = parts
            .extensions
            .get::<MatchedPath>()
            .map_or("", |p| p.as_str());
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let source = client_address(peer, &parts.headers, &state.config.guess_limit)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let actor = Actor {
            operator,
            source,
            action: format!("{} {template}", parts.method),
        };
        Ok(actor.grant::<C>()?)
    }
}
