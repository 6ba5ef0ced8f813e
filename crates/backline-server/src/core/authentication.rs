//! Logging in: custom ids, device ids, email and password, and EVR's password RPC.
//!
//! Upstream: Nakama `api_authenticate.go` for the rules of custom, device and email
//! authentication (their messages are the Nakama surface's, in `apis/nakama/error.rs`); the
//! EVR wiki for `account/authenticate/password`.

use super::accounts::NewUser;
use super::passwords::{spend_verification, verify_password};
use super::sessions::SessionTokens;
use super::{Core, CoreError, CoreResult, Entity, LengthRule, LoginField};
use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::ids::UserId;
use backline_store::Store;
use std::collections::BTreeMap;

/// The result of an authentication: tokens, and whether the account was created by it.
#[derive(Debug)]
pub struct Authenticated {
    pub tokens: SessionTokens,
    pub created: bool,
}

/// How an account is identified when logging in with `create`.
pub struct Login<'a> {
    pub create: bool,
    pub username: Option<&'a str>,
    pub vars: BTreeMap<String, String>,
}

fn usable(user: User) -> CoreResult<User> {
    if user.disabled {
        return Err(CoreError::AccountDisabled);
    }
    Ok(user)
}

fn check_len(field: LoginField, value: &str, min: usize, max: usize) -> CoreResult<()> {
    let rule = if value.is_empty() {
        LengthRule::Required
    } else if value.len() < min || value.len() > max {
        LengthRule::Bytes { min, max }
    } else {
        return Ok(());
    };
    Err(CoreError::LoginField { field, rule })
}

impl<S: Store> Core<S> {
    /// Logs in with an external id of `source` (`custom`, `device`), creating the user when
    /// asked.
    async fn authenticate_external(
        &self,
        account: ExternalAccount,
        login: Login<'_>,
    ) -> CoreResult<Authenticated> {
        if let Some(user) = self.store.find_user_by_external(&account).await? {
            let tokens = self.issue_tokens(&usable(user)?, login.vars, None)?;
            return Ok(Authenticated {
                tokens,
                created: false,
            });
        }
        if !login.create {
            return Err(CoreError::none_found(Entity::LoginAccount));
        }
        let new = NewUser {
            username: login.username.filter(|u| !u.is_empty()).map(str::to_owned),
            external: vec![account.clone()],
            ..NewUser::default()
        };
        let user = match self.create_user(new).await {
            Ok(user) => user,
            // Another request created it meanwhile: log in as that user.
            Err(CoreError::Conflict(_)) if login.username.is_none_or(str::is_empty) => self
                .store
                .find_user_by_external(&account)
                .await?
                .ok_or_else(|| CoreError::Conflict("account".into()))?,
            Err(CoreError::Conflict(_)) => return Err(CoreError::UsernameTaken),
            Err(other) => return Err(other),
        };
        let tokens = self.issue_tokens(&user, login.vars, None)?;
        Ok(Authenticated {
            tokens,
            created: true,
        })
    }

    pub async fn authenticate_custom(
        &self,
        id: &str,
        login: Login<'_>,
    ) -> CoreResult<Authenticated> {
        check_len(LoginField::CustomId, id, 6, 128)?;
        self.authenticate_external(ExternalAccount::new("custom", id), login)
            .await
    }

    pub async fn authenticate_device(
        &self,
        id: &str,
        login: Login<'_>,
    ) -> CoreResult<Authenticated> {
        check_len(LoginField::DeviceId, id, 10, 128)?;
        self.authenticate_external(ExternalAccount::new("device", id), login)
            .await
    }

    pub async fn authenticate_email(
        &self,
        email: &str,
        password: &str,
        login: Login<'_>,
    ) -> CoreResult<Authenticated> {
        check_len(LoginField::Email, email, 10, 255)?;
        check_len(LoginField::Password, password, 1, usize::MAX)?;
        let email = backline_domain::accounts::check_email(email)?;
        if let Some(user) = self.store.find_user_by_email(&email).await? {
            self.check_password_of(&user.id, password).await?;
            let tokens = self.issue_tokens(&usable(user)?, login.vars, None)?;
            return Ok(Authenticated {
                tokens,
                created: false,
            });
        }
        if !login.create {
            // As slow as a wrong password (core/passwords.rs).
            spend_verification(password.to_owned()).await?;
            return Err(CoreError::none_found(Entity::LoginAccount));
        }
        let new = NewUser {
            username: login.username.filter(|u| !u.is_empty()).map(str::to_owned),
            email: Some(email),
            password: Some(password.to_owned()),
            ..NewUser::default()
        };
        let user = self.create_user(new).await?;
        let tokens = self.issue_tokens(&user, login.vars, None)?;
        Ok(Authenticated {
            tokens,
            created: true,
        })
    }

    /// `Unauthorized` unless the user has a password and `password` matches it; a user
    /// without a password takes as long to refuse as a wrong password.
    async fn check_password_of(&self, user: &UserId, password: &str) -> CoreResult<()> {
        let Some(hash) = self.store.password_hash(user).await? else {
            spend_verification(password.to_owned()).await?;
            return Err(CoreError::Unauthorized);
        };
        if verify_password(password.to_owned(), hash).await? {
            Ok(())
        } else {
            Err(CoreError::Unauthorized)
        }
    }

    /// EVR's password login: by user id, Discord id or username.
    pub async fn authenticate_password(
        &self,
        user_id: Option<&str>,
        discord_id: Option<&str>,
        username: Option<&str>,
        password: &str,
    ) -> CoreResult<SessionTokens> {
        let user = match self.lookup_user(user_id, username, discord_id).await {
            Ok(user) => user,
            Err(CoreError::NotFound { .. }) => {
                // An unknown user takes as long to refuse as a wrong password.
                spend_verification(password.to_owned()).await?;
                return Err(CoreError::Unauthorized);
            }
            Err(other) => return Err(other),
        };
        self.check_password_of(&user.id, password).await?;
        self.issue_tokens(&usable(user)?, BTreeMap::new(), None)
    }
}
