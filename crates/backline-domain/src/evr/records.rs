//! Broadcasters and matches as stored, and how a match's label is put together from them.

use super::label::{BroadcasterLabel, LabelPlayer, LobbyType, MatchLabel, SessionSettings, APP_ID};
use super::modes::{Mode, MATCH_LIMIT};
use super::symbol::Symbol;
use super::team::Team;
use crate::ids::{BroadcasterId, UserId};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The nil UUID, EVR's "no group".
pub const NIL_GROUP: &str = "00000000-0000-0000-0000-000000000000";

/// A registered game server that hosts matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcaster {
    pub sid: BroadcasterId,
    pub operator_id: UserId,
    pub server_id: u64,
    pub internal_ip: String,
    pub external_ip: String,
    pub port: u16,
    pub regions: Vec<String>,
    pub version_lock: u64,
    pub features: Vec<String>,
    pub tags: Vec<String>,
    pub group_ids: Vec<String>,
    pub registered_at: Timestamp,
    pub heartbeat_at: Timestamp,
}

impl Broadcaster {
    pub fn endpoint(&self) -> String {
        format!("{}:{}:{}", self.internal_ip, self.external_ip, self.port)
    }

    pub fn label(&self) -> BroadcasterLabel {
        BroadcasterLabel {
            sid: self.sid.to_string(),
            oper: self.operator_id.to_string(),
            group_ids: self.group_ids.clone(),
            endpoint: self.endpoint(),
            version_lock: self.version_lock,
            regions: self.regions.clone(),
            server_id: self.server_id,
            features: self.features.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// How often a broadcaster sends a heartbeat at least (EVR: every 30 s); one silent for
/// longer is stale, and the match timers remove it after `broadcaster_timeout_seconds`.
pub const HEARTBEAT_INTERVAL_SECONDS: i64 = 30;

/// A broadcaster id (a UUID, as registration generates them); `None` for anything else.
pub fn parse_sid(text: &str) -> Option<BroadcasterId> {
    uuid::Uuid::parse_str(text)
        .ok()
        .filter(|u| u.hyphenated().to_string() == text.to_ascii_lowercase())
        .map(|_| BroadcasterId::from_string(text.to_ascii_lowercase()))
}

/// What a broadcaster is doing, as an operator filters them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BroadcasterState {
    /// No heartbeat within [`HEARTBEAT_INTERVAL_SECONDS`] (whatever it hosts).
    Stale,
    /// Hosting a prepared or started match.
    InMatch,
    /// Waiting with its idle match for a preparation.
    Idle,
}

impl BroadcasterState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stale => "stale",
            Self::InMatch => "in_match",
            Self::Idle => "idle",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Stale, Self::InMatch, Self::Idle]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The stored forms a region filter matches: names are kept as registered (lower-cased),
/// symbols unknown to Backline as `0x…`, so `us-central-2` also finds a broadcaster that
/// registered `0xf1e60114d33c122a`.
pub fn region_forms(text: &str) -> Vec<String> {
    let text = text.trim().to_ascii_lowercase();
    let named = if text.starts_with("0x") {
        Symbol::parse(&text).token()
    } else {
        text
    };
    let hex = format!("0x{:016x}", Symbol::parse(&named).0);
    if hex == named {
        vec![named]
    } else {
        vec![named, hex]
    }
}

/// Where a match is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Unassigned, waiting on its broadcaster to be prepared.
    Idle,
    Prepared,
    Started,
    Ended,
}

impl Phase {
    /// Whether players may join (the label's `open`): prepared or started.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Prepared | Self::Started)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Prepared => "prepared",
            Self::Started => "started",
            Self::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Idle, Self::Prepared, Self::Started, Self::Ended]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// What `match/prepare` decided for a match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preparation {
    pub mode: String,
    pub level: String,
    pub lobby_type: LobbyType,
    pub team_size: i64,
    pub player_limit: i64,
    pub required_features: Vec<String>,
    pub spawned_by: String,
    pub group_id: String,
    /// Discord id → team, as the preparer gave them.
    pub role_alignments: BTreeMap<String, Team>,
}

/// Someone in a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchPlayer {
    pub session_id: String,
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub evr_id: String,
    pub discord_id: String,
    pub team: Team,
    pub client_ip: String,
    pub party_id: String,
    pub joined_at: Timestamp,
}

/// A match on a broadcaster.
#[derive(Clone, Debug, PartialEq)]
pub struct EvrMatch {
    pub id: String,
    pub broadcaster_id: BroadcasterId,
    /// The broadcaster as it registered (kept with the match).
    pub broadcaster: BroadcasterLabel,
    pub phase: Phase,
    pub preparation: Option<Preparation>,
    pub start_time: Timestamp,
    pub created_at: Timestamp,
    pub prepared_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub empty_since: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub players: Vec<MatchPlayer>,
}

impl EvrMatch {
    /// A new idle match id: a UUID, a dot and the node name.
    pub fn new_id(node: &str) -> String {
        format!("{}.{node}", uuid::Uuid::new_v4())
    }

