//! EVR's RPCs, typed: account lookup, match list, prepare, allocate, join and leave, and the
//! broadcaster registration, heartbeat and unregistration.
//!
//! Match labels stay `serde_json::Value`s: they are EVR's label objects (with `u64`
//! numbers above 2^53, which `Value` keeps exactly), read by EVR tools as they come.

use super::{NakamaClient, Session};
use crate::error::Result;
use crate::retry::Repeat;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The EVR RPCs, as a session's user or as the http key's caller.
#[derive(Clone, Debug)]
pub struct Evr {
    caller: Caller,
}

#[derive(Clone, Debug)]
enum Caller {
    Session(Session),
    HttpKey(NakamaClient),
}

/// Whom `account/lookup` looks for (exact match).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupBy {
    UserId(String),
    Username(String),
    DiscordId(String),
}

/// An account, as `account/lookup` answers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Account {
    pub id: String,
    /// `""` when the account has no Discord id.
    pub discord_id: String,
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
}

/// Which matches `match` lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchFilter {
    All,
    /// Those named (`<uuid>.<node>`).
    Ids(Vec<String>),
    /// EVR's query language: `+label.mode:echo_arena -label.lobby_type:private`.
    Query(String),
}

/// A team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Team {
    Any,
    Blue,
    Orange,
    Spectator,
    Social,
    Moderator,
}

/// `match/prepare` and `match/allocate`'s request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PrepareMatch {
    /// The idle match to prepare (`match/prepare`; `match/allocate` picks one).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `echo_arena_private`, `echo_combat`, `social_2.0`, …
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_features: Vec<String>,
    /// 1–5 (anything else: 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_size: Option<u8>,
    /// Discord id → team.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub role_alignments: BTreeMap<String, Team>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// For `match/allocate`: the regions a broadcaster may be in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
}

/// A prepared match.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Prepared {
    pub id: String,
    /// EVR's `LobbySessionStart` signal, as JSON text.
    pub signal_payload: String,
    /// The match's label.
    pub label: Value,
}

/// A successful join.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Joined {
    pub match_id: String,
    pub team: Team,
    /// `<internal ip>:<external ip>:<port>` of the broadcaster.
    pub endpoint: String,
    pub session_settings: Value,
}

/// A join refused by a lobby rule, with EVR's failure code (2 bad request, 4 no such server,
/// 5 incompatible, 7 locked, 8 full, 9 internal).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct JoinFailure {
    pub code: i32,
    pub reason: String,
    pub message: String,
}

/// What `match/join` answered (both are 200s).
#[derive(Clone, Debug, PartialEq)]
pub enum JoinOutcome {
    Joined(Joined),
    Refused(JoinFailure),
}

/// `broadcaster/register`'s request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RegisterBroadcaster {
    pub server_id: u64,
    pub internal_ip: String,
    /// Default: the caller's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ip: Option<String>,
    pub port: u16,
    /// Default `["default"]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    pub version_lock: u64,
    pub features: Vec<String>,
    pub tags: Vec<String>,
    pub group_ids: Vec<String>,
}

/// A registered broadcaster and its idle match.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RegisteredBroadcaster {
    pub sid: String,
    pub endpoint: String,
    pub match_id: String,
}

#[derive(Deserialize)]
struct MatchesBody {
    matches: Vec<Value>,
}

#[derive(Deserialize)]
struct JoinBody {
    joined: bool,
    #[serde(flatten)]
    rest: Value,
}

#[derive(Deserialize)]
struct LeftBody {
    left: bool,
}

impl Evr {
    pub(crate) fn with_session(session: Session) -> Self {
        Self {
            caller: Caller::Session(session),
        }
    }

    pub(crate) fn with_http_key(client: NakamaClient) -> Self {
        Self {
            caller: Caller::HttpKey(client),
        }
    }

