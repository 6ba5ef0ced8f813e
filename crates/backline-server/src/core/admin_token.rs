//! Operators' admin tokens: named, hashed, revocable, each with a role.
//!
//! The first one (`bootstrap`, an owner) is generated on first start and printed once. A
//! database from before named tokens keeps its single token: the old `admin_token_sha256`
//! setting becomes the `bootstrap` owner token. A token set in the configuration is an owner
//! credential named `config`.
//!
//! Listing, issuing, revoking and rotating tokens is the owner's ([`Administer`]); each change
//! is recorded in the audit log, naming the token by id, in the store transaction of the
//! change. Making sure the first token exists at a start is no operator's act: not audited.

use super::page::{time_key, Page, PageRequest};
use super::{Core, CoreError, CoreResult};
use crate::core::access::{Administer, Grant};
use crate::core::audit::Audited;
use crate::core::Entity;
use backline_domain::admin::{AdminRole, AdminToken};
use backline_domain::ids::AdminTokenId;
use backline_domain::secret::{display_prefix, IssuedSecret, SecretHash};
use backline_domain::Timestamp;
use backline_store::{AdminTokenRef, Store, StoreError};

/// The setting that held the one admin token's hash before tokens were named.
const LEGACY_SETTING: &str = "admin_token_sha256";
const ADMIN_TOKEN_LEN: usize = 40;
/// The name of the owner token generated on first start.
pub const BOOTSTRAP: &str = "bootstrap";

/// Who made an admin request: a stored token, or the configured one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// The stored token's id; `None` for the configured token.
    pub id: Option<AdminTokenId>,
    pub name: String,
    pub role: AdminRole,
}

/// A newly issued admin token and its secret, shown once.
#[derive(Debug)]
pub struct IssuedAdminToken {
    pub token: AdminToken,
    pub secret: IssuedSecret,
}

impl IssuedAdminToken {
    /// The token's record with the token itself under `token`.
    pub fn to_json(&self) -> serde_json::Value {
        super::issued::with_secret(&self.token, "token", self.secret.expose())
    }
}

fn new_token(name: &str, role: AdminRole, secret: &str, now: Timestamp) -> AdminToken {
    AdminToken {
        id: AdminTokenId::generate(),
        name: name.to_owned(),
        role,
        prefix: display_prefix(secret),
        created_at: now,
        revoked_at: None,
    }
}

impl<S: Store> Core<S> {
    /// Makes sure the `bootstrap` owner token exists: migrated from the legacy setting when
    /// that holds one, else generated; returns the token when generated.
    pub async fn ensure_admin_token(&self) -> CoreResult<Option<IssuedSecret>> {
        if let Some(hash) = self.store.get_setting(LEGACY_SETTING).await? {
            let token = AdminToken {
                prefix: String::new(),
                ..new_token(BOOTSTRAP, AdminRole::Owner, "", self.now())
            };
            self.store
                .insert_admin_token_if_absent(&token, &SecretHash::from_stored(hash), None)
                .await?;
            return Ok(None);
        }
        let secret = IssuedSecret::generate(ADMIN_TOKEN_LEN);
        let token = new_token(BOOTSTRAP, AdminRole::Owner, secret.expose(), self.now());
        let stored = self
            .store
            .insert_admin_token_if_absent(&token, &secret.hash(), None)
            .await?;
        Ok(stored.then_some(secret))
    }

    /// Gives the `bootstrap` owner token a new secret (and un-revokes it); the old one stops
    /// working at once.
    pub async fn rotate_admin_token(&self, grant: &Grant<Administer>) -> CoreResult<IssuedSecret> {
        self.ensure_admin_token().await?;
        let bootstrap = self
            .store
            .find_admin_token(&AdminTokenRef::Name(BOOTSTRAP.to_owned()))
            .await?
            .ok_or_else(|| CoreError::none_found(Entity::AdminToken))?;
        let audit = grant.audit(
            self.now(),
            Audited::AdminTokens,
            Some(bootstrap.id.to_string()),
        );
        let secret = IssuedSecret::generate(ADMIN_TOKEN_LEN);
        self.store
            .replace_admin_token_secret(
                BOOTSTRAP,
                &secret.hash(),
                &display_prefix(secret.expose()),
                Some(&audit),
            )
            .await?;
        Ok(secret)
    }

    /// Issues a named admin token with a role; `Conflict` when the name is taken.
    pub async fn issue_admin_token(
        &self,
        grant: &Grant<Administer>,
        name: &str,
        role: AdminRole,
    ) -> CoreResult<IssuedAdminToken> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(CoreError::invalid("name", "must be 1 to 64 characters"));
        }
        if name == "cli" || name == "config" {
            return Err(CoreError::invalid(
                "name",
                "`cli` and `config` are reserved",
            ));
        }
        let secret = IssuedSecret::generate(ADMIN_TOKEN_LEN);
        let now = self.now();
        let token = new_token(name, role, secret.expose(), now);
        let audit = grant.audit(now, Audited::AdminTokens, Some(token.id.to_string()));
        if !self
            .store
            .insert_admin_token_if_absent(&token, &secret.hash(), Some(&audit))
            .await?
        {
            return Err(CoreError::AdminTokenExists {
                name: name.to_string(),
            });
        }
        Ok(IssuedAdminToken { token, secret })
    }

    /// A page of admin tokens (revoked ones too), oldest first.
    pub async fn list_admin_tokens(
        &self,
        _: &Grant<Administer>,
        page: &PageRequest,
    ) -> CoreResult<Page<AdminToken>> {
        let rows = self.store.list_admin_tokens(&page.time_seek()?).await?;
        Ok(page.page(rows, |t| time_key(t.created_at, t.id.as_str())))
    }

    /// Revokes an admin token named by id, else by name; revoking a revoked one keeps its
    /// first revocation (and is audited all the same).
    pub async fn revoke_admin_token(
        &self,
        grant: &Grant<Administer>,
        id_or_name: &str,
    ) -> CoreResult<AdminToken> {
        let by_id = AdminTokenRef::Id(AdminTokenId::from_string(id_or_name));
        let token = match self.store.find_admin_token(&by_id).await? {
            Some(token) => token,
            None => self
                .store
                .find_admin_token(&AdminTokenRef::Name(id_or_name.to_owned()))
                .await?
                .ok_or_else(|| CoreError::none_found(Entity::AdminToken))?,
        };
        let now = self.now();
        let audit = grant.audit(now, Audited::AdminTokens, Some(token.id.to_string()));
        self.store
            .revoke_admin_token(&AdminTokenRef::Id(token.id), now, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::none_found(Entity::AdminToken),
                other => other.into(),
            })
    }

    /// The operator presenting this token: the configured token (an owner), else an unrevoked
    /// stored one.
    pub async fn authenticate_admin(
        &self,
        configured: Option<&str>,
        presented: Option<&str>,
    ) -> CoreResult<Operator> {
        let presented = presented
            .filter(|p| !p.is_empty())
            .ok_or(CoreError::Unauthorized)?;
        let hash = SecretHash::of(presented);
        if configured.is_some_and(|c| SecretHash::of(c) == hash) {
            return Ok(Operator {
                id: None,
                name: "config".to_owned(),
                role: AdminRole::Owner,
            });
        }
        let token = self
            .store
            .find_active_admin_token(&hash)
            .await?
            .ok_or(CoreError::Unauthorized)?;
        Ok(Operator {
            id: Some(token.id),
            name: token.name,
            role: token.role,
        })
    }
}
