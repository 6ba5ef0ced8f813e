//! EVR game modes, their levels and the lobby settings they imply.

use super::symbol::Symbol;

/// What Backline knows about a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    pub name: &'static str,
    /// Levels the mode is played on; the first is the default unless `random_default`.
    pub levels: &'static [&'static str],
    /// Public modes are matchmade; private ones are joined by invitation.
    pub public: bool,
    /// Social lobbies have no teams of fixed size: `player_limit` is the match `limit`.
    pub social: bool,
    /// Combat picks one of its levels at random when none is asked for.
    pub random_default: bool,
}

const ARENA: &[&str] = &["mpl_arena_a"];
const LOBBY: &[&str] = &["mpl_lobby_b2"];
const COMBAT: &[&str] = &["combustion", "dyson", "fission", "gauss"];

pub const MODES: &[Mode] = &[
    Mode {
        name: "echo_arena",
        levels: ARENA,
        public: true,
        social: false,
        random_default: false,
    },
    Mode {
        name: "echo_arena_private",
        levels: ARENA,
        public: false,
        social: false,
        random_default: false,
    },
    Mode {
        name: "echo_combat",
        levels: COMBAT,
        public: true,
        social: false,
        random_default: true,
    },
    Mode {
        name: "echo_combat_private",
        levels: COMBAT,
        public: false,
        social: false,
        random_default: true,
    },
    Mode {
        name: "social_2.0",
        levels: LOBBY,
        public: true,
        social: true,
        random_default: false,
    },
    Mode {
        name: "social_2.0_private",
        levels: LOBBY,
        public: false,
        social: true,
        random_default: false,
    },
];

/// Every match holds at most this many people (players, spectators, moderators).
pub const MATCH_LIMIT: i64 = 12;
/// Players per team unless asked otherwise.
pub const DEFAULT_TEAM_SIZE: i64 = 5;

impl Mode {
    /// The mode named by a token (name or `0x…`), if known.
    pub fn find(token: &str) -> Option<&'static Mode> {
        let symbol = Symbol::parse(token);
        MODES.iter().find(|m| Symbol::of(m.name) == symbol)
    }

    pub fn symbol(&self) -> Symbol {
        Symbol::of(self.name)
    }

    /// The level named by `token` when the mode is played there.
    pub fn level(&self, token: &str) -> Option<&'static str> {
        let symbol = Symbol::parse(token);
        self.levels
            .iter()
            .copied()
            .find(|l| Symbol::of(l) == symbol)
    }

    /// The level to use when none was asked for; `pick` chooses among several (random in use).
    pub fn default_level(&self, pick: impl FnOnce(usize) -> usize) -> &'static str {
        if self.random_default {
            self.levels[pick(self.levels.len()) % self.levels.len()]
        } else {
            self.levels[0]
        }
    }

    pub fn player_limit(&self, team_size: i64) -> i64 {
        if self.social {
            MATCH_LIMIT
        } else {
            2 * team_size
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_found_by_name_or_symbol_and_know_their_levels() {
        let arena = Mode::find("echo_arena_private").unwrap();
        assert!(!arena.public);
        assert_eq!(Mode::find("0x09990965f4db8c03"), Some(arena));
        assert_eq!(arena.default_level(|_| 0), "mpl_arena_a");
        assert_eq!(arena.level("mpl_arena_a"), Some("mpl_arena_a"));
        assert_eq!(arena.level("dyson"), None);
        assert!(Mode::find("capture_the_flag").is_none());
        let combat = Mode::find("echo_combat").unwrap();
        assert_eq!(combat.default_level(|n| n - 1), "gauss");
        assert_eq!(Mode::find("social_2.0").unwrap().player_limit(3), 12);
        assert_eq!(arena.player_limit(4), 8);
    }
}
