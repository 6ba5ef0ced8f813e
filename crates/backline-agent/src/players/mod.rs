//! Which players are on the game server, read from its console.
//!
//! Backline wants each player as an account id of a source (`steam`, `minecraft`, …; the
//! game-integration API's `players[<source>][connected][ids]`). Each game prints its players
//! differently, so each has a default command and parser ([`Parser`], one file per game):
//!
//! | game keys | command | source | parser |
//! |---|---|---|---|
//! | `cs2`, `csgo`, `tf2`, `gmod`, `css`, `hl2dm`, `l4d2`, `source` | `status` | `steam` | [`steam`]: `STEAM_X:Y:Z` and `[U:1:N]` made Steam64 |
//! | `rust` | `playerlist` | `steam` | [`rust`]: the JSON array's `SteamID` |
//! | `minecraft` | `list` | `minecraft` | [`minecraft`]: the names after `players online:` |
//! | `quake3`, `openarena`, `ioquake3`, `urbanterror` | `status` | `quake3` | [`quake3`]: the name column |
//!
//! Every part can be overridden ([`PlayerOverrides`]): the command, the source, and the
//! parser by a regular expression with a named group `id`, matched against each line of the
//! answer (every match counts). A game with no defaults needs all three.
//!
//! Ids Backline would refuse (white space, quotes, `;`, backslashes, control characters, more
//! than 128 characters; for `steam` anything but a Steam64 id) are left out with a warning
//! rather than sent: one odd name must not make Backline refuse the whole report.

pub mod minecraft;
pub mod quake3;
pub mod rust;
pub mod steam;

use regex::Regex;
use serde::Deserialize;

use crate::console::AnyConsole;
use crate::error::AgentError;

/// A connected player as Backline knows players: an account id of a source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Player {
    /// The account source (`steam`, `minecraft`, `quake3`, …).
    pub source: String,
    /// The account id in that source.
    pub id: String,
}

/// Overrides of a game's player reading, from the configuration's `[players]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayerOverrides {
    /// The console command that lists players.
    pub command: Option<String>,
    /// A regular expression with a named group `id`, matched against each line.
    pub pattern: Option<String>,
    /// The account source the ids belong to.
    pub source: Option<String>,
}

/// How an answer is turned into ids.
#[derive(Debug, Clone)]
pub enum Parser {
    /// Source engine `status`.
    SourceStatus,
    /// Rust's `playerlist`.
    RustPlayerList,
    /// Minecraft's `list`.
    MinecraftList,
    /// Quake 3's `status`.
    Quake3Status,
    /// A configured pattern with a named group `id`.
    Pattern(Regex),
}

/// A game's defaults: (keys, command, source, parser).
fn defaults(game: &str) -> Option<(&'static str, &'static str, Parser)> {
    Some(match game {
        "cs2" | "csgo" | "tf2" | "gmod" | "css" | "hl2dm" | "l4d2" | "source" => {
            ("status", "steam", Parser::SourceStatus)
        }
        "rust" => ("playerlist", "steam", Parser::RustPlayerList),
        "minecraft" => ("list", "minecraft", Parser::MinecraftList),
        "quake3" | "openarena" | "ioquake3" | "urbanterror" => {
            ("status", "quake3", Parser::Quake3Status)
        }
        _ => return None,
    })
}

/// Reads players: a command, its parser and the source of the ids.
#[derive(Debug, Clone)]
pub struct PlayerReader {
    command: String,
    source: String,
    parser: Parser,
}

impl PlayerReader {
    /// The reader for `game` with `overrides` applied.
    pub fn new(game: Option<&str>, overrides: &PlayerOverrides) -> Result<Self, AgentError> {
        let builtin = game.and_then(defaults);
        let pattern = match overrides.pattern.as_deref() {
            Some(pattern) => Some(Parser::Pattern(compile(pattern)?)),
            None => None,
        };
        let missing = |what: &str, variable: &str| {
            AgentError::Configuration(match game {
                Some(game) => format!(
                    "the game `{game}` has no built-in player reading: set {what} ({variable})"
                ),
                None => format!(
                    "no game is set (BACKLINE_AGENT_GAME), so there is no built-in player \
                     reading: set the game, or {what} ({variable})"
                ),
            })
        };
        let (command, source, parser) = match builtin {
            Some((command, source, parser)) => (
                overrides.command.clone().unwrap_or_else(|| command.into()),
                overrides.source.clone().unwrap_or_else(|| source.into()),
                pattern.unwrap_or(parser),
            ),
            None => (
                overrides.command.clone().ok_or_else(|| {
                    missing("the player command", "BACKLINE_AGENT_PLAYERS_COMMAND")
                })?,
                overrides
                    .source
                    .clone()
                    .ok_or_else(|| missing("the player source", "BACKLINE_AGENT_PLAYERS_SOURCE"))?,
                pattern
                    .ok_or_else(|| missing("a player pattern", "BACKLINE_AGENT_PLAYERS_PATTERN"))?,
            ),
        };
        if command.trim().is_empty() || source.trim().is_empty() {
            return Err(AgentError::Configuration(
                "the player command and source must not be empty".into(),
            ));
        }
        Ok(Self {
            command,
            source,
            parser,
        })
    }

