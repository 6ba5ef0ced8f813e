//! Who may do what on the admin API, and the audit of every write.
//!
//! A route layer authenticates the admin token (401 without a valid one) and, after a
//! successful write, records it in the audit log. The [`super::extract::Admin`] extractor
//! then checks the operator's role against the route (403 when it may not).

use super::AdminError;
use crate::core::admin_token::Operator;
use crate::core::audit::AuditRecord;
use crate::core::CoreError;
use crate::http::credentials;
use crate::http::guessing::client_address;
use crate::http::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backline_domain::admin::AdminRole;
use std::net::SocketAddr;

/// Routes (templates under `/admin/v1`) a moderator may write: users' status, unused link
/// tokens, players and player-cam players; the game integration's bans, roles and grants,
/// kicks and re-runs of executions.
/// Organisations, access keys, API tokens and player-cam sessions (which issue secrets), game
/// servers (their tokens and settings) and arbitrary actions (console commands and code) are
/// the owner's.
const MODERATOR_WRITES: &[&str] = &[
    // Users' status (a disabled user's sessions are refused). Creating users, passwords, external
    // accounts and system groups (which grant powers) are the owner's.
    "/admin/v1/users/{user_id}/disable",
    "/admin/v1/users/{user_id}/enable",
    // Revoking a player's unused link token (moderation of an account link).
    "/admin/v1/link-tokens/{token_id}",
    "/admin/v1/players/{puuid}",
    "/admin/v1/playercam-sessions/{identifier}/players/{full_name}",
    "/admin/v1/bans",
    "/admin/v1/bans/{ban_id}/lift",
    "/admin/v1/roles",
    "/admin/v1/roles/order",
    "/admin/v1/roles/{role_id}",
    "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
    "/admin/v1/kicks",
    "/admin/v1/executions/{execution_id}/rerun",
    // Ending an EVR match is a kick of everyone in it. Removing an EVR broadcaster
    // (`DELETE /admin/v1/broadcasters/{sid}`) is the owner's: it takes a game server out of
    // the pool every lobby is hosted from (capacity, not a player), like game servers.
    "/admin/v1/evr/matches/{match_id}/end",
];

/// Routes only an owner may even read: they show secrets (the Nakama server and http keys).
const OWNER_READS: &[&str] = &["/admin/v1/nakama/keys"];

/// The largest response body read back to find the id of the entity a write changed.
const AUDIT_BODY_LIMIT: usize = 1 << 20;

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `role` may call `method` on the route `template`.
pub fn permits(role: AdminRole, method: &Method, template: &str) -> bool {
    if template.starts_with("/admin/v1/admin-tokens") || OWNER_READS.contains(&template) {
        return role == AdminRole::Owner;
    }
    if !is_write(method) {
        return true;
    }
    match role {
        AdminRole::Owner => true,
        AdminRole::Moderator => MODERATOR_WRITES.contains(&template),
        AdminRole::Viewer => false,
    }
}

/// Route layer of the admin API: authenticates, hands the operator to the handler's
/// extractor, records successful writes.
pub async fn authenticate_and_audit(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = credentials::bearer(request.headers());
    let configured = state.config.admin_token.as_ref().map(|s| s.expose());
    let operator = match state.core.authenticate_admin(configured, presented).await {
        Ok(operator) => operator,
        Err(CoreError::Unauthorized) => {
            return AdminError::new(
                StatusCode::UNAUTHORIZED,
                "a valid admin token is required (Authorization: Bearer …)",
            )
            .into_response()
        }
        Err(other) => return AdminError::from(other).into_response(),
    };
    let method = request.method().clone();
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let source = client_address(peer, request.headers(), &state.config.guess_limit)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    request.extensions_mut().insert(operator.clone());
    let response = next.run(request).await;
    if !is_write(&method) || !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, AUDIT_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "could not read an admin response for the audit log");
            return AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
                .into_response();
        }
    };
    let record = AuditRecord {
        actor: operator.name.clone(),
        actor_id: operator.id.as_ref().map(|id| id.to_string()),
        action: format!("{method} {template}"),
        entity_type: entity_type(&template),
        entity_id: entity_id(&bytes),
        source,
    };
    if let Err(e) = state.core.record_audit(record).await {
        // The write happened; failing the answer would invite a retry that repeats it.
        tracing::error!(error = %e, "could not record an admin write in the audit log");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The kind of entity a route changes: its last literal segment (`supporter` is an
/// organisation's, a server's `token` the server's, a role's `order` and `grants` the
/// role's, `lift` a ban's, `rerun` an execution's, `kicks` are actions).
fn entity_type(template: &str) -> String {
    let literal = template
        .trim_start_matches("/admin/v1/")
        .split('/')
        .rfind(|s| !s.starts_with('{'))
        .unwrap_or_default();
    match literal {
        // A user's status, password, links and groups change the user.
        _ if template.starts_with("/admin/v1/users/") => "users".to_owned(),
        "supporter" => "orgs".to_owned(),
        "token" => "servers".to_owned(),
        "order" | "grants" => "roles".to_owned(),
        "lift" => "bans".to_owned(),
        "rerun" => "executions".to_owned(),
        "kicks" => "actions".to_owned(),
        // EVR matches (`/evr/matches/{match_id}/end`) are not Spectra's `matches`.
        _ if template.starts_with("/admin/v1/evr/matches/") => "evr-matches".to_owned(),
        other => other.to_owned(),
    }
}

/// The changed entity's id as the answer names it (never a path segment: an access key may
/// be revoked by the key itself).
fn entity_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["id", "identifier", "puuid", "full_name"]
        .iter()
        .find_map(|field| match value.get(*field)? {
            serde_json::Value::String(text) => Some(text.clone()),
            // Executions are numbered.
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
}

impl Operator {
    /// Refuses with 403 when this operator's role may not call the route.
    pub fn check(&self, method: &Method, template: &str) -> Result<(), AdminError> {
        if permits(self.role, method, template) {
            Ok(())
        } else {
            Err(AdminError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "the {} role may not {method} {template}",
                    self.role.as_str()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod evr_tests {
    use super::*;

    #[test]
    fn moderators_end_evr_matches_but_only_owners_remove_broadcasters() {
        let end = "/admin/v1/evr/matches/{match_id}/end";
        let remove = "/admin/v1/broadcasters/{sid}";
        assert!(permits(AdminRole::Moderator, &Method::POST, end));
        assert!(!permits(AdminRole::Viewer, &Method::POST, end));
        assert!(!permits(AdminRole::Moderator, &Method::DELETE, remove));
        assert!(permits(AdminRole::Owner, &Method::DELETE, remove));
        assert!(permits(AdminRole::Viewer, &Method::GET, remove));
    }

    #[test]
    fn evr_writes_are_audited_under_their_own_entity_types() {
        assert_eq!(
            entity_type("/admin/v1/evr/matches/{match_id}/end"),
            "evr-matches"
        );
        assert_eq!(entity_type("/admin/v1/broadcasters/{sid}"), "broadcasters");
    }
}
