//! Games and their console-command templates.
//!
//! Upstream: Ember's `Game::getConsoleCommands()`, e.g. Garry's Mod's
//! `kickid {steamid2} "{reason}"` (`steamid2` derived from the Steam64 id).

use crate::accounts::{unsafe_in_command, AccountId};
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

/// Why a command was not rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("the game has no {0} command")]
    NoTemplate(String),
    /// A value that would change the command's shape (a control character, white space, a
    /// quote, `;` or a backslash in the player's id): never rendered.
    #[error("the {0} cannot be put in a console command")]
    UnsafeValue(&'static str),
}

/// The reason as a template receives it: free text, with every character that could end an
/// argument or the command made harmless: control characters (line breaks included) and
/// double quotes become `'`, `;` becomes `,` and the backslash `/`.
pub fn command_reason(reason: &str) -> String {
    reason
        .chars()
        .map(|c| match c {
            '"' => '\'',
            ';' => ',',
            '\\' => '/',
            '\u{2028}' | '\u{2029}' | '\u{85}' => '\'',
            c if c.is_control() => '\'',
            c => c,
        })
        .collect()
}

impl Game {
    /// The command `name` for a player, with the placeholders filled in, in one pass (a
    /// value is never read as a placeholder). The last line of defence: a player id with a
    /// character [`unsafe_in_command`] refuses is never rendered (an [`AccountId`] has none,
    /// whatever its source), and the reason passes through [`command_reason`].
    pub fn command(
        &self,
        name: &str,
        account_id: &AccountId,
        reason: &str,
    ) -> Result<String, CommandError> {
        let template = self
            .commands
            .get(name)
            .ok_or_else(|| CommandError::NoTemplate(name.to_owned()))?;
        let account = account_id.as_str();
        let steamid2 = steamid2(account).unwrap_or_else(|| account.to_owned());
        for value in [account, steamid2.as_str()] {
            if value.is_empty() || value.chars().any(unsafe_in_command) {
                return Err(CommandError::UnsafeValue("account id"));
            }
        }
        let reason = command_reason(reason);
        let mut out = String::with_capacity(template.len() + reason.len() + account.len());
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            let (value, len) = [
                ("{account_id}", account),
                ("{steamid2}", steamid2.as_str()),
                ("{reason}", reason.as_str()),
            ]
            .into_iter()
            .find(|(placeholder, _)| after.starts_with(placeholder))
            .map_or(("{", 1), |(placeholder, value)| (value, placeholder.len()));
            out.push_str(value);
            rest = &after[len..];
        }
        out.push_str(rest);
        Ok(out)
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
        let id = |s: &str| AccountId::parse("steam", s).unwrap();
        assert_eq!(
            gmod.command("kick", &id("76561198131926932"), "Cheating \"again\"")
                .unwrap(),
            "kickid STEAM_0:0:85830602 \"Cheating 'again'\""
        );
        assert_eq!(
            games["rust"].command("kick", &id("765"), "x").unwrap(),
            "kick 765 \"x\""
        );
        assert_eq!(
            gmod.command("ban", &id("1"), "x"),
            Err(CommandError::NoTemplate("ban".into()))
        );
    }

    #[test]
    fn no_hostile_id_reaches_a_built_in_games_template() {
        let hostile = [
            "1\"; quit; \"",
            "76561198131926932; quit",
            "76561198131926932\nquit",
            "STEAM_0:1:1\"; quit",
            "Steve\nop Mallory x",
            "Steve\rop",
            "Steve op",
            "Steve\u{2028}op",
            "Steve\u{85}op",
            "Steve;op",
            "Steve'op",
            "Steve`op`",
            "Steve\\op",
            "Steve\u{0}",
        ];
        for (key, game) in builtin_games() {
            for id in hostile {
                assert!(AccountId::parse(&game.source, id).is_err(), "{key}: {id:?}");
            }
            // Any source's id renders as one argument in every built-in template.
            for (source, id) in [
                ("steam", "STEAM_0:1:1"),
                ("minecraft", "Notch"),
                ("x", "a{b}"),
            ] {
                let id = AccountId::parse(source, id).unwrap();
                let command = game.command("kick", &id, "r\"; quit\nop x").unwrap();
                assert!(
                    !command.chars().any(|c| c.is_control() || c == ';'),
                    "{command:?}"
                );
                assert_eq!(
                    command.matches('"').count(),
                    game.commands["kick"].matches('"').count(),
                    "{command:?}"
                );
            }
        }
    }

    #[test]
    fn values_are_never_read_as_placeholders() {
        let game = Game {
            name: "x".into(),
            source: "custom".into(),
            commands: BTreeMap::from([(
                "kick".to_owned(),
                "kick {account_id} {reason} {unknown} {".to_owned(),
            )]),
        };
        let id = AccountId::parse("custom", "{reason}").unwrap();
        assert_eq!(
            game.command("kick", &id, "{account_id}; quit\nsay \\x")
                .unwrap(),
            "kick {reason} {account_id}, quit'say /x {unknown} {"
        );
    }
}
