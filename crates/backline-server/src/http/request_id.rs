//! Request ids made without a system call: `x-request-id` values for requests that came
//! without one.
//!
//! A request id correlates log lines with what a client reports; it is not a secret and
//! grants nothing (clients may send their own, which are kept). So instead of a random UUID
//! per request (one `getrandom` system call each, with `uuid`'s default features), each
//! server process draws 64 random bits once at start and numbers its requests after them:
//! ids are unique within a process, and two processes (or two starts) share a prefix with
//! probability 2⁻⁶⁴. They are UUIDs of version 8 ("custom", RFC 9562 §5.8), so tools that
//! expect UUID-shaped ids keep working: the first 64 bits are the process's prefix (bar the
//! version nibble), the last 62 the request's number. An observer who sees one id can tell
//! the next one; nothing relies on them being unguessable.

use axum::http::HeaderValue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Makes this process's request ids (cloning shares the counter).
#[derive(Clone, Debug)]
pub struct MakeSequentialId {
    /// Random bits drawn once per process start.
    prefix: u64,
    /// Requests numbered so far.
    next: Arc<AtomicU64>,
}

impl Default for MakeSequentialId {
    fn default() -> Self {
        let random = uuid::Uuid::new_v4().as_u64_pair().0;
        Self::with_prefix(random)
    }
}

impl MakeSequentialId {
    fn with_prefix(prefix: u64) -> Self {
        Self {
            prefix,
            next: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The id of the next request.
    pub fn next_id(&self) -> uuid::Uuid {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.prefix.to_be_bytes());
        bytes[8..].copy_from_slice(&number.to_be_bytes());
        // Sets the version (8) and variant bits; the 62 low bits of the number stay.
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    }

    /// The next id as a header value.
    pub fn make(&self) -> HeaderValue {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = self.next_id().hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).expect("a hyphenated UUID is a valid header value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_8_uuids_numbered_after_the_process_prefix() {
        let make = MakeSequentialId::with_prefix(0x0123_4567_89ab_cdef);
        let first = make.next_id();
        let second = make.next_id();
        assert_eq!(first.get_version_num(), 8);
        assert_eq!(first.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(first.to_string(), "01234567-89ab-8def-8000-000000000000");
        assert_eq!(second.to_string(), "01234567-89ab-8def-8000-000000000001");
    }

    #[test]
    fn clones_share_the_counter_and_processes_differ_in_prefix() {
        let make = MakeSequentialId::default();
        let clone = make.clone();
        assert_ne!(make.make(), clone.make());
        let other = MakeSequentialId::default();
        assert_ne!(make.prefix, other.prefix);
    }
}
