//! Secrets Backline hands out (access keys, API tokens, session secrets) and their hashes.
//!
//! A secret is generated with enough entropy that a plain SHA-256 is a safe way to store it:
//! the database only ever holds the hash, the secret is shown once when it is issued.

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// A freshly issued secret. `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedSecret(String);

impl IssuedSecret {
    /// A random alphanumeric secret of `len` characters (62^len possibilities).
    pub fn generate(len: usize) -> Self {
        let value = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(len)
            .map(char::from)
            .collect();
        Self(value)
    }

    /// The secret itself, to show once to whoever asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl fmt::Debug for IssuedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuedSecret(<redacted>)")
    }
}

/// Lowercase hex SHA-256 of a secret: what is stored and looked up. `==` compares in
/// constant time.
#[derive(Clone, Debug, Eq)]
pub struct SecretHash(String);

impl std::hash::Hash for SecretHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for SecretHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

/// Whether a presented secret equals the expected one, in time that depends on neither
/// (both are hashed first, so not even the length of the expected one shows).
pub fn secrets_match(presented: &str, expected: &str) -> bool {
    let presented = Sha256::digest(presented.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    presented.as_slice().ct_eq(expected.as_slice()).into()
}

impl SecretHash {
    pub fn of(secret: &str) -> Self {
        // `encode_to_slice` rather than `hex::encode`, which collects a char iterator: this
        // runs on every credential check (2 % of a `validateAccessKey` request, perf).
        let mut text = [0u8; 64];
        hex::encode_to_slice(Sha256::digest(secret.as_bytes()), &mut text)
            .expect("64 hex digits for 32 bytes");
        Self(String::from_utf8_lossy(&text).into_owned())
    }

    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The first characters of a secret, stored so operators can tell keys apart in listings.
pub fn display_prefix(secret: &str) -> String {
    secret.chars().take(6).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_alphanumeric_of_the_requested_length_and_distinct() {
        let a = IssuedSecret::generate(32);
        let b = IssuedSecret::generate(32);
        assert_eq!(a.expose().len(), 32);
        assert!(a.expose().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            SecretHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(secrets_match("server-key", "server-key"));
        assert!(!secrets_match("server-key", "server-kez"));
        assert!(!secrets_match("server-key", "server-key "));
        assert!(!secrets_match("", "server-key"));
        assert_eq!(SecretHash::of("a"), SecretHash::of("a"));
        assert_ne!(SecretHash::of("a"), SecretHash::of("b"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let s = IssuedSecret::generate(20);
        assert!(!format!("{s:?}").contains(s.expose()));
    }
}
