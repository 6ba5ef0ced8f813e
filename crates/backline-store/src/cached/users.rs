//! Accounts: users by id, username and external account, a user's external accounts, and
//! the state of a session (disabled user, logout of every session, revoked token id).

use super::{CacheArea, CachedStore};
use crate::traits::*;
use crate::StoreResult;
use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
use backline_domain::admin::AuditEntry;
use backline_domain::ids::UserId;
use backline_domain::Timestamp;

pub(super) const ACCOUNTS: &[CacheArea] = &[CacheArea::Accounts];

impl<S: Store> UserStore for CachedStore<S> {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        external: &[ExternalAccount],
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(
            ACCOUNTS,
            self.inner.insert_user(user, password_hash, external, audit),
        )
        .await
    }

    async fn get_user(&self, id: &UserId) -> StoreResult<Option<User>> {
        self.cached(
            |s| &s.accounts,
            |m| m.by_id.get(id),
            self.inner.get_user(id),
            |m, v| m.by_id.put(id.clone(), v),
        )
        .await
    }

    async fn find_user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.cached(
            |s| &s.accounts,
            |m| m.by_username.get(&username.to_owned()),
            self.inner.find_user_by_username(username),
            |m, v| m.by_username.put(username.to_owned(), v),
        )
        .await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.inner.find_user_by_email(email).await
    }

    async fn find_user_by_external(&self, account: &ExternalAccount) -> StoreResult<Option<User>> {
        self.cached(
            |s| &s.accounts,
            |m| m.by_external.get(account),
            self.inner.find_user_by_external(account),
            |m, v| m.by_external.put(account.clone(), v),
        )
        .await
    }

    async fn user_ids_by_external(
        &self,
        accounts: &[ExternalAccount],
    ) -> StoreResult<Vec<(ExternalAccount, UserId)>> {
        self.inner.user_ids_by_external(accounts).await
    }

    async fn password_hash(&self, id: &UserId) -> StoreResult<Option<String>> {
        self.inner.password_hash(id).await
    }

    async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(ACCOUNTS, self.inner.set_password_hash(id, hash, now, audit))
            .await
    }

    async fn link_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(ACCOUNTS, self.inner.link_external(id, account, now, audit))
            .await
    }

    async fn unlink_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(ACCOUNTS, self.inner.unlink_external(id, account, audit))
            .await
    }

    async fn external_accounts(&self, id: &UserId) -> StoreResult<Vec<ExternalAccount>> {
        self.cached(
            |s| &s.accounts,
            |m| m.external_accounts.get(id),
            self.inner.external_accounts(id),
            |m, v| m.external_accounts.put(id.clone(), v),
        )
        .await
    }

    async fn add_group(
        &self,
        id: &UserId,
        group: SystemGroup,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.inner.add_group(id, group, audit).await
    }

    async fn remove_group(
        &self,
        id: &UserId,
        group: SystemGroup,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.inner.remove_group(id, group, audit).await
    }

    async fn groups(&self, id: &UserId) -> StoreResult<Vec<SystemGroup>> {
        self.inner.groups(id).await
    }

    async fn set_disabled(
        &self,
        id: &UserId,
        disabled: bool,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(ACCOUNTS, self.inner.set_disabled(id, disabled, now, audit))
            .await
    }

    /// Cached per user and token id; the caller compares the token's `iat` with
    /// `revoked_before` at each use.
    async fn session_status(
        &self,
        id: &UserId,
        token_id: &str,
    ) -> StoreResult<Option<SessionStatus>> {
        let key = (id.clone(), token_id.to_owned());
        self.cached(
            |s| &s.accounts,
            |m| m.sessions.get(&key),
            self.inner.session_status(id, token_id),
            |m, v| m.sessions.put(key.clone(), v),
        )
        .await
    }

    async fn revoke_tokens(
        &self,
        id: &UserId,
        token_ids: &[(String, Timestamp)],
    ) -> StoreResult<()> {
        self.writing(ACCOUNTS, self.inner.revoke_tokens(id, token_ids))
            .await
    }

    async fn revoke_all_tokens(&self, id: &UserId, before: Timestamp) -> StoreResult<()> {
        self.writing(ACCOUNTS, self.inner.revoke_all_tokens(id, before))
            .await
    }

    async fn list_users(&self, filter: &UserFilter, seek: &Seek<String>) -> StoreResult<Vec<User>> {
        self.inner.list_users(filter, seek).await
    }
}
