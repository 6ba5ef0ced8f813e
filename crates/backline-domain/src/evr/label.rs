//! The match label: what `match` lists and `match/prepare` answers.
//!
//! Upstream: the EVR server's `MatchLabel` (`shared/docs/api/NAKAMA.md`, "Match label"). The
//! 64-bit `version_lock` and `server_id` are emitted as exact JSON integers.

use super::team::Team;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// EVR's application id, part of every session's settings.
pub const APP_ID: &str = "1369078409873402";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LobbyType {
    Public,
    Private,
    /// An idle match on a broadcaster, waiting to be prepared.
    Unassigned,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BroadcasterLabel {
    pub sid: String,
    pub oper: String,
    pub group_ids: Vec<String>,
    pub endpoint: String,
    pub version_lock: u64,
    pub regions: Vec<String>,
    pub server_id: u64,
    pub features: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionSettings {
    pub appid: String,
    pub gametype: i64,
    pub level: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelPlayer {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub evr_id: String,
    pub team: Team,
    pub client_ip: String,
    pub discord_id: String,
    pub party_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchLabel {
    pub id: String,
    pub open: bool,
    pub lobby_type: LobbyType,
    pub broadcaster: BroadcasterLabel,
    pub started: bool,
    pub start_time: String,
    pub spawned_by: String,
    pub group_id: String,
    pub mode: String,
    pub level: String,
    pub session_settings: SessionSettings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_features: Option<Vec<String>>,
    pub limit: i64,
    pub size: i64,
    pub player_count: i64,
    pub player_limit: i64,
    pub team_size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub players: Option<Vec<LabelPlayer>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_alignments: Option<BTreeMap<String, i64>>,
}

impl MatchLabel {
    /// The label as callers without private-data access see it: the broadcaster's session
    /// id blanked; private and unassigned lobbies without `id`, `spawned_by`,
    /// `team_alignments` and `players`; players never with `client_ip` or `party_id`.
    pub fn public_view(&self) -> Value {
        let mut value = serde_json::to_value(self).expect("labels serialise");
        let object = value.as_object_mut().expect("a label is an object");
        if let Some(b) = object.get_mut("broadcaster").and_then(Value::as_object_mut) {
            b.insert("sid".into(), Value::String(String::new()));
        }
        if self.lobby_type != LobbyType::Public {
            for key in ["id", "spawned_by", "team_alignments", "players"] {
                object.remove(key);
            }
        }
        if let Some(players) = object.get_mut("players").and_then(Value::as_array_mut) {
            for p in players.iter_mut().filter_map(Value::as_object_mut) {
                p.remove("client_ip");
                p.remove("party_id");
            }
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample(lobby_type: LobbyType) -> MatchLabel {
        MatchLabel {
            id: "777f13d6-0080-4b71-8665-9783062c4fc7.node".into(),
            open: true,
            lobby_type,
            broadcaster: BroadcasterLabel {
                sid: "sid-1".into(),
                oper: "oper".into(),
                group_ids: vec!["g".into()],
                endpoint: "10.0.0.1:1.2.3.4:6792".into(),
                version_lock: 14280634968751706381,
                regions: vec!["default".into()],
                server_id: 3427753309332680033,
                features: vec![],
                tags: vec![],
            },
            started: false,
            start_time: "2024-06-25T10:10:00Z".into(),
            spawned_by: "spawner".into(),
            group_id: "g".into(),
            mode: "echo_arena_private".into(),
            level: "mpl_arena_a".into(),
            session_settings: SessionSettings {
                appid: APP_ID.into(),
                gametype: 691594351282457603,
                level: Some(6300205991959903307),
                features: None,
            },
            required_features: None,
            limit: 12,
            size: 1,
            player_count: 1,
            player_limit: 10,
            team_size: 5,
            players: Some(vec![LabelPlayer {
                user_id: "u".into(),
                username: "name".into(),
                display_name: "Name".into(),
                evr_id: "OVR-ORG-1".into(),
                team: Team::Blue,
                client_ip: "1.2.3.4".into(),
                discord_id: "123".into(),
                party_id: "p".into(),
            }]),
            team_alignments: Some(BTreeMap::from([("u".into(), 0)])),
        }
    }

    #[test]
    fn u64_fields_are_emitted_exactly() {
        let text = serde_json::to_string(&sample(LobbyType::Public)).unwrap();
        assert!(text.contains("\"version_lock\":14280634968751706381"));
        assert!(text.contains("\"server_id\":3427753309332680033"));
        assert!(!text.contains("required_features"));
    }

    #[test]
    fn the_public_view_hides_private_data() {
        let public = sample(LobbyType::Public).public_view();
        assert_eq!(public["broadcaster"]["sid"], "");
        assert_eq!(public["id"], "777f13d6-0080-4b71-8665-9783062c4fc7.node");
        assert!(
            public["players"][0].get("client_ip").is_none()
                && public["players"][0].get("party_id").is_none()
        );
        assert_eq!(public["players"][0]["evr_id"], "OVR-ORG-1");
        let private = sample(LobbyType::Private).public_view();
        for key in ["id", "spawned_by", "team_alignments", "players"] {
            assert!(private.get(key).is_none(), "{key}");
        }
        assert_eq!(private["mode"], "echo_arena_private");
    }
}
