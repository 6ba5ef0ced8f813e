//! Player-cam sessions: which players show a camera, and the names overlays display.

use crate::ids::{OrgId, PlayercamSessionId};
use crate::Timestamp;
use serde::Serialize;

/// A session an organisation created for one event; Spectra Server reads it by identifier
/// and secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlayercamSession {
    pub id: PlayercamSessionId,
    pub org_id: OrgId,
    /// Public half of the credentials, part of every URL.
    pub identifier: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::timestamp::rfc3339")]
    pub expires_at: Timestamp,
}

/// One player's settings in a session, keyed by `Name#TAG`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlayercamPlayer {
    pub full_name: String,
    pub camera_enabled: bool,
    pub display_name: Option<String>,
}

/// A `Name#TAG` given by an operator that is not one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a Riot id of the form Name#TAG")]
pub struct InvalidFullName(pub String);

/// Checks an operator-given Riot id (`Name#TAG`, both parts non-empty).
pub fn parse_full_name(text: &str) -> Result<String, InvalidFullName> {
    let trimmed = text.trim();
    match trimmed.split_once('#') {
        Some((name, tag)) if !name.is_empty() && !tag.is_empty() && !tag.contains('#') => {
            Ok(trimmed.to_owned())
        }
        _ => Err(InvalidFullName(text.to_owned())),
    }
}

/// The `nameOverrides` string Spectra Server expects: a JSON array of `[fullName, name]` pairs.
pub fn name_overrides_json(players: &[PlayercamPlayer]) -> String {
    let pairs: Vec<[&str; 2]> = players
        .iter()
        .filter_map(|p| p.display_name.as_deref().map(|d| [p.full_name.as_str(), d]))
        .collect();
    serde_json::to_string(&pairs).expect("pairs of strings serialise")
}

/// The `enabledPlayers` list: every player with a camera on.
pub fn enabled_players(players: &[PlayercamPlayer]) -> Vec<String> {
    players
        .iter()
        .filter(|p| p.camera_enabled)
        .map(|p| p.full_name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(name: &str, cam: bool, display: Option<&str>) -> PlayercamPlayer {
        PlayercamPlayer {
            full_name: name.into(),
            camera_enabled: cam,
            display_name: display.map(str::to_owned),
        }
    }

    #[test]
    fn overrides_are_a_json_string_of_pairs_and_empty_is_brackets() {
        assert_eq!(name_overrides_json(&[]), "[]");
        let players = [
            player("Player#EUW", true, Some("Shown \"Name\"")),
            player("B#1", false, None),
        ];
        assert_eq!(
            name_overrides_json(&players),
            r#"[["Player#EUW","Shown \"Name\""]]"#
        );
        assert_eq!(enabled_players(&players), vec!["Player#EUW".to_owned()]);
    }

    #[test]
    fn full_names_need_a_name_and_a_tag() {
        assert_eq!(parse_full_name(" A B#EUW ").unwrap(), "A B#EUW");
        for bad in ["NoTag", "#EUW", "Name#", "a#b#c"] {
            assert!(parse_full_name(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn overrides_string_parses_back_to_the_pairs(names in proptest::collection::vec(("[^#]{1,12}#[A-Z0-9]{2,5}", ".{0,20}"), 0..8)) {
            let players: Vec<_> = names.iter().map(|(n, d)| player(n, false, Some(d))).collect();
            let parsed: Vec<(String, String)> = serde_json::from_str(&name_overrides_json(&players)).unwrap();
            proptest::prop_assert_eq!(parsed, names);
        }
    }
}
