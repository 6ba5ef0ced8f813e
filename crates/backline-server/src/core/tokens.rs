//! API tokens of client programs (Spectra's backend and stats tokens).
//!
//! Issuing and revoking them is the owner's (they are secrets), reading them (without the
//! token) every role's; each change is recorded in the audit log with the change itself.

use super::access::{Administer, Grant, View};
use super::audit::Audited;
use super::page::{time_key, Page, PageRequest};
use super::{Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::ids::ApiTokenId;
use backline_domain::secret::{display_prefix, IssuedSecret, SecretHash};
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_store::{Store, StoreError};

const API_TOKEN_LEN: usize = 40;

/// Values client programs send when they were not configured with a token.
/// Upstream: Spectra Server sends the literal `undefined` for an unset variable.
const PLACEHOLDER_TOKENS: &[&str] = &["", "undefined", "null"];

#[derive(Debug)]
pub struct IssuedToken {
    pub token: ApiToken,
    pub secret: IssuedSecret,
}

impl IssuedToken {
    /// The token's record with the token itself under `token`.
    pub fn to_json(&self) -> serde_json::Value {
        super::issued::with_secret(&self.token, "token", self.secret.expose())
    }
}

impl<S: Store> Core<S> {
    /// Issues a token of `kind` named `name` (the kind when absent or blank); the token
    /// itself is shown once and stored as a hash.
    pub async fn issue_api_token(
        &self,
        grant: &Grant<Administer>,
        kind: ApiTokenKind,
        name: Option<&str>,
    ) -> CoreResult<IssuedToken> {
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(kind.as_str());
        if name.chars().count() > 128 {
            return Err(CoreError::invalid("name", "must be at most 128 characters"));
        }
        let secret = IssuedSecret::generate(API_TOKEN_LEN);
        let token = ApiToken {
            id: ApiTokenId::generate(),
            kind,
            name: name.to_owned(),
            prefix: display_prefix(secret.expose()),
            created_at: self.now(),
            revoked_at: None,
        };
        let audit = grant.audit(
            token.created_at,
            Audited::Tokens,
            Some(token.id.to_string()),
        );
        self.store
            .insert_api_token(&token, &secret.hash(), Some(&audit))
            .await?;
        Ok(IssuedToken { token, secret })
    }

    /// A page of API tokens, oldest first.
    pub async fn list_api_tokens(
        &self,
        _: &Grant<View>,
        page: &PageRequest,
    ) -> CoreResult<Page<ApiToken>> {
        let rows = self.store.list_api_tokens(&page.time_seek()?).await?;
        Ok(page.page(rows, |t| time_key(t.created_at, t.id.as_str())))
    }

    /// Revokes a token (revoking a revoked one keeps its first revocation, and is audited
    /// all the same).
    pub async fn revoke_api_token(
        &self,
        grant: &Grant<Administer>,
        id: &ApiTokenId,
    ) -> CoreResult<ApiToken> {
        let now = self.now();
        let audit = grant.audit(now, Audited::Tokens, Some(id.to_string()));
        self.store
            .revoke_api_token(id, now, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(Entity::ApiToken, id),
                other => other.into(),
            })
    }

    /// Checks a presented token of `kind`; `Unauthorized` when missing, wrong or revoked.
    pub async fn authenticate_api_token(
        &self,
        kind: ApiTokenKind,
        presented: Option<&str>,
    ) -> CoreResult<ApiToken> {
        let presented = presented.map(str::trim).unwrap_or_default();
        if PLACEHOLDER_TOKENS.contains(&presented) {
            return Err(CoreError::Unauthorized);
        }
        self.store
            .find_active_api_token(kind, &SecretHash::of(presented))
            .await?
            .ok_or(CoreError::Unauthorized)
    }
}
