//! EVR symbols: 64-bit hashes of names (modes, levels, regions).
//!
//! Upstream: Echo VR's symbol hash, as the EVR server implements it (`shared/docs/api/NAKAMA.md`,
//! "EVR symbols", with its test vectors below).

use std::fmt;

const POLY: u64 = 0x95AC9329AC4BC9B5;

const fn build_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut v: u64 = if i & 0x40 != 0 {
            if i & 0x80 != 0 {
                0xBEF5B57AF4DC5ADF
            } else {
                0x95AC9329AC4BC9B5
            }
        } else if i & 0x80 != 0 {
            0x2B5926535897936A
        } else {
            0
        };
        let masks = [0x20, 0x10, 0x08, 0x04, 0x02, 0x01];
        let mut m = 0;
        while m < masks.len() {
            v = if i & masks[m] != 0 {
                (v << 1) ^ POLY
            } else {
                v << 1
            };
            m += 1;
        }
        table[i] = v << 1;
        i += 1;
    }
    table
}

static TABLE: [u64; 256] = build_table();

/// A 64-bit EVR symbol.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(pub u64);

/// Names Backline knows, shown as themselves instead of `0x…`.
const KNOWN: &[&str] = &[
    "echo_arena",
    "echo_arena_private",
    "echo_combat",
    "echo_combat_private",
    "social_2.0",
    "social_2.0_private",
    "mpl_arena_a",
    "mpl_lobby_b2",
    "mpl_combat_combustion",
    "mpl_combat_dyson",
    "mpl_combat_fission",
    "mpl_combat_gauss",
    "combustion",
    "dyson",
    "fission",
    "gauss",
    "default",
];

impl Symbol {
    /// The symbol of a name (ASCII letters are lower-cased first).
    pub fn of(name: &str) -> Self {
        let mut h = u64::MAX;
        for c in name.bytes() {
            let c = c.to_ascii_lowercase() as u64;
            h = c ^ ((h << 8) ^ TABLE[(h >> 56) as usize]);
        }
        Self(h)
    }

    /// Parses a token: `""` is 0, `0x` + 1 to 16 hex digits is taken literally, anything else
    /// (`0x+1` included: `from_str_radix` alone would accept the sign) is hashed.
    pub fn parse(token: &str) -> Self {
        if token.is_empty() {
            return Self(0);
        }
        if let Some(hex) = token.strip_prefix("0x") {
            let digits =
                (1..=16).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
            if let (true, Ok(value)) = (digits, u64::from_str_radix(hex, 16)) {
                return Self(value);
            }
        }
        Self::of(token)
    }

    /// The symbol as EVR's signed integer (`gametype`, `level` in session settings).
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    /// The known name, `""` for 0, or `0x` and 16 hex digits.
    pub fn token(self) -> String {
        if self.0 == 0 {
            return String::new();
        }
        KNOWN
            .iter()
            .find(|name| Self::of(name) == self)
            .map(|name| (*name).to_owned())
            .unwrap_or_else(|| format!("0x{:016x}", self.0))
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Symbol({})", self.token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_test_vectors_hold() {
        let vectors = [
            ("echo_arena", 0xcb60a4de7e1caf73),
            ("echo_arena_private", 0x09990965f4db8c03),
            ("echo_combat", 0x3d5c3976578a321a),
            ("echo_combat_private", 0x33bbf6842df97a3f),
            ("social_2.0", 0x042d9cf9cfddcf76),
            ("social_2.0_private", 0x305d6e37c1589c45),
            ("mpl_arena_a", 0x576ed3f8428ebc4b),
            ("mpl_lobby_b2", 0xd09afd15b1c75c04),
            ("default", 0x2fd38a995f615b9e),
            ("us-central-2", 0xf1e60114d33c122a),
        ];
        for (name, expected) in vectors {
            assert_eq!(Symbol::of(name).0, expected, "{name}");
        }
        assert_eq!(Symbol::of("echo_arena").as_i64(), -3791849610740453517);
        assert_eq!(Symbol::of("ECHO_ARENA"), Symbol::of("echo_arena"));
    }

    #[test]
    fn tokens_are_names_when_known_and_hex_otherwise() {
        assert_eq!(Symbol::of("echo_arena").token(), "echo_arena");
        assert_eq!(Symbol::of("us-central-2").token(), "0xf1e60114d33c122a");
        assert_eq!(
            Symbol::parse("0xf1e60114d33c122a"),
            Symbol::of("us-central-2")
        );
        assert_eq!(Symbol::parse(""), Symbol(0));
        assert_eq!(Symbol::parse("mpl_arena_a"), Symbol(0x576ed3f8428ebc4b));
    }

    /// Found by the `evr_symbol` fuzz target (fuzz/crashes/evr_symbol/): a sign after `0x`, or
    /// more than 16 digits, was still read as a literal, so the names `0x+c` and
    /// `0x00000000000000000000a` were the symbols 12 and 10 instead of their hashes.
    #[test]
    fn only_hex_digits_after_0x_make_a_literal() {
        for name in [
            "0x+1",
            "0x+c",
            "0x+f1e60114d33c122a",
            "0x00000000000000000000a",
            "0x",
            "0x-1",
            "0x 1",
            "0x00000000000000001",
        ] {
            assert_eq!(Symbol::parse(name), Symbol::of(name), "{name}");
        }
        assert_eq!(Symbol::parse("0x1"), Symbol(1));
        assert_eq!(Symbol::parse("0xFFFFFFFFFFFFFFFF"), Symbol(u64::MAX));
    }

    proptest::proptest! {
        #[test]
        fn every_token_parses_back_to_its_symbol(value in proptest::num::u64::ANY) {
            let symbol = Symbol(value);
            proptest::prop_assert_eq!(Symbol::parse(&symbol.token()), symbol);
        }
    }
}
