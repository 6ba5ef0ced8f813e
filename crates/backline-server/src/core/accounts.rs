//! Users as operators manage them, and as the Nakama surface looks them up.
//!
//! Operators' use cases take the grant their capability requires (creating users and
//! changing their credentials, external accounts and groups is the owner's; disabling and
//! enabling them is moderation) and record their change in the audit log, naming the user by
//! id, in the store transaction of the change. The surfaces of players and games (sign-up,
//! linking a game account) create users without a grant and are not audited.

use super::page::{key_cursor, Page, PageRequest};
use super::passwords::{check_password, hash_password};
use super::{Core, CoreError, CoreResult};
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::audit::Audited;
use crate::core::Entity;
use backline_domain::accounts::{
    check_account_id, check_email, check_source, check_username, AccountId, AccountInputError,
    ExternalAccount, SystemGroup, User,
};
use backline_domain::ids::UserId;
use backline_store::{Seek, Store, StoreError, UserFilter};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;

impl From<AccountInputError> for CoreError {
    fn from(e: AccountInputError) -> Self {
        let field = match e {
            AccountInputError::Username => "username",
            AccountInputError::Source(_) => "source",
            AccountInputError::AccountId | AccountInputError::PlayerId(_) => "account_id",
            AccountInputError::Email(_) => "email",
        };
        CoreError::invalid(field, e.to_string())
    }
}

/// What creating a user needs.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    /// Generated when absent (Nakama's rule: 10 random letters).
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub external: Vec<ExternalAccount>,
}

/// A user with everything operators and `GET /v2/account` show.
#[derive(Clone, Debug, Serialize)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: User,
    pub groups: Vec<SystemGroup>,
    pub external_accounts: Vec<ExternalAccount>,
}

fn random_username() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .filter(u8::is_ascii_alphabetic)
        .take(10)
        .map(char::from)
        .collect()
}

fn store_conflict(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(what) => CoreError::Conflict(what),
        StoreError::NotFound => CoreError::none_found(Entity::User),
        other => other.into(),
    }
}

impl<S: Store> Core<S> {
    /// Creates a user for a player or a game (sign-up, a game account's first link);
    /// `Conflict` when the username, email or an external account is taken.
    pub async fn create_user(&self, new: NewUser) -> CoreResult<User> {
        self.insert_new_user(None, new).await
    }

    /// Creates a user as an operator (audited): the user as operators see it; `Conflict` when
    /// the username, email or an external account is taken.
    pub async fn create_user_as_operator(
        &self,
        grant: &Grant<Administer>,
        new: NewUser,
    ) -> CoreResult<AccountView> {
        let user = self.insert_new_user(Some(grant), new).await?;
        self.account_view(user).await
    }

    /// Checks and stores a new user, with the audit entry of the operator who created it.
    async fn insert_new_user(
        &self,
        grant: Option<&Grant<Administer>>,
        new: NewUser,
    ) -> CoreResult<User> {
        let username = match new.username {
            Some(name) => check_username(&name)?,
            None => random_username(),
        };
        let email = new.email.as_deref().map(check_email).transpose()?;
        for account in &new.external {
            check_source(&account.source)?;
            check_account_id(&account.account_id)?;
        }
        let password_hash = match new.password {
            Some(password) => {
                check_password(&password)?;
                Some(hash_password(password).await?)
            }
            None => None,
        };
        let now = self.now();
        let user = User {
            id: UserId::generate(),
            display_name: new.display_name.unwrap_or_else(|| username.clone()),
            username,
            avatar_url: String::new(),
            email,
            disabled: false,
            sessions_revoked_before: None,
            created_at: now,
            updated_at: now,
        };
        let audit = grant.map(|g| g.audit(now, Audited::Users, Some(user.id.to_string())));
        self.store
            .insert_user(
                &user,
                password_hash.as_deref(),
                &new.external,
                audit.as_ref(),
            )
            .await
            .map_err(store_conflict)?;
        Ok(user)
    }

