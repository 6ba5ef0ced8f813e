//! Organisations, their access keys and supporter status.

use crate::ids::{AccessKeyId, OrgId};
use crate::Timestamp;
use serde::Serialize;

/// A team or community using Backline (Spectra's `organizationId`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    /// Whether the organisation is a supporter at all; see `supporter_until` for the end.
    pub supporter: bool,
    /// End of the supporter status; `None` with `supporter` means "until revoked".
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub supporter_until: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
}

impl Organisation {
    /// Supporter status as Spectra asks for it: flagged and not past its end date.
    pub fn is_supporter_at(&self, now: Timestamp) -> bool {
        self.supporter && self.supporter_until.is_none_or(|until| until > now)
    }
}

/// An organisation's access key as stored: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccessKey {
    pub id: AccessKeyId,
    pub org_id: OrgId,
    /// First characters of the key, so operators can tell keys apart.
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub revoked_at: Option<Timestamp>,
}

/// What a presented access key is worth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValidity {
    Valid(Organisation),
    /// Unknown or revoked: Spectra shows "invalid key".
    Invalid,
    /// Known but past its expiry: Spectra shows "expired key".
    Expired,
}

impl AccessKey {
    /// Classifies this key at `now`; revocation wins over expiry.
    pub fn validity_at(&self, org: Organisation, now: Timestamp) -> KeyValidity {
        if self.revoked_at.is_some() {
            KeyValidity::Invalid
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyValidity::Expired
        } else {
            KeyValidity::Valid(org)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(supporter: bool, until: Option<i64>) -> Organisation {
        Organisation {
            id: OrgId::from_string("o"),
            name: "O".into(),
            supporter,
            supporter_until: until.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(0),
        }
    }

    fn key(expires: Option<i64>, revoked: Option<i64>) -> AccessKey {
        AccessKey {
            id: AccessKeyId::from_string("k"),
            org_id: OrgId::from_string("o"),
            prefix: "abc".into(),
            created_at: Timestamp::from_millis(0),
            expires_at: expires.map(Timestamp::from_millis),
            revoked_at: revoked.map(Timestamp::from_millis),
        }
    }

    #[test]
    fn supporter_status_ends_at_its_end_date() {
        let now = Timestamp::from_millis(1000);
        assert!(org(true, None).is_supporter_at(now));
        assert!(org(true, Some(1001)).is_supporter_at(now));
        assert!(!org(true, Some(1000)).is_supporter_at(now));
        assert!(!org(false, None).is_supporter_at(now));
    }

    #[test]
    fn revoked_beats_expired_and_expiry_is_inclusive() {
        let now = Timestamp::from_millis(1000);
        assert_eq!(
            key(Some(10), Some(5)).validity_at(org(false, None), now),
            KeyValidity::Invalid
        );
        assert_eq!(
            key(Some(1000), None).validity_at(org(false, None), now),
            KeyValidity::Expired
        );
        assert!(matches!(
            key(Some(1001), None).validity_at(org(false, None), now),
            KeyValidity::Valid(_)
        ));
    }
}