    async fn rpc<R: DeserializeOwned>(
        &self,
        id: &str,
        payload: &Value,
        repeat: Repeat,
    ) -> Result<R> {
        match &self.caller {
            Caller::Session(session) => session.rpc(id, payload, repeat).await,
            Caller::HttpKey(client) => client.rpc_with_http_key(id, payload, repeat).await,
        }
    }

    /// `account/lookup`.
    pub async fn lookup(&self, by: &LookupBy) -> Result<Account> {
        let payload = match by {
            LookupBy::UserId(v) => json!({ "user_id": v }),
            LookupBy::Username(v) => json!({ "username": v }),
            LookupBy::DiscordId(v) => json!({ "discord_id": v }),
        };
        self.rpc("account/lookup", &payload, Repeat::Safe).await
    }

    /// `match`: the labels of the matches selected (public views unless the caller is in
    /// `Global Private Data Access`).
    pub async fn list_matches(&self, filter: &MatchFilter) -> Result<Vec<Value>> {
        let payload = match filter {
            MatchFilter::All => json!({}),
            MatchFilter::Ids(ids) => json!({ "match_ids": ids }),
            MatchFilter::Query(query) => json!({ "query": query }),
        };
        let body: MatchesBody = self.rpc("match", &payload, Repeat::Safe).await?;
        Ok(body.matches)
    }

    /// `match/prepare` (Global Bots or Global Operators). Sent once.
    pub async fn prepare(&self, request: &PrepareMatch) -> Result<Prepared> {
        let payload = to_value(request)?;
        self.rpc("match/prepare", &payload, Repeat::Never).await
    }

    /// `match/allocate`: Backline picks an idle broadcaster. Sent once.
    pub async fn allocate(&self, request: &PrepareMatch) -> Result<Prepared> {
        let payload = to_value(request)?;
        self.rpc("match/allocate", &payload, Repeat::Never).await
    }

    /// `match/join` (a session). Sent once (a repeat is a "duplicate join").
    pub async fn join(
        &self,
        match_id: &str,
        evr_id: &str,
        features: &[&str],
        team: Option<Team>,
    ) -> Result<JoinOutcome> {
        let mut payload = json!({"match_id": match_id, "evr_id": evr_id, "features": features});
        if let Some(team) = team {
            payload["team"] = json!(team);
        }
        let body: JoinBody = self.rpc("match/join", &payload, Repeat::Never).await?;
        let decode = |e: serde_json::Error| crate::Error::Decode {
            status: 200,
            source: e,
            snippet: String::new(),
        };
        Ok(if body.joined {
            JoinOutcome::Joined(serde_json::from_value(body.rest).map_err(decode)?)
        } else {
            JoinOutcome::Refused(
                serde_json::from_value(body.rest["failure"].clone()).map_err(decode)?,
            )
        })
    }

    /// `match/leave`: whether the caller was in the match.
    pub async fn leave(&self, match_id: &str) -> Result<bool> {
        let body: LeftBody = self
            .rpc(
                "match/leave",
                &json!({ "match_id": match_id }),
                Repeat::Safe,
            )
            .await?;
        Ok(body.left)
    }

    /// `broadcaster/register` (the operator's session). Sent once.
    pub async fn register_broadcaster(
        &self,
        request: &RegisterBroadcaster,
    ) -> Result<RegisteredBroadcaster> {
        let payload = to_value(request)?;
        self.rpc("broadcaster/register", &payload, Repeat::Never)
            .await
    }

    /// `broadcaster/heartbeat`, at least every 30 s.
    pub async fn heartbeat(&self, sid: &str) -> Result<()> {
        let _: Value = self
            .rpc(
                "broadcaster/heartbeat",
                &json!({ "sid": sid }),
                Repeat::Safe,
            )
            .await?;
        Ok(())
    }

    /// `broadcaster/unregister`.
    pub async fn unregister_broadcaster(&self, sid: &str) -> Result<()> {
        let _: Value = self
            .rpc(
                "broadcaster/unregister",
                &json!({ "sid": sid }),
                Repeat::Safe,
            )
            .await?;
        Ok(())
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| crate::Error::InvalidInput(e.to_string()))
}