    /// A user named by id or username.
    pub async fn find_user(&self, id_or_name: &str) -> CoreResult<User> {
        if let Some(user) = self
            .store
            .get_user(&UserId::from_string(id_or_name))
            .await?
        {
            return Ok(user);
        }
        self.store
            .find_user_by_username(id_or_name)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::User, id_or_name))
    }

    /// A user named by id or username, as operators see it (with its groups and external
    /// accounts).
    pub async fn user_account(&self, _: &Grant<View>, id_or_name: &str) -> CoreResult<AccountView> {
        let user = self.find_user(id_or_name).await?;
        self.account_view(user).await
    }

    /// The user with its groups and external accounts.
    pub async fn account_view(&self, user: User) -> CoreResult<AccountView> {
        let groups = self.store.groups(&user.id).await?;
        let external_accounts = self.store.external_accounts(&user.id).await?;
        Ok(AccountView {
            user,
            groups,
            external_accounts,
        })
    }

    /// Sets a user's password (checked as at sign-up); the user as operators see it.
    pub async fn set_password(
        &self,
        grant: &Grant<Administer>,
        id_or_name: &str,
        password: String,
    ) -> CoreResult<AccountView> {
        check_password(&password)?;
        let user = self.find_user(id_or_name).await?;
        let hash = hash_password(password).await?;
        let now = self.now();
        let audit = grant.audit(now, Audited::Users, Some(user.id.to_string()));
        self.store
            .set_password_hash(&user.id, &hash, now, Some(&audit))
            .await
            .map_err(store_conflict)?;
        self.account_view(user).await
    }

    /// Links an external account to a user; linking one the user has already changes
    /// nothing (and is audited all the same). `Conflict` when another user has it.
    pub async fn link_account(
        &self,
        grant: &Grant<Administer>,
        id_or_name: &str,
        source: &str,
        account_id: &str,
    ) -> CoreResult<AccountView> {
        let user = self.find_user(id_or_name).await?;
        // Checked as a player's id is: a linked account is a player in its source's games.
        let source = check_source(source)?;
        let account_id = AccountId::parse(&source, account_id)?.into_string();
        let account = ExternalAccount::new(source, account_id);
        let now = self.now();
        let audit = grant.audit(now, Audited::Users, Some(user.id.to_string()));
        self.store
            .link_external(&user.id, &account, now, Some(&audit))
            .await
            .map_err(store_conflict)?;
        self.account_view(user).await
    }

    /// Unlinks one external account of a user; `NotFound` when the user does not have it.
    pub async fn unlink_account(
        &self,
        grant: &Grant<Administer>,
        id_or_name: &str,
        source: &str,
        account_id: &str,
    ) -> CoreResult<AccountView> {
        let user = self.find_user(id_or_name).await?;
        let account = ExternalAccount::new(source, account_id);
        let audit = grant.audit(self.now(), Audited::Users, Some(user.id.to_string()));
        self.store
            .unlink_external(&user.id, &account, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(
                    Entity::ExternalAccount,
                    format!("{source} account {account_id} of this user"),
                ),
                other => other.into(),
            })?;
        self.account_view(user).await
    }

    /// Adds a user to a system group (`member`) or removes it from one; either changes
    /// nothing when the user already is (or is not) in it, and is audited all the same.
    pub async fn set_group(
        &self,
        grant: &Grant<Administer>,
        id_or_name: &str,
        group: &str,
        member: bool,
    ) -> CoreResult<AccountView> {
        let group = SystemGroup::parse(group).ok_or_else(|| {
            CoreError::invalid(
                "group",
                format!("unknown group `{group}`; use Global Bots, Global Developers, Global Operators or Global Private Data Access"),
            )
        })?;
        let user = self.find_user(id_or_name).await?;
        let audit = grant.audit(self.now(), Audited::Users, Some(user.id.to_string()));
        if member {
            self.store.add_group(&user.id, group, Some(&audit)).await?;
        } else {
            self.store
                .remove_group(&user.id, group, Some(&audit))
                .await?;
        }
        self.account_view(user).await
    }

    /// Disables (or re-enables) a user; a disabled user's sessions stop working at once.
    /// Disabling a disabled user (or enabling an enabled one) changes nothing and is audited
    /// all the same.
    pub async fn set_disabled(
        &self,
        grant: &Grant<Moderate>,
        id_or_name: &str,
        disabled: bool,
    ) -> CoreResult<AccountView> {
        let user = self.find_user(id_or_name).await?;
        let now = self.now();
        let audit = grant.audit(now, Audited::Users, Some(user.id.to_string()));
        self.store
            .set_disabled(&user.id, disabled, now, Some(&audit))
            .await
            .map_err(store_conflict)?;
        let user = self.find_user(user.id.as_str()).await?;
        self.account_view(user).await
    }

    /// Exact lookup by user id, username or Discord id.
    pub async fn lookup_user(
        &self,
        user_id: Option<&str>,
        username: Option<&str>,
        discord_id: Option<&str>,
    ) -> CoreResult<User> {
        let found = if let Some(id) = user_id.filter(|s| !s.is_empty()) {
            self.store.get_user(&UserId::from_string(id)).await?
        } else if let Some(name) = username.filter(|s| !s.is_empty()) {
            self.store.find_user_by_username(name).await?
        } else if let Some(discord) = discord_id.filter(|s| !s.is_empty()) {
            self.store
                .find_user_by_external(&ExternalAccount::new("discord", discord))
                .await?
        } else {
            return Err(CoreError::invalid(
                "user_id",
                "one of user_id, username or discord_id is required",
            ));
        };
        found.ok_or_else(|| CoreError::none_found(Entity::User))
    }

    /// The user's first account id of `source`, if any.
    pub async fn external_id(&self, user: &UserId, source: &str) -> CoreResult<Option<String>> {
        let accounts = self.store.external_accounts(user).await?;
        Ok(accounts
            .into_iter()
            .find(|a| a.source == source)
            .map(|a| a.account_id))
    }

    pub async fn user_groups(&self, user: &UserId) -> CoreResult<Vec<SystemGroup>> {
        Ok(self.store.groups(user).await?)
    }
}

