//! EVR's match RPCs: `match`, `match/prepare`, `match/allocate`, `match/join`,
//! `match/leave`, and the broadcaster RPCs (`broadcaster/register`, `…/heartbeat`,
//! `…/unregister`).
//!
//! Upstream: the EVR wiki (seed `001_…`) and `shared/docs/api/NAKAMA.md`; the broadcaster
//! RPCs are Backline's HTTP form of EVR's websocket registration.

use super::{RpcCall, RpcResult};
use crate::apis::nakama::error::NakamaError;
use crate::core::evr::broadcasters::Registration;
use crate::core::evr::lobby::JoinRequest;
use crate::core::evr::matches::PrepareRequest;
use backline_domain::evr::records::EvrMatch;
use backline_domain::evr::team::Team;
use backline_domain::Timestamp;
use base64::Engine;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A port given as a JSON number or a decimal string (a GET's query parameters are text,
/// as `server_id` and `version_lock` may be).
fn lenient_port<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    u16::try_from(lenient_u64(d)?)
        .map_err(|_| serde::de::Error::custom("expected a port (0 to 65535)"))
}

/// A u64 given as a JSON number or a decimal string.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| serde::de::Error::custom("expected an unsigned 64-bit integer")),
        Value::String(s) => s
            .parse()
            .map_err(|_| serde::de::Error::custom("expected an unsigned 64-bit integer")),
        _ => Err(serde::de::Error::custom(
            "expected an unsigned 64-bit integer",
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListRequest {
    match_ids: Option<Vec<String>>,
    query: Option<String>,
}

/// `match`: every match, those named, or those a query selects.
pub async fn list_matches(call: RpcCall) -> RpcResult {
    let req: ListRequest = call.parse()?;
    let actor = call.actor().await?;
    let core = &call.state.core;
    let matches = core
        .list_evr_matches(&actor, req.match_ids.as_deref(), req.query.as_deref())
        .await?;
    Ok(json!({ "matches": matches }))
}

#[derive(Deserialize)]
struct PrepareBody {
    #[serde(default)]
    id: String,
    #[serde(default)]
    mode: String,
    level: Option<String>,
    #[serde(default)]
    required_features: Vec<String>,
    /// Any JSON value: an integer is passed on, anything else counts as absent (5).
    #[serde(default)]
    team_size: Value,
    #[serde(default)]
    role_alignments: BTreeMap<String, Team>,
    group_id: Option<String>,
    start_time: Option<String>,
    #[serde(default)]
    regions: Vec<String>,
}

impl PrepareBody {
    fn request(self) -> Result<(String, PrepareRequest), NakamaError> {
        let start_time = self
            .start_time
            .filter(|t| !t.is_empty())
            .map(|t| Timestamp::parse_rfc3339(&t))
            .transpose()
            .map_err(|e| NakamaError::invalid(e.to_string()))?;
        let req = PrepareRequest {
            mode: self.mode,
            level: self.level,
            required_features: self.required_features,
            team_size: self.team_size.as_i64(),
            role_alignments: self.role_alignments,
            group_id: self.group_id,
            start_time,
            regions: self.regions,
        };
        Ok((self.id, req))
    }
}

/// `{"id", "signal_payload", "label"}`; the signal carries the label, base64-encoded, as
/// EVR's `LobbySessionStart` signal (2).
fn prepared(m: &EvrMatch) -> Value {
    let label = m.label();
    let pretty = serde_json::to_string_pretty(&label).expect("labels serialise");
    let data = base64::engine::general_purpose::STANDARD.encode(pretty);
    let signal = json!({"UserId": "", "Signal": 2, "Data": data});
    json!({
        "id": m.id,
        "signal_payload": serde_json::to_string_pretty(&signal).expect("json"),
        "label": label,
    })
}

/// `match/prepare` (Global Bots, Global Operators).
pub async fn prepare_match(call: RpcCall) -> RpcResult {
    let (id, req) = call.parse::<PrepareBody>()?.request()?;
    if id.is_empty() {
        return Err(NakamaError::invalid("id is required"));
    }
    let actor = call.actor().await?;
    let m = call.state.core.prepare_evr_match(&actor, &id, &req).await?;
    Ok(prepared(&m))
}

/// `match/allocate` (Global Bots, Global Operators): prepare on a broadcaster Backline picks.
pub async fn allocate_match(call: RpcCall) -> RpcResult {
    let (_, req) = call.parse::<PrepareBody>()?.request()?;
    let actor = call.actor().await?;
    let m = call.state.core.allocate_evr_match(&actor, &req).await?;
    Ok(prepared(&m))
}

#[derive(Deserialize)]
struct JoinBody {
    #[serde(default)]
    match_id: String,
    #[serde(default)]
    evr_id: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default = "any_team")]
    team: Team,
    #[serde(default)]
    party_id: String,
}

