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
    /// A player's id that is not in its source's format (see [`AccountId::parse`]).
    #[error("{0}")]
    PlayerId(&'static str),
    #[error("`{0}` is not an email address")]
    Email(String),
}

pub fn check_username(text: &str) -> Result<String, AccountInputError> {
    let ok =
        !text.is_empty() && text.chars().count() <= 128 && !text.chars().any(char::is_whitespace);
    ok.then(|| text.to_owned())
        .ok_or(AccountInputError::Username)
}

/// The pattern (ECMA-262 and Python) of a new account's username where a surface also takes
/// none: up to 128 characters, none of them white space as [`check_username`] reads it (empty
/// reads as absent). The OpenAPI document states it for Nakama's `username` query parameter.
pub const USERNAME_PATTERN: &str =
    r"^[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028-\u2029\u202F\u205F\u3000]{0,128}$";

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

/// Whether `c` may never reach a console command inside a value: control characters (line
/// breaks included), white space (an argument separator, and U+2028/U+2029/U+0085 end lines
/// in some consoles), quotes of every kind, `;` (the Source engine's command separator) and
/// the backslash (an escape in some consoles).
pub fn unsafe_in_command(c: char) -> bool {
    c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ';' | '\\')
}

/// The pattern (ECMA-262 and Python) every source's player ids match: 1 to 128 characters,
/// none that [`unsafe_in_command`] refuses. The OpenAPI document states it for `account_id`.
pub const ACCOUNT_ID_PATTERN: &str =
    r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#;

