//! Actions and their executions: what operators queue for servers and the plugin acknowledges.

use crate::accounts::{check_source, AccountId, AccountInputError};
use crate::ids::{ActionId, ExecutionId, ServerId};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    Command,
    Code,
    Roles,
    Settings,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Code => "code",
            Self::Roles => "roles",
            Self::Settings => "settings",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Command, Self::Code, Self::Roles, Self::Settings]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// Where an execution stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionStatus {
    /// Waiting to be delivered (or delivered and its lease ran out).
    Queued,
    /// Delivered to a poll; not delivered again until the lease ends.
    Leased,
    Finished,
    Failed,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Leased => "leased",
            Self::Finished => "finished",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Leased, Self::Finished, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn is_done(self) -> bool {
        matches!(self, Self::Finished | Self::Failed)
    }
}

/// The order of an execution list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExecutionOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Failed ones first (newest first among them), then the others newest first: what an
    /// operator looking for trouble reads first.
    FailedFirst,
}

impl ExecutionOrder {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "newest" => Some(Self::Newest),
            "failed_first" => Some(Self::FailedFirst),
            _ => None,
        }
    }
}

/// The player an execution concerns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlayerRef {
    pub source: String,
    pub account_id: String,
}

impl PlayerRef {
    /// A player whose source and id are checked, the id against its source's format
    /// ([`AccountId::parse`]): how every entry (admin API, console, CLI, game servers) makes
    /// the players it acts on.
    pub fn checked(source: &str, account_id: &str) -> Result<Self, AccountInputError> {
        let source = check_source(source)?;
        let account_id = AccountId::parse(&source, account_id)?.into_string();
        Ok(Self { source, account_id })
    }

    /// The player's id in its source's format, or why it is not.
    pub fn id(&self) -> Result<AccountId, AccountInputError> {
        AccountId::parse(&self.source, &self.account_id)
    }

    /// `SOURCE:ACCOUNT_ID`, as the CLI takes it (unchecked: lists filter by it; see
    /// [`PlayerRef::checked`]).
    pub fn parse(text: &str) -> Option<Self> {
        let (source, account_id) = text.split_once(':')?;
        (!source.is_empty() && !account_id.is_empty()).then(|| Self {
            source: source.to_owned(),
            account_id: account_id.to_owned(),
        })
    }
}

/// One delivery-tracked run of an action on one server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Execution {
    pub id: ExecutionId,
    /// The action this execution is one server's share of (`None` for executions queued
    /// before actions had ids).
    pub action_id: Option<ActionId>,
    pub server_id: ServerId,
    pub kind: ActionKind,
    /// The action's payload, without `execution_id` (added when delivered).
    pub payload: Value,
    pub player: Option<PlayerRef>,
    /// Delivered only while the player is connecting or connected.
    pub require_online: bool,
    pub status: ExecutionStatus,
    pub attempts: i64,
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub lease_until: Option<Timestamp>,
    pub error: Option<String>,
    /// The execution this one re-runs, if any.
    pub rerun_of: Option<ExecutionId>,
    /// A kick queued by a ban: delivered while the player is banned, when every other
    /// execution about that player is held.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enforces_ban: bool,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub finished_at: Option<Timestamp>,
}

impl Execution {
    /// The action as a poll delivers it: `{"type", "payload": {…, "execution_id"}}`.
    pub fn delivered(&self) -> Value {
        let mut payload = self.payload.clone();
        if let Some(object) = payload.as_object_mut() {
            object.insert("execution_id".into(), Value::from(self.id.0));
        }
        serde_json::json!({"type": self.kind.as_str(), "payload": payload})
    }
}
