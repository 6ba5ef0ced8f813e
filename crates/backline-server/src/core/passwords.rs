//! Argon2id password hashes, computed off the async workers so a burst of logins does not
//! stall other requests.
//!
//! A login that finds no hash to check (no such user, or a user without a password) still
//! spends one verification's work ([`spend_verification`]), against a hash of its own made
//! with the same parameters: otherwise an unknown user answers in a millisecond and a wrong
//! password in tens, and the time alone tells which accounts exist.

use super::{CoreError, CoreResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::OnceLock;

/// The one Argon2id configuration of every hash (the crate's defaults: OWASP's
/// m=19 MiB, t=2, p=1).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Shortest password accepted (Nakama's rule).
pub const MIN_PASSWORD_LEN: usize = 8;

pub fn check_password(password: &str) -> CoreResult<()> {
    if !(MIN_PASSWORD_LEN..=1024).contains(&password.chars().count()) {
        return Err(CoreError::invalid(
            "password",
            "must be 8 to 1024 characters",
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id (PHC string with salt and parameters).
pub async fn hash_password(password: String) -> CoreResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(format!("password hashing task: {e}")))?
}

/// True when `password` matches the stored hash; a malformed hash never matches.
pub async fn verify_password(password: String, hash: String) -> CoreResult<bool> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| CoreError::Internal(format!("password verification task: {e}")))
}

/// A hash no password is known to match, made once per process with [`hasher`]'s
/// parameters (so verifying against it costs what verifying against a user's hash costs).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let unguessable = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(unguessable.as_str().as_bytes(), &salt)
            .expect("hashing in memory")
            .to_string()
    })
}

/// The work of one verification of `password`, when there is no hash to verify it against;
/// never a match.
pub async fn spend_verification(password: String) -> CoreResult<()> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(dummy_hash()).expect("the dummy hash is a PHC string");
        let _ = hasher().verify_password(password.as_bytes(), &parsed);
    })
    .await
    .map_err(|e| CoreError::Internal(format!("password verification task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone())
            .await
            .unwrap());
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
        assert!(!verify_password("x".into(), "not a hash".into())
            .await
            .unwrap());
        assert!(check_password("short").is_err());
    }

    #[tokio::test]
    async fn the_dummy_hash_has_the_parameters_of_real_hashes() {
        let real = hash_password("correct horse".into()).await.unwrap();
        let params = |hash: &str| hash.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(params(dummy_hash()), params(&real));
        assert!(params(&real).starts_with("$argon2id$v=19$m=19456,t=2,p=1"));
        spend_verification("correct horse".into()).await.unwrap();
    }
}
