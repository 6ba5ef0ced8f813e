//! Users, their system groups and external accounts: the identity shared by all surfaces.

use crate::ids::UserId;
use crate::Timestamp;
use serde::Serialize;

/// One account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    pub email: Option<String>,
    pub disabled: bool,
    /// Session tokens issued at or before this instant are revoked (logout of every session).
    #[serde(skip)]
    pub sessions_revoked_before: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub updated_at: Timestamp,
}

/// An external account: `(source, account id)`, e.g. `("discord", "695081603180789771")`.
/// Unique per source: one account id belongs to one user.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ExternalAccount {
    pub source: String,
    pub account_id: String,
}

impl ExternalAccount {
    pub fn new(source: impl Into<String>, account_id: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            account_id: account_id.into(),
        }
    }
}

/// Groups that grant powers across the EVR surface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SystemGroup {
    /// May call `match/prepare`, `match/allocate`, and sit in several matches at once.
    #[serde(rename = "Global Bots")]
    GlobalBots,
    /// May sit in several matches at once.
    #[serde(rename = "Global Developers")]
    GlobalDevelopers,
    /// May call `match/prepare` and `match/allocate`.
    #[serde(rename = "Global Operators")]
    GlobalOperators,
    /// Sees raw match labels.
    #[serde(rename = "Global Private Data Access")]
    GlobalPrivateDataAccess,
}

impl SystemGroup {
    pub const ALL: [SystemGroup; 4] = [
        Self::GlobalBots,
        Self::GlobalDevelopers,
        Self::GlobalOperators,
        Self::GlobalPrivateDataAccess,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::GlobalBots => "Global Bots",
            Self::GlobalDevelopers => "Global Developers",
            Self::GlobalOperators => "Global Operators",
            Self::GlobalPrivateDataAccess => "Global Private Data Access",
        }
    }

    /// The group with this name (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// A name or id that breaks the account rules.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountInputError {
    #[error("username must be 1 to 128 characters without spaces")]
    Username,
    #[error("source `{0}` must be lower-case letters, digits, `_` or `-`")]
    Source(String),
    #[error("account id must be 1 to 128 characters")]
    AccountId,
    #[error("`{0}` is not an email address")]
    Email(String),
}

pub fn check_username(text: &str) -> Result<String, AccountInputError> {
    let ok =
        !text.is_empty() && text.chars().count() <= 128 && !text.chars().any(char::is_whitespace);
    ok.then(|| text.to_owned())
        .ok_or(AccountInputError::Username)
}

/// An external account source: `discord`, `steam`, `custom`, `device`, `evr`, …
pub fn check_source(text: &str) -> Result<String, AccountInputError> {
    let ok = !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    ok.then(|| text.to_owned())
        .ok_or_else(|| AccountInputError::Source(text.to_owned()))
}

pub fn check_account_id(text: &str) -> Result<String, AccountInputError> {
    let ok = !text.is_empty() && text.chars().count() <= 128;
    ok.then(|| text.to_owned())
        .ok_or(AccountInputError::AccountId)
}

pub fn check_email(text: &str) -> Result<String, AccountInputError> {
    let trimmed = text.trim();
    let ok = trimmed.chars().count() <= 255
        && trimmed
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !trimmed.chars().any(char::is_whitespace);
    ok.then(|| trimmed.to_ascii_lowercase())
        .ok_or_else(|| AccountInputError::Email(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_by_name() {
        assert_eq!(
            SystemGroup::parse("global bots"),
            Some(SystemGroup::GlobalBots)
        );
        assert_eq!(
            SystemGroup::parse("Global Private Data Access"),
            Some(SystemGroup::GlobalPrivateDataAccess)
        );
        assert_eq!(SystemGroup::parse("Admins"), None);
    }

    #[test]
    fn names_sources_and_emails_are_checked() {
        assert!(check_username("sprockee").is_ok());
        assert!(check_username("two words").is_err());
        assert!(check_source("discord").is_ok());
        assert!(check_source("Discord").is_err());
        assert_eq!(check_email(" A@Example.org ").unwrap(), "a@example.org");
        assert!(check_email("nope").is_err());
    }
}