/// A player's id at an account source, in that source's format: the only form a player's id
/// reaches a console-command template in (parse, don't validate).
///
/// Formats, by source (docs/clients.md, "Player ids"):
/// - `steam`: a Steam64 id (decimal digits of an unsigned 64-bit number, such as
///   `76561198131926932`) or a Steam2 id (`STEAM_X:Y:Z`, X 0 to 5, Y 0 or 1, Z up to ten digits);
/// - `minecraft`: a player name (1 to 16 letters, digits or `_`) or a UUID (32 hexadecimal
///   digits, with or without the four dashes);
/// - `evr`: an EVR id (1 to 128 letters, digits, `-` or `_`, such as `OVR-ORG-123`);
/// - any other source: 1 to 128 characters, none of them one [`unsafe_in_command`] refuses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// The id `text` of a player at `source`, checked against the source's format.
    pub fn parse(source: &str, text: &str) -> Result<Self, AccountInputError> {
        let ok = match source {
            "steam" => is_steam64(text) || is_steam2(text),
            "minecraft" => is_minecraft_name(text) || is_uuid(text),
            "evr" => {
                (1..=128).contains(&text.len())
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }
            _ => {
                !text.is_empty()
                    && text.chars().count() <= 128
                    && !text.chars().any(unsafe_in_command)
            }
        };
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(AccountInputError::PlayerId(Self::format_of(source)))
        }
    }

    /// The format a source's ids must have, in words.
    pub fn format_of(source: &str) -> &'static str {
        match source {
            "steam" => "a steam account id must be a Steam64 id (decimal digits) or a Steam2 id (STEAM_X:Y:Z)",
            "minecraft" => "a minecraft account id must be a player name (1 to 16 letters, digits or _) or a UUID",
            "evr" => "an evr account id must be 1 to 128 letters, digits, - or _",
            _ => "account id must be 1 to 128 characters, without control characters, white space, quotes, ; or \\",
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_steam64(text: &str) -> bool {
    (1..=20).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u64>().is_ok()
}

fn is_steam2(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("STEAM_") else {
        return false;
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let digits = |p: &str, most: usize| {
        (1..=most).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    matches!(parts.as_slice(), [universe, y, z]
        if matches!(*universe, "0" | "1" | "2" | "3" | "4" | "5")
            && matches!(*y, "0" | "1")
            && digits(z, 10))
}

fn is_minecraft_name(text: &str) -> bool {
    (1..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_uuid(text: &str) -> bool {
    let hex = |p: &str| p.bytes().all(|b| b.is_ascii_hexdigit());
    if text.len() == 32 {
        return hex(text);
    }
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| hex(p))
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

    /// The class [`USERNAME_PATTERN`] refuses is exactly the white space [`check_username`]
    /// refuses.
    #[test]
    fn the_documented_username_pattern_refuses_exactly_white_space() {
        let escape = |c: char| match c {
            '\t' => "\\t".to_owned(),
            '\n' => "\\n".to_owned(),
            '\x0b' => "\\x0B".to_owned(),
            '\x0c' => "\\f".to_owned(),
            '\r' => "\\r".to_owned(),
            ' ' => " ".to_owned(),
            c => format!("\\u{:04X}", c as u32),
        };
        let mut ranges: Vec<(char, char)> = Vec::new();
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            if check_username(&c.to_string()).is_ok() {
                continue;
            }
            match ranges.last_mut() {
                Some((_, end)) if *end as u32 + 1 == c as u32 && (c as u32) > 0xff => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let class: String = ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    escape(a)
                } else {
                    format!("{}-{}", escape(a), escape(b))
                }
            })
            .collect();
        assert_eq!(USERNAME_PATTERN, format!("^[^{class}]{{0,128}}$"));
    }

    /// The class [`ACCOUNT_ID_PATTERN`] refuses is exactly what [`unsafe_in_command`] refuses.
    #[test]
    fn the_documented_pattern_refuses_exactly_the_unsafe_characters() {
        let escape = |c: char| match c {
            '\\' => "\\\\".to_owned(),
            c if (c as u32) < 0x100 && (c.is_control() || c.is_whitespace()) => {
                format!("\\x{:02x}", c as u32)
            }
            c if c.is_whitespace() => format!("\\u{:04x}", c as u32),
            c => c.to_string(),
        };
        let mut ranges: Vec<(char, char)> = Vec::new();
        for c in (0..=0xffffu32).filter_map(char::from_u32) {
            if !unsafe_in_command(c) || "\"'`;\\".contains(c) {
                continue;
            }
            match ranges.last_mut() {
                Some((_, end)) if *end as u32 + 1 == c as u32 => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let class: String = ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    escape(a)
                } else {
                    format!("{}-{}", escape(a), escape(b))
                }
            })
            .collect();
        assert_eq!(
            ACCOUNT_ID_PATTERN,
            format!("^[^{class}\"'`;\\\\]{{1,128}}$"),
        );
        assert!((0x10000..=0x10ffffu32)
            .filter_map(char::from_u32)
            .all(|c| !unsafe_in_command(c)));
    }

    #[test]
    fn player_ids_have_their_sources_format() {
        for (source, id) in [
            ("steam", "76561198131926932"),
            ("steam", "1"),
            ("steam", "18446744073709551615"),
            ("steam", "STEAM_0:1:12345"),
            ("steam", "STEAM_1:0:4294967295"),
            ("minecraft", "Notch"),
            ("minecraft", "a_b_1"),
            ("minecraft", "069a79f444e94726a5befca90e38aaf5"),
            ("minecraft", "069a79f4-44e9-4726-a5be-fca90e38aaf5"),
            ("evr", "OVR-ORG-123"),
            ("discord", "695081603180789771"),
            ("custom", "x-y_z.1@2"),
        ] {
            let parsed = AccountId::parse(source, id);
            assert_eq!(
                parsed.map(|a| a.into_string()),
                Ok(id.to_owned()),
                "{source}:{id}"
            );
        }
        for (source, id) in [
            ("steam", ""),
            ("steam", "1\"; quit; \""),
            ("steam", "18446744073709551616"),
            ("steam", "-1"),
            ("steam", "+1"),
            ("steam", "1 2"),
            ("steam", "STEAM_0:2:1"),
            ("steam", "STEAM_0:1:1;quit"),
            ("steam", "STEAM_0:1"),
            ("minecraft", "Steve\nop Mallory x"),
            ("minecraft", "seventeen_chars_x"),
            ("minecraft", "Stève"),
            ("evr", "OVR ORG"),
            ("discord", "1\n2"),
            ("discord", "a\u{2028}b"),
            ("discord", "a'b"),
            ("discord", "a`b"),
            ("discord", "a\\b"),
            ("discord", "a\tb"),
            ("discord", &"x".repeat(129)),
        ] {
            assert!(AccountId::parse(source, id).is_err(), "{source}:{id:?}");
        }
    }
}
