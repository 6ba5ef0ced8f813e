//! The accounts of the Nakama surface: users, their external accounts and groups, sessions.

use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
use backline_domain::admin::AuditEntry;
use backline_domain::ids::UserId;
use backline_domain::Timestamp;
use std::future::Future;

use super::Seek;
use crate::StoreResult;

/// What decides whether a session token of a user is still good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStatus {
    pub disabled: bool,
    /// Tokens issued before this instant are revoked.
    pub revoked_before: Option<Timestamp>,
    /// This token id was revoked.
    pub token_revoked: bool,
}

/// Users and their accounts. Each write an operator makes takes the operator's audit entry
/// (`None` for a player's or a game's own change), stored in the same transaction as the
/// change: both are stored or neither is.
pub trait UserStore {
    /// Creates a user with its external accounts in one transaction, with the audit entry of
    /// the operator who created it (none for a sign-up); `Conflict` naming the username, email
    /// or external account already taken.
    fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        external: &[ExternalAccount],
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn get_user(&self, id: &UserId) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn find_user_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn find_user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn find_user_by_external(
        &self,
        account: &ExternalAccount,
    ) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    /// The users of those of `accounts` that are linked, in one read per few hundred
    /// accounts (a poll's connecting players): `(account, user id)` pairs, in no order.
    fn user_ids_by_external(
        &self,
        accounts: &[ExternalAccount],
    ) -> impl Future<Output = StoreResult<Vec<(ExternalAccount, UserId)>>> + Send;
    fn password_hash(
        &self,
        id: &UserId,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Sets the user's password hash, with the operator's audit entry; `NotFound` for an
    /// unknown user.
    fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Links an external account, with the operator's audit entry (recorded too when the user
    /// has the account already); `Conflict` when it belongs to another user.
    fn link_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Unlinks an external account, with the operator's audit entry; `NotFound` when the
    /// user does not have it.
    fn unlink_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn external_accounts(
        &self,
        id: &UserId,
    ) -> impl Future<Output = StoreResult<Vec<ExternalAccount>>> + Send;
    /// Adds the user to a group (nothing changes when it is in it), with the operator's audit
    /// entry; `NotFound` for an unknown user.
    fn add_group(
        &self,
        id: &UserId,
        group: SystemGroup,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes the user from a group (nothing changes when it is not in it), with the
    /// operator's audit entry.
    fn remove_group(
        &self,
        id: &UserId,
        group: SystemGroup,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn groups(&self, id: &UserId) -> impl Future<Output = StoreResult<Vec<SystemGroup>>> + Send;
    /// Disables or enables the user, with the operator's audit entry; `NotFound` for an
    /// unknown user.
    fn set_disabled(
        &self,
        id: &UserId,
        disabled: bool,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// `None` when the user does not exist.
    fn session_status(
        &self,
        id: &UserId,
        token_id: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionStatus>>> + Send;
    /// Revokes token ids until they expire.
    fn revoke_tokens(
        &self,
        id: &UserId,
        token_ids: &[(String, Timestamp)],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Revokes every token of the user issued before `before`.
    fn revoke_all_tokens(
        &self,
        id: &UserId,
        before: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A page of users in username order, narrowed by `filter`; `seek.after` is the last
    /// username of the previous page.
    fn list_users(
        &self,
        filter: &UserFilter,
        seek: &Seek<String>,
    ) -> impl Future<Output = StoreResult<Vec<User>>> + Send;
}

/// Which users an operator lists; every given filter must hold.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// A piece of the username, display name or email (case-insensitive).
    pub text: Option<String>,
    pub disabled: Option<bool>,
    pub group: Option<SystemGroup>,
    /// Users with an external account of this source…
    pub source: Option<String>,
    /// …and this account id (only with `source`).
    pub account_id: Option<String>,
}