// Operators' list of users, and unlinking by source.
impl<S: Store> Core<S> {
    /// A page of users in username order, narrowed by `filter` (`account_id` needs `source`).
    pub async fn list_users(
        &self,
        _: &Grant<View>,
        filter: UserFilter,
        page: &PageRequest,
    ) -> CoreResult<Page<User>> {
        if filter.account_id.is_some() && filter.source.is_none() {
            return Err(CoreError::invalid(
                "external_id",
                "name the account's source too (source=…)",
            ));
        }
        let filter = UserFilter {
            text: filter.text.filter(|t| !t.trim().is_empty()),
            ..filter
        };
        let seek = Seek {
            after: page.key_cursor(1)?.and_then(|mut parts| parts.pop()),
            limit: page.fetch(),
        };
        let rows = self.store.list_users(&filter, &seek).await?;
        Ok(page.page(rows, |u| key_cursor(&[&u.username])))
    }

    /// Unlinks the user's account of `source`: the one named by `account_id`, or, without
    /// one, the only account of that source the user has (`Invalid` when there are several,
    /// `NotFound` when there is none).
    pub async fn unlink_source(
        &self,
        grant: &Grant<Administer>,
        id_or_name: &str,
        source: &str,
        account_id: Option<&str>,
    ) -> CoreResult<AccountView> {
        if let Some(account_id) = account_id {
            return self
                .unlink_account(grant, id_or_name, source, account_id)
                .await;
        }
        let user = self.find_user(id_or_name).await?;
        let accounts: Vec<_> = self
            .store
            .external_accounts(&user.id)
            .await?
            .into_iter()
            .filter(|a| a.source == source)
            .collect();
        match accounts.as_slice() {
            [] => Err(CoreError::not_found(
                Entity::ExternalAccount,
                format!("{source} account of user {id_or_name}"),
            )),
            [only] => {
                self.unlink_account(grant, user.id.as_str(), source, &only.account_id)
                    .await
            }
            _ => Err(CoreError::invalid(
                "external_id",
                format!("the user has several {source} accounts; name one (external_id=…)"),
            )),
        }
    }
}
