//! Decisions the core can refuse, independent of any surface's error shape.
//!
//! The core says WHAT happened, as a variant carrying the data a surface needs (which entity
//! was not found, which field is wrong and why, which login field breaks its length rule).
//! Each surface chooses its words and status in one `From<CoreError>` of its own; no surface
//! matches on the text of a message. The `Display` of each variant is the plain sentence the
//! CLI prints and the logs show.

use backline_store::StoreError;
use std::fmt;

/// What kind of thing was looked for and not found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// An account looked up to log in with (a custom id, a device id or an email address).
    LoginAccount,
    /// A user, by id, name or an external account.
    User,
    /// An external (game, Discord, …) account linked to a user.
    ExternalAccount,
    /// An EVR match.
    Match,
    /// The recorded stats of a Spectra match.
    MatchStats,
    /// An EVR game-server broadcaster.
    Broadcaster,
    /// A Spectra player-cam session.
    PlayerCamSession,
    /// An operator API token.
    ApiToken,
    /// An admin token (by name).
    AdminToken,
    /// A game server of the game integration.
    Server,
    /// A game server a command could be sent to (for a target).
    ServerForTarget,
    /// The game server a player is connected to (id: `source:account_id`).
    ServerOfPlayer,
    /// A queued or finished command execution.
    Execution,
    /// A ban.
    Ban,
    /// A game (by key).
    Game,
    /// A link token.
    LinkToken,
    /// A role.
    Role,
    /// A Spectra organisation.
    Organisation,
    /// A Spectra access key.
    AccessKey,
}

impl Entity {
    /// The noun the core's sentences use for this entity.
    pub fn noun(self) -> &'static str {
        match self {
            Self::LoginAccount => "account",
            Self::User => "user",
            Self::ExternalAccount => "external account",
            Self::Match => "match",
            Self::MatchStats => "stats of match",
            Self::Broadcaster => "broadcaster",
            Self::PlayerCamSession => "player-cam session",
            Self::ApiToken => "API token",
            Self::AdminToken => "admin token",
            Self::Server => "server",
            Self::ServerForTarget => "server for this target",
            Self::ServerOfPlayer => "server",
            Self::Execution => "execution",
            Self::Ban => "ban",
            Self::Game => "game",
            Self::LinkToken => "link token",
            Self::Role => "role",
            Self::Organisation => "organisation",
            Self::AccessKey => "access key",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// A login field whose presence and length the core checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginField {
    CustomId,
    DeviceId,
    Email,
    Password,
}

impl LoginField {
    /// The name of the request field it is read from.
    pub fn key(self) -> &'static str {
        match self {
            Self::CustomId | Self::DeviceId => "id",
            Self::Email => "email",
            Self::Password => "password",
        }
    }
}

/// What is wrong with a [`LoginField`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthRule {
    /// The field is empty or absent.
    Required,
    /// The field is not between `min` and `max` bytes long.
    Bytes { min: usize, max: usize },
}

impl fmt::Display for LengthRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => f.write_str("is required"),
            Self::Bytes { min, max } => write!(f, "must be {min}-{max} bytes"),
        }
    }
}

