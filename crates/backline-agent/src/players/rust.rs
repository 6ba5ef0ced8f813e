//! Rust's `playerlist`.
//!
//! Over WebRCON, `playerlist` answers a JSON array of objects, one per connected player:
//! `SteamID` (a string), `OwnerSteamID`, `DisplayName`, `Ping`, `Address`,
//! `ConnectedSeconds`, `VoiationLevel` (sic), `Health`, …; only `SteamID` is read. Anything
//! but such an array is a protocol violation (a wrong game or command), not "no players".

use serde_json::Value;

use crate::error::AgentError;

/// The `SteamID`s of a `playerlist` answer.
pub fn playerlist_ids(answer: &str) -> Result<Vec<String>, AgentError> {
    let value: Value = serde_json::from_str(answer.trim()).map_err(|error| {
        AgentError::Protocol(format!("`playerlist` did not answer JSON: {error}"))
    })?;
    let Value::Array(players) = value else {
        return Err(AgentError::Protocol(
            "`playerlist` did not answer a JSON array".into(),
        ));
    };
    Ok(players
        .iter()
        .filter_map(|player| match player.get("SteamID")? {
            Value::String(id) => Some(id.clone()),
            Value::Number(id) => Some(id.to_string()),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `playerlist` answer of a Rust server (two players).
    const PLAYERLIST: &str = r#"[
  {
    "SteamID": "76561198012345678",
    "OwnerSteamID": "0",
    "DisplayName": "Garry",
    "Ping": 42,
    "Address": "203.0.113.7:51234",
    "ConnectedSeconds": 1820,
    "VoiationLevel": 0.0,
    "CurrentLevel": 0.0,
    "UnspentXp": 0.0,
    "Health": 61.5
  },
  {
    "SteamID": "76561198087654321",
    "OwnerSteamID": "0",
    "DisplayName": "naked guy",
    "Ping": 120,
    "Address": "198.51.100.4:60001",
    "ConnectedSeconds": 35,
    "VoiationLevel": 0.0,
    "CurrentLevel": 0.0,
    "UnspentXp": 0.0,
    "Health": 100.0
  }
]"#;

    #[test]
    fn steam_ids_are_read_from_the_array() {
        assert_eq!(
            playerlist_ids(PLAYERLIST).unwrap(),
            ["76561198012345678", "76561198087654321"]
        );
        assert!(playerlist_ids("[]").unwrap().is_empty());
    }

    #[test]
    fn anything_but_an_array_is_a_protocol_violation() {
        for answer in ["Command not found", "{\"SteamID\": \"1\"}"] {
            assert!(matches!(
                playerlist_ids(answer),
                Err(AgentError::Protocol(_))
            ));
        }
    }
}
