//! One id newtype per entity, so ids of different entities cannot be swapped.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id (UUID v4, lowercase hyphenated).
            pub fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// Wraps an id read from storage or from a request path.
            pub fn from_string(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An organisation (Spectra's `organizationId`).
    OrgId
);
id_type!(
    /// An access key of an organisation (not the key itself, which is never stored).
    AccessKeyId
);
id_type!(
    /// An API token issued to a client program (Spectra backend or stats token).
    ApiTokenId
);
id_type!(
    /// A player-cam session of an organisation.
    PlayercamSessionId
);
id_type!(
    /// A user account (UUID), shared by every surface.
    UserId
);
id_type!(
    /// An Ember link token, as operators name it (never the token itself, a credential).
    LinkTokenId
);
id_type!(
    /// A registered EVR game server (broadcaster) session.
    BroadcasterId
);
id_type!(
    /// A game server of the integration API.
    ServerId
);
id_type!(
    /// A ban.
    BanId
);
id_type!(
    /// A role.
    RoleId
);
id_type!(
    /// One queued action: the executions it queued on each target server share it.
    ActionId
);

/// An execution (an integer: plugins send it back in `finish`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct ExecutionId(pub i64);

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
id_type!(
    /// An operator's admin token (not the token itself, which is never stored).
    AdminTokenId
);
