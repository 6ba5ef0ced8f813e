//! The one way each credential is read from a request.
//!
//! - **Bearer** (`Authorization: Bearer <token>`): the scheme in any letter case (`Bearer`,
//!   `bearer`), then a `:` and/or spaces (the Ember seed writes `Bearer: <token>`, RFC 6750 a
//!   space), then the token with surrounding whitespace trimmed. Anything else (another
//!   scheme, `Bearerabc`, an empty token) is no Bearer credential at all. Used by the
//!   Nakama session, the Ember server token and the admin token.
//! - **Basic** (`Authorization: Basic base64("<user>:<password>")`): the scheme in any
//!   letter case, the user part of the decoded pair (the whole text when there is no `:`).
//!   Nakama sends its server key and http key as the user part.
//!
//! Secrets read here are compared with [`backline_domain::secret::secrets_match`] (constant
//! time) or looked up by hash, never with `==`.

use axum::http::HeaderMap;
use base64::Engine;

/// The value of `Authorization`, if present and text.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()
}

/// Splits `<scheme><rest>` when `value` starts with `scheme` in any letter case.
fn after_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let head = value.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &value[scheme.len()..])
}

/// The token of a Bearer credential (see the module documentation for the rule).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    bearer_token(authorization(headers)?)
}

fn bearer_token(value: &str) -> Option<&str> {
    let rest = after_scheme(value.trim_start(), "bearer")?;
    let token = rest.strip_prefix(':').unwrap_or(rest);
    // A separator is required: `Bearerabc` is not `Bearer abc`.
    if token.len() == rest.len() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some(token.trim()).filter(|t| !t.is_empty())
}

/// The user part of a Basic credential (see the module documentation for the rule).
pub fn basic_user(headers: &HeaderMap) -> Option<String> {
    basic_user_of(authorization(headers)?)
}

fn basic_user_of(value: &str) -> Option<String> {
    let rest = after_scheme(value.trim_start(), "basic")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(match text.split_once(':') {
        Some((user, _)) => user.to_owned(),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_accepts_either_case_a_colon_and_spaces() {
        for value in [
            "Bearer abc",
            "bearer abc",
            "BEARER abc",
            "Bearer:abc",
            "Bearer: abc",
            "Bearer   abc  ",
            " Bearer abc",
        ] {
            assert_eq!(bearer_token(value), Some("abc"), "{value}");
        }
    }

    #[test]
    fn bearer_refuses_other_schemes_missing_separators_and_empty_tokens() {
        for value in [
            "Basic abc",
            "Bearerabc",
            "Bearer",
            "Bearer   ",
            "Bearer:",
            "abc",
            "",
        ] {
            assert_eq!(bearer_token(value), None, "{value}");
        }
    }

    #[test]
    fn basic_gives_the_user_part_of_the_pair() {
        // base64("key:") and base64("key:pw") and base64("key")
        assert_eq!(basic_user_of("Basic a2V5Og=="), Some("key".into()));
        assert_eq!(basic_user_of("basic a2V5OnB3"), Some("key".into()));
        assert_eq!(basic_user_of("Basic a2V5"), Some("key".into()));
        assert_eq!(basic_user_of("Basic Og=="), Some(String::new()));
        assert_eq!(basic_user_of("Basic !!!"), None);
        assert_eq!(basic_user_of("Basica2V5Og=="), None);
        assert_eq!(basic_user_of("Bearer a2V5Og=="), None);
    }
}
