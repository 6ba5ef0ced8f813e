//! EVR symbol tokens (`backline_domain::evr::symbol`), as read from match labels and RPC
//! payloads. Input: the token text (invalid UTF-8 is skipped: tokens arrive as JSON strings).
//!
//! Invariants: parsing never panics; a token names its symbol (`parse(token(parse(s)))` is
//! `parse(s)`); tokens are `""`, a known name or `0x` and 16 hex digits; `0x` followed by 1 to
//! 16 hex digits is taken literally and anything else non-empty is the hash of the name; the
//! hash ignores ASCII case.

use backline_domain::evr::symbol::Symbol;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let symbol = Symbol::parse(text);
    let token = symbol.token();
    assert_eq!(Symbol::parse(&token), symbol, "token {token:?} of {text:?}");
    if symbol.0 == 0 {
        assert_eq!(token, "");
    } else if let Some(hex) = token.strip_prefix("0x") {
        assert!(
            hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "{token:?}"
        );
    } else {
        assert_eq!(Symbol::of(&token), symbol, "known name {token:?}");
    }
    let literal = text
        .strip_prefix("0x")
        .filter(|hex| (1..=16).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    match literal {
        Some(hex) => assert_eq!(symbol.0, u64::from_str_radix(hex, 16).unwrap(), "{text:?}"),
        None if text.is_empty() => assert_eq!(symbol.0, 0),
        None => assert_eq!(
            symbol,
            Symbol::of(text),
            "{text:?} is a name, not a literal"
        ),
    }
    assert_eq!(Symbol::of(text), Symbol::of(&text.to_ascii_uppercase()));
    assert_eq!(symbol.as_i64() as u64, symbol.0);
}
