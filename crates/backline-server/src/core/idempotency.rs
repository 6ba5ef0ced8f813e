//! Idempotency keys of admin API writes (`Idempotency-Key`, as in the IETF httpapi draft and
//! Stripe): a client that sends a create again with the same key, after a timeout or a lost
//! answer, gets the first answer again instead of a second entity.
//!
//! A key belongs to the caller who used it (the credential presented with it), for
//! [`KEY_LIFETIME_SECONDS`] from its first use. The first request with a key runs and its
//! answer is kept; the same request again gets that answer replayed; another request with the
//! same key is refused ([`CoreError::IdempotencyKeyReused`]), as is one arriving while the
//! first still runs ([`CoreError::IdempotencyKeyInUse`]).
//!
//! Nothing the store keeps reveals the credential, the request or the answer: the row is named
//! by a hash of credential and key, the request is kept as a hash keyed by them, and the
//! answer (a create's answer can hold a secret shown once) is sealed with ChaCha20-Poly1305
//! under a key only the caller's credential gives. A database reader learns that keys were
//! used, and when. Expired keys are deleted by the retention pass (`core/retention.rs`).

use super::{Core, CoreError, CoreResult};
use backline_store::{IdempotencyClaim, Store, StoredAnswer};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

/// How long a key is remembered after its first use.
pub const KEY_LIFETIME_SECONDS: i64 = 24 * 60 * 60;
/// A key claimed this long ago whose request never answered is free again: its process is
/// gone (no request runs this long; the body read and response deadlines are far shorter).
pub const ABANDONED_AFTER_SECONDS: i64 = 10 * 60;
/// The longest key taken (Stripe's limit).
pub const MAX_KEY_LEN: usize = 255;
/// The nonce's length in a sealed answer.
const NONCE_LEN: usize = 12;

/// A client's idempotency key: 1 to [`MAX_KEY_LEN`] visible ASCII characters (a UUID, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key in a header's bytes.
    pub fn parse(bytes: &[u8]) -> CoreResult<Self> {
        let ok = !bytes.is_empty()
            && bytes.len() <= MAX_KEY_LEN
            && bytes.iter().all(u8::is_ascii_graphic);
        if ok {
            Ok(Self(String::from_utf8_lossy(bytes).into_owned()))
        } else {
            Err(CoreError::Malformed(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters (a UUID, say)"
            )))
        }
    }
}

/// A request that came with an idempotency key: who sent it (the credential presented, empty
/// when none), the key, and the parts of the request the key is bound to.
pub struct KeyedRequest<'a> {
    pub credential: &'a str,
    pub key: &'a IdempotencyKey,
    pub method: &'a str,
    /// The path and query.
    pub target: &'a str,
    pub body: &'a [u8],
}

/// An answer as it is kept and replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// What to do with a keyed request.
#[derive(Debug)]
pub enum Claimed {
    /// The key is this request's: run it, then [`Core::answer_idempotency_key`] (or
    /// [`Core::release_idempotency_key`] when it failed in a way worth trying again).
    Run(Ticket),
    /// The same request was answered before: answer this again.
    Replay(Answer),
}

/// A claimed key, to record the answer under. `Debug` shows neither secret.
pub struct Ticket {
    id: String,
    seal: [u8; 32],
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket(<redacted>)")
    }
}

/// SHA-256 over `parts`, each followed by a NUL so that no two lists of parts collide.
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
        hasher.update([0]);
    }
    hasher.finalize().into()
}

/// The row's name, the request's fingerprint and the sealing key of a keyed request.
fn derive(request: &KeyedRequest<'_>) -> (String, String, [u8; 32]) {
    let secret = digest(&[
        b"backline idempotency key v1",
        request.credential.as_bytes(),
        request.key.0.as_bytes(),
    ]);
    let id = hex::encode(digest(&[b"id", &secret]));
    let fingerprint = hex::encode(digest(&[
        b"request",
        &secret,
        request.method.as_bytes(),
        request.target.as_bytes(),
        request.body,
    ]));
    (id, fingerprint, digest(&[b"seal", &secret]))
}