    /// Whether `text` has the shape of a match id: a UUID, a dot and a node name.
    pub fn is_match_id(text: &str) -> bool {
        text.split_once('.').is_some_and(|(uuid, node)| {
            !node.is_empty() && uuid.len() == 36 && uuid::Uuid::parse_str(uuid).is_ok()
        })
    }

    /// The team a role alignment gives the player with this Discord id.
    pub fn aligned_team(&self, discord_id: &str) -> Option<Team> {
        self.preparation
            .as_ref()
            .and_then(|p| p.role_alignments.get(discord_id).copied())
    }

    /// The label as the EVR server shows it.
    pub fn label(&self) -> MatchLabel {
        let prep = self.preparation.as_ref();
        let mode = prep.map(|p| p.mode.as_str()).unwrap_or_default();
        let level = prep.map(|p| p.level.as_str()).unwrap_or_default();
        let social = Mode::find(mode).is_some_and(|m| m.social);
        let player_count = self.players.iter().filter(|p| p.team.is_player()).count() as i64;
        let players = (!self.players.is_empty()).then(|| {
            self.players
                .iter()
                .map(|p| LabelPlayer {
                    user_id: p.user_id.to_string(),
                    username: p.username.clone(),
                    display_name: p.display_name.clone(),
                    evr_id: p.evr_id.clone(),
                    team: p.team,
                    client_ip: p.client_ip.clone(),
                    discord_id: p.discord_id.clone(),
                    party_id: p.party_id.clone(),
                })
                .collect()
        });
        let team_alignments = prep.filter(|p| !p.role_alignments.is_empty()).map(|p| {
            // Keyed by user id once the player is known here; by Discord id until then.
            p.role_alignments
                .iter()
                .map(|(discord, team)| {
                    let key = self
                        .players
                        .iter()
                        .find(|pl| &pl.discord_id == discord)
                        .map_or_else(|| discord.clone(), |pl| pl.user_id.to_string());
                    (key, team.index())
                })
                .collect()
        });
        let required = prep
            .map(|p| p.required_features.clone())
            .filter(|f| !f.is_empty());
        MatchLabel {
            id: self.id.clone(),
            open: self.phase.is_open(),
            lobby_type: prep.map_or(LobbyType::Unassigned, |p| p.lobby_type),
            broadcaster: self.broadcaster.clone(),
            started: self.phase == Phase::Started,
            start_time: self.start_time.to_rfc3339(),
            spawned_by: prep.map(|p| p.spawned_by.clone()).unwrap_or_default(),
            group_id: prep.map_or_else(|| NIL_GROUP.to_owned(), |p| p.group_id.clone()),
            mode: Symbol::parse(mode).token(),
            level: Symbol::parse(level).token(),
            session_settings: SessionSettings {
                appid: APP_ID.to_owned(),
                gametype: Symbol::parse(mode).as_i64(),
                level: prep.map(|p| Symbol::parse(&p.level).as_i64()),
                features: required.clone(),
            },
            required_features: required,
            limit: MATCH_LIMIT,
            size: self.players.len() as i64,
            player_count,
            player_limit: prep.map_or(MATCH_LIMIT, |p| p.player_limit),
            team_size: prep.map_or(if social { 0 } else { 5 }, |p| p.team_size),
            players,
            team_alignments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_ids_are_a_uuid_a_dot_and_a_node() {
        assert!(EvrMatch::is_match_id(&EvrMatch::new_id("backline")));
        assert!(EvrMatch::is_match_id(
            "0b8e6a1c-1111-4222-8333-944445555666.node.b"
        ));
        for bad in [
            "",
            "0b8e6a1c-1111-4222-8333-944445555666",
            "0b8e6a1c-1111-4222-8333-944445555666.",
            "not-a-uuid.backline",
            "0b8e6a1c111142228333944445555666.backline",
        ] {
            assert!(!EvrMatch::is_match_id(bad), "{bad}");
        }
    }

    #[test]
    fn broadcaster_ids_are_hyphenated_uuids() {
        let sid = BroadcasterId::generate();
        assert_eq!(parse_sid(sid.as_str()), Some(sid.clone()));
        assert_eq!(
            parse_sid(&sid.as_str().to_ascii_uppercase()),
            Some(sid),
            "read case-insensitively"
        );
        assert_eq!(parse_sid("abc"), None);
        assert_eq!(parse_sid("0b8e6a1c111142228333944445555666"), None);
    }

    #[test]
    fn a_region_filter_finds_names_and_their_symbols() {
        assert_eq!(
            region_forms("US-Central-2"),
            vec!["us-central-2".to_owned(), "0xf1e60114d33c122a".to_owned()]
        );
        assert_eq!(
            region_forms("0x2fd38a995f615b9e"),
            vec!["default".to_owned(), "0x2fd38a995f615b9e".to_owned()]
        );
        assert_eq!(
            region_forms("0x0000000000000001"),
            vec!["0x0000000000000001".to_owned()]
        );
    }

    #[test]
    fn broadcaster_states_read_back_their_names() {
        for state in [
            BroadcasterState::Stale,
            BroadcasterState::InMatch,
            BroadcasterState::Idle,
        ] {
            assert_eq!(BroadcasterState::parse(state.as_str()), Some(state));
        }
        assert_eq!(BroadcasterState::parse("busy"), None);
    }
}
