//! Which call produced a snapshot, and the lifecycle state it puts the match in.

use serde::{Deserialize, Serialize};

/// The Spectra call that delivered a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotCall {
    Register,
    Update,
    Complete,
}

/// Where a match stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    /// Registered at `match_start`, no round update seen yet.
    Registered,
    /// Round updates are arriving (or an update arrived for a never-registered match).
    Live,
    /// Completed at `game_end`.
    Completed,
    /// Completed from any other phase: Spectra's 30-minute inactivity timeout.
    Abandoned,
}

impl MatchState {
    /// The state a snapshot from `call` in round phase `phase` puts the match in.
    pub fn after(call: SnapshotCall, phase: &str) -> Self {
        match call {
            SnapshotCall::Register => Self::Registered,
            SnapshotCall::Update => Self::Live,
            SnapshotCall::Complete if phase == "game_end" => Self::Completed,
            SnapshotCall::Complete => Self::Abandoned,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Abandoned)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Live => "live",
            Self::Completed => "completed",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "registered" => Self::Registered,
            "live" => Self::Live,
            "completed" => Self::Completed,
            "abandoned" => Self::Abandoned,
            _ => return None,
        })
    }
}

/// How far a snapshot is into its match. A stored snapshot is replaced only by one that is
/// at least as far: a final one never is, a final one replaces any other, and otherwise the
/// higher or equal `roundNumber` wins. The store applies this rule atomically in SQL
/// (`backline-store`, `sql/matches.rs`); this type states it for the rest of the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub is_final: bool,
    pub round_number: i64,
}

impl Progress {
    pub fn supersedes(self, stored: Progress) -> bool {
        !stored.is_final && (self.is_final || self.round_number >= stored.round_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_from_game_end_is_completed_and_from_elsewhere_abandoned() {
        assert_eq!(
            MatchState::after(SnapshotCall::Complete, "game_end"),
            MatchState::Completed
        );
        assert_eq!(
            MatchState::after(SnapshotCall::Complete, "combat"),
            MatchState::Abandoned
        );
        assert_eq!(
            MatchState::after(SnapshotCall::Update, "shopping"),
            MatchState::Live
        );
        assert_eq!(
            MatchState::after(SnapshotCall::Register, "LOBBY"),
            MatchState::Registered
        );
    }

    #[test]
    fn older_rounds_never_replace_newer_and_final_always_wins_once() {
        let live = |r| Progress {
            is_final: false,
            round_number: r,
        };
        let done = |r| Progress {
            is_final: true,
            round_number: r,
        };
        assert!(live(5).supersedes(live(4)));
        assert!(live(4).supersedes(live(4)));
        assert!(!live(3).supersedes(live(4)));
        assert!(done(2).supersedes(live(9)));
        assert!(!done(9).supersedes(done(2)));
        assert!(!live(20).supersedes(done(2)));
    }

    #[test]
    fn state_names_round_trip() {
        for s in [
            MatchState::Registered,
            MatchState::Live,
            MatchState::Completed,
            MatchState::Abandoned,
        ] {
            assert_eq!(MatchState::parse(s.as_str()), Some(s));
        }
    }

    proptest::proptest! {
        /// Whatever order live snapshots arrive in, the highest round is kept; once a final
        /// one arrives, it is kept whatever comes after.
        #[test]
        fn arrival_order_never_matters(rounds in proptest::collection::vec(0i64..40, 1..30), final_at in proptest::option::of(0usize..30)) {
            let mut stored: Option<Progress> = None;
            let mut first_final = None;
            for (i, round) in rounds.iter().enumerate() {
                let incoming = Progress { is_final: final_at == Some(i), round_number: *round };
                if incoming.is_final && first_final.is_none() && stored.is_none_or(|s| !s.is_final) {
                    first_final = Some(incoming);
                }
                if stored.is_none_or(|s| incoming.supersedes(s)) {
                    stored = Some(incoming);
                }
            }
            let stored = stored.unwrap();
            match first_final {
                Some(f) => proptest::prop_assert_eq!(stored, f),
                None => proptest::prop_assert_eq!(stored.round_number, *rounds.iter().max().unwrap()),
            }
        }
    }
}