fn seal(key: &[u8; 32], body: &[u8]) -> CoreResult<String> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, body)
        .map_err(|_| CoreError::Internal("sealing an answer failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(BASE64.encode(out))
}

fn open(key: &[u8; 32], sealed: &str) -> CoreResult<Vec<u8>> {
    let broken = || CoreError::Internal("a kept answer could not be opened".into());
    let bytes = BASE64.decode(sealed).map_err(|_| broken())?;
    if bytes.len() < NONCE_LEN {
        return Err(broken());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| broken())
}

impl<S: Store> Core<S> {
    /// Claims the request's key: [`Claimed::Run`] for the first request with it,
    /// [`Claimed::Replay`] for the same request again once the first answered.
    pub async fn claim_idempotency_key(&self, request: KeyedRequest<'_>) -> CoreResult<Claimed> {
        let (id, fingerprint, seal) = derive(&request);
        let now = self.now();
        let claim = self
            .store
            .claim_idempotency_key(
                &id,
                &fingerprint,
                now,
                now.plus_seconds(-ABANDONED_AFTER_SECONDS),
                now.plus_seconds(KEY_LIFETIME_SECONDS),
            )
            .await?;
        match claim {
            IdempotencyClaim::Claimed => Ok(Claimed::Run(Ticket { id, seal })),
            IdempotencyClaim::Taken {
                fingerprint: first, ..
            } if first != fingerprint => Err(CoreError::IdempotencyKeyReused),
            IdempotencyClaim::Taken { answer: None, .. } => Err(CoreError::IdempotencyKeyInUse),
            IdempotencyClaim::Taken {
                answer: Some(answer),
                ..
            } => Ok(Claimed::Replay(Answer {
                status: answer.status,
                body: open(&seal, &answer.sealed_body)?,
                content_type: answer.content_type,
            })),
        }
    }

    /// Keeps the answer of the request that claimed `ticket`'s key, sealed.
    pub async fn answer_idempotency_key(&self, ticket: Ticket, answer: &Answer) -> CoreResult<()> {
        let stored = StoredAnswer {
            status: answer.status,
            content_type: answer.content_type.clone(),
            sealed_body: seal(&ticket.seal, &answer.body)?,
        };
        Ok(self
            .store
            .answer_idempotency_key(&ticket.id, &stored)
            .await?)
    }

    /// Frees `ticket`'s key: its request failed before it changed anything (a credential
    /// refused, the database unavailable), so the same request may run again.
    pub async fn release_idempotency_key(&self, ticket: Ticket) -> CoreResult<()> {
        Ok(self.store.release_idempotency_key(&ticket.id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        credential: &'a str,
        key: &'a IdempotencyKey,
        body: &'a [u8],
    ) -> KeyedRequest<'a> {
        KeyedRequest {
            credential,
            key,
            method: "POST",
            target: "/admin/v1/roles",
            body,
        }
    }

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(IdempotencyKey::parse(b"0b8e6a1c-1111-4222-8333-944445555666").is_ok());
        assert!(IdempotencyKey::parse("k".repeat(MAX_KEY_LEN).as_bytes()).is_ok());
        for bad in ["", "a b", "tab\there", "é", &"k".repeat(MAX_KEY_LEN + 1)] {
            assert!(IdempotencyKey::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_key_is_its_callers_and_bound_to_the_request() {
        let key = IdempotencyKey::parse(b"k-1").unwrap();
        let (id, fingerprint, seal_key) = derive(&request("token-a", &key, b"{}"));
        let (other_id, _, other_seal) = derive(&request("token-b", &key, b"{}"));
        assert_ne!(id, other_id, "another caller's same key is another key");
        assert_ne!(seal_key, other_seal);
        let (same_id, other_fingerprint, _) = derive(&request("token-a", &key, b"{\"a\":1}"));
        assert_eq!(id, same_id);
        assert_ne!(
            fingerprint, other_fingerprint,
            "another body is another request"
        );
        assert!(!id.contains("token-a") && !fingerprint.contains("k-1"));
    }

    #[test]
    fn a_sealed_answer_opens_only_with_its_key() {
        let key = IdempotencyKey::parse(b"k-2").unwrap();
        let (_, _, seal_key) = derive(&request("token-a", &key, b""));
        let (_, _, other) = derive(&request("token-b", &key, b""));
        let body = br#"{"token":"shown-once-secret"}"#;
        let sealed = seal(&seal_key, body).unwrap();
        assert!(!sealed.contains("shown-once"));
        assert_eq!(open(&seal_key, &sealed).unwrap(), body);
        assert!(open(&other, &sealed).is_err());
        assert!(open(&seal_key, "not base64!").is_err());
        assert!(open(&seal_key, "AAAA").is_err());
    }
}
