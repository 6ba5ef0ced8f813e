//! The accounts of the Nakama surface: users, their external accounts and groups, sessions.

use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
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

pub trait UserStore {
    /// Creates a user with its external accounts in one transaction; `Conflict` naming the
    /// username, email or external account already taken.
    fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        external: &[ExternalAccount],
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
    fn password_hash(
        &self,
        id: &UserId,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Links an external account; `Conflict` when it belongs to another user.
    fn link_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn unlink_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn external_accounts(
        &self,
        id: &UserId,
    ) -> impl Future<Output = StoreResult<Vec<ExternalAccount>>> + Send;
    fn add_group(
        &self,
        id: &UserId,
        group: SystemGroup,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn remove_group(
        &self,
        id: &UserId,
        group: SystemGroup,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn groups(&self, id: &UserId) -> impl Future<Output = StoreResult<Vec<SystemGroup>>> + Send;
    fn set_disabled(
        &self,
        id: &UserId,
        disabled: bool,
        now: Timestamp,
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