    /// The console command that lists players.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The account source of the ids.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The players in `answer` (the command's output), each once, in the order printed.
    pub fn parse(&self, answer: &str) -> Result<Vec<Player>, AgentError> {
        let ids = match &self.parser {
            Parser::SourceStatus => steam::status_ids(answer),
            Parser::RustPlayerList => rust::playerlist_ids(answer)?,
            Parser::MinecraftList => minecraft::list_names(answer),
            Parser::Quake3Status => quake3::status_names(answer),
            Parser::Pattern(pattern) => answer
                .lines()
                .flat_map(|line| pattern.captures_iter(line))
                .filter_map(|captures| captures.name("id").map(|id| id.as_str().to_owned()))
                .collect(),
        };
        let mut players: Vec<Player> = Vec::new();
        for id in ids {
            let id = if self.source == "steam" {
                steam::to_steam64(&id).map(|id| id.to_string())
            } else {
                Some(id)
            };
            let Some(id) = id.filter(|id| acceptable(id)) else {
                tracing::warn!(source = %self.source, "left out a player id Backline would refuse");
                continue;
            };
            if !players.iter().any(|p| p.id == id) {
                players.push(Player {
                    source: self.source.clone(),
                    id,
                });
            }
        }
        Ok(players)
    }

    /// Runs the command on `console` and parses its answer.
    pub async fn read(&self, console: &mut AnyConsole) -> Result<Vec<Player>, AgentError> {
        if !console.answers() {
            return Err(AgentError::Configuration(
                "the exec console has no answer text, so players cannot be read through it".into(),
            ));
        }
        let answer = console.run(&self.command).await?;
        self.parse(&answer)
    }
}

/// Compiles a configured pattern, which must have a named group `id`.
fn compile(pattern: &str) -> Result<Regex, AgentError> {
    let regex = Regex::new(pattern).map_err(|error| {
        AgentError::Configuration(format!(
            "the player pattern is not a regular expression: {error}"
        ))
    })?;
    if !regex.capture_names().any(|name| name == Some("id")) {
        return Err(AgentError::Configuration(
            "the player pattern needs a named group `id`, for example `^(?P<id>\\w+) joined`"
                .into(),
        ));
    }
    Ok(regex)
}

/// Whether Backline's most lenient id rule accepts `id`: 1–128 characters, none a control
/// character, white space, a quote, `;` or a backslash.
fn acceptable(id: &str) -> bool {
    let count = id.chars().count();
    (1..=128).contains(&count)
        && !id.chars().any(|c| {
            c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ';' | '\\')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(
        command: Option<&str>,
        pattern: Option<&str>,
        source: Option<&str>,
    ) -> PlayerOverrides {
        PlayerOverrides {
            command: command.map(Into::into),
            pattern: pattern.map(Into::into),
            source: source.map(Into::into),
        }
    }

    #[test]
    fn games_have_defaults_and_every_part_can_be_overridden() {
        let cs2 = PlayerReader::new(Some("cs2"), &PlayerOverrides::default()).unwrap();
        assert_eq!((cs2.command(), cs2.source()), ("status", "steam"));
        let custom = PlayerReader::new(
            Some("cs2"),
            &overrides(Some("css_players"), Some(r"^player (?P<id>\d+)$"), None),
        )
        .unwrap();
        assert_eq!(custom.command(), "css_players");
        let players = custom
            .parse("player 76561198000000001\nplayer STEAM_0:1:1\nbot 7\n")
            .unwrap();
        assert_eq!(
            players,
            [Player {
                source: "steam".into(),
                id: "76561198000000001".into()
            }]
        );
    }

    #[test]
    fn a_pattern_may_match_several_times_on_a_line_and_steam_ids_are_converted() {
        let reader = PlayerReader::new(
            Some("tf2"),
            &overrides(None, Some(r"<(?P<id>[^>]+)>"), None),
        )
        .unwrap();
        let players = reader.parse("<STEAM_0:1:5> <[U:1:10]> <[U:1:10]>").unwrap();
        let ids: Vec<_> = players.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["76561197960265739", "76561197960265738"]);
    }

    #[test]
    fn an_unknown_game_needs_command_pattern_and_source() {
        let error = PlayerReader::new(Some("ark"), &overrides(Some("ListPlayers"), None, None))
            .unwrap_err();
        assert!(matches!(error, AgentError::Configuration(_)), "{error}");
        let ark = PlayerReader::new(
            Some("ark"),
            &overrides(
                Some("ListPlayers"),
                Some(r"^\d+\. [^,]+, (?P<id>\d{17})"),
                Some("steam"),
            ),
        )
        .unwrap();
        let players = ark
            .parse("0. Someone, 76561198000000002\n1. Other Name, 76561198000000003\n")
            .unwrap();
        assert_eq!(players.len(), 2);
    }

    #[test]
    fn ids_backline_would_refuse_are_left_out() {
        let reader = PlayerReader::new(
            None,
            &overrides(Some("who"), Some(r"^name=(?P<id>.*)$"), Some("quake3")),
        )
        .unwrap();
        let players = reader
            .parse("name=Good\nname=two words\nname=semi;colon\nname=\nname=Good\n")
            .unwrap();
        assert_eq!(
            players,
            [Player {
                source: "quake3".into(),
                id: "Good".into()
            }]
        );
    }
}