fn any_team() -> Team {
    Team::Any
}

/// `match/join` (Bearer): 200 with `joined` true, or false and EVR's failure code.
pub async fn join_match(call: RpcCall) -> RpcResult {
    let body: JoinBody = call.parse()?;
    call.user()?;
    let actor = call.actor().await?;
    let req = JoinRequest {
        match_id: body.match_id,
        evr_id: body.evr_id,
        features: body.features,
        team: body.team,
        party_id: body.party_id,
        client_ip: call.client_ip.map(|ip| ip.to_string()).unwrap_or_default(),
    };
    let match_id = req.match_id.clone();
    Ok(match call.state.core.join_evr_match(&actor, req).await? {
        Ok((m, team)) => {
            let label = m.label();
            json!({
                "joined": true,
                "match_id": match_id,
                "team": team,
                "endpoint": label.broadcaster.endpoint,
                "session_settings": label.session_settings,
            })
        }
        Err(failure) => json!({
            "joined": false,
            "failure": {"code": failure.code as i32, "reason": failure.code.reason(), "message": failure.message},
        }),
    })
}

#[derive(Deserialize)]
struct LeaveBody {
    #[serde(default)]
    match_id: String,
}

/// `match/leave` (Bearer).
pub async fn leave_match(call: RpcCall) -> RpcResult {
    let body: LeaveBody = call.parse()?;
    call.user()?;
    let actor = call.actor().await?;
    let left = call
        .state
        .core
        .leave_evr_match(&actor, &body.match_id)
        .await?;
    Ok(json!({ "left": left }))
}

#[derive(Deserialize)]
struct RegisterBody {
    #[serde(deserialize_with = "lenient_u64")]
    server_id: u64,
    internal_ip: String,
    external_ip: Option<String>,
    #[serde(deserialize_with = "lenient_port")]
    port: u16,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(deserialize_with = "lenient_u64")]
    version_lock: u64,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    group_ids: Vec<String>,
}

/// `broadcaster/register` (Bearer: the server's operator).
pub async fn register_broadcaster(call: RpcCall) -> RpcResult {
    let b: RegisterBody = call.parse()?;
    call.user()?;
    let actor = call.actor().await?;
    let reg = Registration {
        server_id: b.server_id,
        internal_ip: b.internal_ip,
        external_ip: b.external_ip,
        port: b.port,
        regions: b.regions,
        version_lock: b.version_lock,
        features: b.features,
        tags: b.tags,
        group_ids: b.group_ids,
    };
    let registered = call
        .state
        .core
        .register_broadcaster(&actor, reg, call.client_ip)
        .await?;
    Ok(serde_json::to_value(registered).expect("json"))
}

#[derive(Deserialize)]
struct SidBody {
    #[serde(default)]
    sid: String,
}

/// `broadcaster/heartbeat` (Bearer), at least every 30 s.
pub async fn heartbeat_broadcaster(call: RpcCall) -> RpcResult {
    let body: SidBody = call.parse()?;
    call.user()?;
    let actor = call.actor().await?;
    call.state
        .core
        .heartbeat_broadcaster(&actor, &body.sid)
        .await?;
    Ok(json!({}))
}

/// `broadcaster/unregister` (Bearer).
pub async fn unregister_broadcaster(call: RpcCall) -> RpcResult {
    let body: SidBody = call.parse()?;
    call.user()?;
    let actor = call.actor().await?;
    call.state
        .core
        .unregister_broadcaster(&actor, &body.sid)
        .await?;
    Ok(json!({}))
}
