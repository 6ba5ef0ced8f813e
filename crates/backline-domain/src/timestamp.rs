//! Instants as unix milliseconds: the one representation stored in both databases.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A point in time, unix milliseconds (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

/// A timestamp text that is not RFC 3339.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 timestamp (for example 2026-12-31T23:59:59Z)")]
pub struct InvalidTimestamp(pub String);

impl Timestamp {
    /// The wall clock. The server decides by its [`crate::Clock`] instead, which tests can
    /// move forward.
    pub fn now() -> Self {
        Self((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `seconds` (negative to go back), saturating at the ends of the
    /// range instead of overflowing.
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }

    pub fn parse_rfc3339(text: &str) -> Result<Self, InvalidTimestamp> {
        let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339)
            .map_err(|_| InvalidTimestamp(text.to_owned()))?;
        Ok(Self((parsed.unix_timestamp_nanos() / 1_000_000) as i64))
    }

    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000_000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| self.0.to_string())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Serialises an optional timestamp as an RFC 3339 string or `null`, for operator-facing JSON.
pub mod rfc3339_option {
    use super::Timestamp;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(value: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&t.to_rfc3339()),
            None => s.serialize_none(),
        }
    }
}

/// Serialises a timestamp as an RFC 3339 string, for operator-facing JSON.
pub mod rfc3339 {
    use super::Timestamp;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(value: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_at_millisecond_precision() {
        let t = Timestamp::parse_rfc3339("2026-12-31T23:59:59.123Z").unwrap();
        assert_eq!(t.millis(), 1_798_761_599_123);
        assert_eq!(t.to_rfc3339(), "2026-12-31T23:59:59.123Z");
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let a = Timestamp::parse_rfc3339("2026-01-01T02:00:00+02:00").unwrap();
        let b = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn garbage_is_rejected_with_the_text_named() {
        let err = Timestamp::parse_rfc3339("tomorrow").unwrap_err();
        assert!(err.to_string().contains("tomorrow"));
    }

    proptest::proptest! {
        #[test]
        fn any_instant_round_trips_through_rfc3339(millis in 0i64..4_102_444_800_000) {
            let t = Timestamp::from_millis(millis);
            proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
        }
    }
}