/// What the core refuses or fails at; see the module header for who words it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A named thing does not exist: which kind, and the id or name asked for (none when the
    /// request named it some other way, e.g. a login identifier or a secret token).
    #[error("{} not found", what(*.entity, .id.as_deref()))]
    NotFound { entity: Entity, id: Option<String> },
    /// Input that could not be read at all (not JSON, not an id of the expected shape); the
    /// message says what was expected.
    #[error("{0}")]
    Malformed(String),
    /// Input that parsed but breaks a rule; the field and what to change.
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    /// A login field that is missing or outside its length bounds.
    #[error("{}: {rule}", .field.key())]
    LoginField { field: LoginField, rule: LengthRule },
    /// A missing, unknown or revoked credential.
    #[error("unauthorized")]
    Unauthorized,
    /// A credential that was valid but expired.
    #[error("credential expired")]
    Expired,
    /// The operator's role lacks the capability the use case requires ([`super::access`]);
    /// `action` is what the operator's surface calls the act.
    #[error("the {} role may not {action}", .role.as_str())]
    NotPermitted {
        role: backline_domain::admin::AdminRole,
        capability: &'static str,
        action: String,
    },
    /// The account exists but is disabled (banned): it may not log in.
    #[error("the account is disabled")]
    AccountDisabled,
    /// The caller is neither in Global Bots nor in Global Operators, which preparing or
    /// allocating a match requires.
    #[error("Global Bots or Global Operators membership is required")]
    MatchMakerRequired,
    /// The game server asked to send roles but is not configured to.
    #[error("This server does not send roles.")]
    RolesNotSent,
    /// The username asked for belongs to another account.
    #[error("the username is already in use")]
    UsernameTaken,
    /// An admin token with this name exists already.
    #[error("an admin token named `{name}` exists already")]
    AdminTokenExists { name: String },
    /// A link token that was used already cannot be revoked.
    #[error("link token {id} was used already; unlink the account from the user instead")]
    LinkTokenNotRevocable { id: String },
    /// Something breaks a uniqueness or state rule the store enforces (what, in the store's
    /// words: e.g. an external account linked to another user, a name taken, a match that
    /// cannot end in its phase).
    #[error("{0}")]
    Conflict(String),
    /// The match was prepared already: only an idle match can be prepared.
    #[error("session already prepared")]
    MatchAlreadyPrepared,
    /// No broadcaster matches what an allocation asked for (or all of them are busy).
    #[error("available broadcaster not found")]
    NoBroadcasterAvailable,
    /// An execution can be retried only once it is done.
    #[error("execution {id} is still {status}")]
    ExecutionNotDone { id: i64, status: &'static str },
    /// The link token was redeemed already.
    #[error("link token already used")]
    LinkTokenUsed,
    /// The link token is past its expiry.
    #[error("link token expired")]
    LinkTokenExpired,
    /// An idempotency key used before with another request (`super::idempotency`).
    #[error("this Idempotency-Key was used with another request; use a new key for a new request")]
    IdempotencyKeyReused,
    /// The first request with this idempotency key is still running.
    #[error(
        "a request with this Idempotency-Key is still running; try again when it has answered"
    )]
    IdempotencyKeyInUse,
    /// A failure that is not the caller's fault; logged, answered opaquely.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was not found, as the core words it: `<noun>[ <id>]`.
fn what(entity: Entity, id: Option<&str>) -> String {
    match (entity, id) {
        (Entity::ExternalAccount, Some(id)) => id.to_owned(),
        (Entity::ServerOfPlayer, Some(id)) => format!("server where {id} is connected"),
        (entity, Some(id)) => format!("{entity} {id}"),
        (entity, None) => entity.noun().to_owned(),
    }
}

impl CoreError {
    /// [`CoreError::Invalid`]: `field` breaks a rule, `problem` says which.
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }

    /// [`CoreError::NotFound`] for the entity named `id`.
    pub fn not_found(entity: Entity, id: impl fmt::Display) -> Self {
        Self::NotFound {
            entity,
            id: Some(id.to_string()),
        }
    }

    /// [`CoreError::NotFound`] for an entity the request did not name by id.
    pub fn none_found(entity: Entity) -> Self {
        Self::NotFound { entity, id: None }
    }

    /// What was not found, as `<noun>[ <id>]` (for surfaces that word the rest themselves);
    /// `None` for any other error.
    pub fn missing(&self) -> Option<String> {
        match self {
            Self::NotFound { entity, id } => Some(what(*entity, id.as_deref())),
            _ => None,
        }
    }

    /// Whether the database could not be used at all (the store's
    /// [`StoreError::Unavailable`]): answered 503, not as a refusal of the caller.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_unavailable())
    }

    /// Whether the caller's credential was refused (missing, unknown, revoked or expired).
    pub fn is_credential_refusal(&self) -> bool {
        matches!(self, Self::Unauthorized | Self::Expired)
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_entity_and_the_id() {
        assert_eq!(
            CoreError::not_found(Entity::Match, "m.1").to_string(),
            "match m.1 not found"
        );
        assert_eq!(
            CoreError::none_found(Entity::LinkToken).to_string(),
            "link token not found"
        );
        assert_eq!(
            CoreError::not_found(Entity::MatchStats, "u")
                .missing()
                .as_deref(),
            Some("stats of match u")
        );
        assert_eq!(CoreError::Unauthorized.missing(), None);
    }

    #[test]
    fn login_field_errors_name_the_request_field() {
        let e = CoreError::LoginField {
            field: LoginField::DeviceId,
            rule: LengthRule::Bytes { min: 10, max: 128 },
        };
        assert_eq!(e.to_string(), "id: must be 10-128 bytes");
    }
}
