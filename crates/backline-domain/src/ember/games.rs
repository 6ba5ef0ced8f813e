//! Games and their console-command templates.
//!
//! Upstream: Ember's `Game::getConsoleCommands()`, e.g. Garry's Mod's
//! `kickid {steamid2} "{reason}"` (`steamid2` derived from the Steam64 id).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A game Backline can talk to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Game {
    pub name: String,
    /// The external account source players of this game are identified by.
    pub source: String,
    /// Console-command templates by name; `kick` at least. Placeholders: `{account_id}`,
    /// `{steamid2}`, `{reason}`.
    pub commands: BTreeMap<String, String>,
}

/// The games Backline knows without configuration, by key.
pub fn builtin_games() -> BTreeMap<String, Game> {
    let game = |name: &str, source: &str, kick: &str| Game {
        name: name.into(),
        source: source.into(),
        commands: BTreeMap::from([("kick".to_owned(), kick.to_owned())]),
    };
    BTreeMap::from([
        (
            "gmod".into(),
            game("Garry's Mod", "steam", "kickid {steamid2} \"{reason}\""),
        ),
        (
            "rust".into(),
            game("Rust", "steam", "kick {account_id} \"{reason}\""),
        ),
        (
            "csgo".into(),
            game("Counter-Strike", "steam", "kickid {steamid2} \"{reason}\""),
        ),
        (
            "minecraft".into(),
            game("Minecraft", "minecraft", "kick {account_id} {reason}"),
        ),
    ])
}

/// `STEAM_0:Y:Z` for a Steam64 id (`None` when it is not one).
pub fn steamid2(steam64: &str) -> Option<String> {
    const BASE: u64 = 76561197960265728;
    let id: u64 = steam64.parse().ok()?;
    let account = id.checked_sub(BASE)?;
    Some(format!("STEAM_0:{}:{}", account % 2, account / 2))
}

impl Game {
    /// The command `name` for a player, with the placeholders filled in; `None` when the
    /// game has no such template.
    pub fn command(&self, name: &str, account_id: &str, reason: &str) -> Option<String> {
        let template = self.commands.get(name)?;
        // Quotes in the reason would end the argument early in most consoles.
        let reason = reason.replace(['"', '\n', '\r'], "'");
        let steamid2 = steamid2(account_id).unwrap_or_else(|| account_id.to_owned());
        Some(
            template
                .replace("{account_id}", account_id)
                .replace("{steamid2}", &steamid2)
                .replace("{reason}", &reason),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steam64_becomes_steamid2() {
        assert_eq!(
            steamid2("76561198131926932").as_deref(),
            Some("STEAM_0:0:85830602")
        );
        assert_eq!(
            steamid2("76561197960265729").as_deref(),
            Some("STEAM_0:1:0")
        );
        assert_eq!(steamid2("123"), None);
        assert_eq!(steamid2("not a number"), None);
    }

    #[test]
    fn kick_templates_fill_their_placeholders() {
        let games = builtin_games();
        let gmod = &games["gmod"];
        assert_eq!(
            gmod.command("kick", "76561198131926932", "Cheating \"again\"")
                .unwrap(),
            "kickid STEAM_0:0:85830602 \"Cheating 'again'\""
        );
        assert_eq!(
            games["rust"].command("kick", "765", "x").unwrap(),
            "kick 765 \"x\""
        );
        assert!(gmod.command("ban", "1", "x").is_none());
    }
}
