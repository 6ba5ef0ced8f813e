//! The rules of joining an EVR match.
//!
//! Upstream: EVR's lobby failure codes and the rules of `shared/docs/api/NAKAMA.md`
//! ("Joining a match, and the rules it enforces").

use super::features::first_missing;
use super::label::LobbyType;
use super::team::Team;
use serde::Serialize;

/// EVR's `LobbySessionFailure` codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FailureCode {
    Timeout = 0,
    BadRequest = 2,
    ServerDoesNotExist = 4,
    ServerIsIncompatible = 5,
    ServerIsLocked = 7,
    ServerIsFull = 8,
    InternalError = 9,
}

impl FailureCode {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Timeout => "Timeout",
            Self::BadRequest => "BadRequest",
            Self::ServerDoesNotExist => "ServerDoesNotExist",
            Self::ServerIsIncompatible => "ServerIsIncompatible",
            Self::ServerIsLocked => "ServerIsLocked",
            Self::ServerIsFull => "ServerIsFull",
            Self::InternalError => "InternalError",
        }
    }
}

/// Why a join was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinFailure {
    pub code: FailureCode,
    pub message: String,
}

impl JoinFailure {
    pub fn new(code: FailureCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The EVR id is linked to another account: an id belongs to one account, and nobody
    /// else may sit with it.
    pub fn evr_id_taken() -> Self {
        Self::new(FailureCode::BadRequest, "evr id belongs to another account")
    }
}

/// Someone in a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occupant {
    pub session_id: String,
    pub evr_id: String,
    pub team: Team,
}

/// What the rules need to know about the match.
#[derive(Clone, Debug)]
pub struct Lobby<'a> {
    pub lobby_type: LobbyType,
    pub open: bool,
    pub social: bool,
    pub limit: i64,
    pub player_limit: i64,
    pub team_size: i64,
    pub required_features: &'a [String],
    pub occupants: &'a [Occupant],
}

/// Who wants in.
#[derive(Clone, Debug)]
pub struct Joiner<'a> {
    pub session_id: &'a str,
    pub evr_id: &'a str,
    pub features: &'a [String],
    pub requested: Team,
    /// The team a role alignment of the match assigns this player.
    pub aligned: Option<Team>,
}

impl Lobby<'_> {
    fn count(&self, team: Team) -> i64 {
        self.occupants.iter().filter(|o| o.team == team).count() as i64
    }

    fn players(&self) -> i64 {
        self.occupants.iter().filter(|o| o.team.is_player()).count() as i64
    }

    /// The team the joiner gets, or why they cannot join.
    pub fn decide(&self, joiner: &Joiner<'_>) -> Result<Team, JoinFailure> {
        if self.lobby_type == LobbyType::Unassigned {
            return Err(JoinFailure::new(
                FailureCode::ServerDoesNotExist,
                "match is not prepared",
            ));
        }
        if !self.open {
            return Err(JoinFailure::new(
                FailureCode::ServerIsLocked,
                "match is closed",
            ));
        }
        if self
            .occupants
            .iter()
            .any(|o| o.session_id == joiner.session_id)
        {
            return Err(JoinFailure::new(FailureCode::BadRequest, "duplicate join"));
        }
        if self.occupants.iter().any(|o| o.evr_id == joiner.evr_id) {
            return Err(JoinFailure::new(
                FailureCode::BadRequest,
                "duplicate evr id",
            ));
        }
        if let Some(missing) = first_missing(self.required_features, joiner.features) {
            return Err(JoinFailure::new(
                FailureCode::ServerIsIncompatible,
                format!("missing required feature: {missing}"),
            ));
        }
        if self.occupants.len() as i64 >= self.limit {
            return Err(JoinFailure::new(FailureCode::ServerIsFull, "match is full"));
        }
        let team = self.pick_team(joiner);
        if team.is_player() && self.players() >= self.player_limit {
            return Err(JoinFailure::new(
                FailureCode::ServerIsFull,
                "no room for another player",
            ));
        }
        Ok(team)
    }

    fn pick_team(&self, joiner: &Joiner<'_>) -> Team {
        if let Some(aligned) = joiner.aligned.filter(|t| *t != Team::Any) {
            return aligned;
        }
        if self.social {
            return match joiner.requested {
                Team::Spectator | Team::Moderator => joiner.requested,
                _ => Team::Social,
            };
        }
        match joiner.requested {
            Team::Blue | Team::Orange if self.count(joiner.requested) < self.team_size => {
                joiner.requested
            }
            Team::Spectator | Team::Moderator => joiner.requested,
            _ => {
                if self.count(Team::Orange) < self.count(Team::Blue) {
                    Team::Orange
                } else {
                    Team::Blue
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occupant(session: &str, evr: &str, team: Team) -> Occupant {
        Occupant {
            session_id: session.into(),
            evr_id: evr.into(),
            team,
        }
    }

    fn lobby<'a>(occupants: &'a [Occupant], required: &'a [String]) -> Lobby<'a> {
        Lobby {
            lobby_type: LobbyType::Private,
            open: true,
            social: false,
            limit: 12,
            player_limit: 4,
            team_size: 2,
            required_features: required,
            occupants,
        }
    }

    fn joiner<'a>(
        session: &'a str,
        evr: &'a str,
        features: &'a [String],
        requested: Team,
    ) -> Joiner<'a> {
        Joiner {
            session_id: session,
            evr_id: evr,
            features,
            requested,
            aligned: None,
        }
    }

    #[test]
    fn failures_carry_evr_codes() {
        let none: Vec<String> = vec![];
        let occupants = [occupant("s1", "OVR-1", Team::Blue)];
        let mut l = lobby(&occupants, &none);
        assert_eq!(
            l.decide(&joiner("s1", "OVR-9", &none, Team::Any))
                .unwrap_err()
                .code,
            FailureCode::BadRequest
        );
        let dup = l
            .decide(&joiner("s2", "OVR-1", &none, Team::Any))
            .unwrap_err();
        assert_eq!(
            (dup.code, dup.message.as_str()),
            (FailureCode::BadRequest, "duplicate evr id")
        );
        let required = vec!["kick".to_owned()];
        let with_required = lobby(&occupants, &required);
        let missing = with_required
            .decide(&joiner("s2", "OVR-2", &none, Team::Any))
            .unwrap_err();
        assert_eq!(
            (missing.code, missing.message.as_str()),
            (
                FailureCode::ServerIsIncompatible,
                "missing required feature: kick"
            )
        );
        l.open = false;
        assert_eq!(
            l.decide(&joiner("s2", "OVR-2", &none, Team::Any))
                .unwrap_err()
                .code,
            FailureCode::ServerIsLocked
        );
        l.open = true;
        l.lobby_type = LobbyType::Unassigned;
        assert_eq!(
            l.decide(&joiner("s2", "OVR-2", &none, Team::Any))
                .unwrap_err()
                .code,
            FailureCode::ServerDoesNotExist
        );
    }

    #[test]
    fn teams_fill_evenly_respect_requests_and_alignments() {
        let none: Vec<String> = vec![];
        let occupants = [
            occupant("s1", "A", Team::Blue),
            occupant("s2", "B", Team::Blue),
        ];
        let l = lobby(&occupants, &none);
        assert_eq!(
            l.decide(&joiner("s3", "C", &none, Team::Blue)),
            Ok(Team::Orange),
            "blue is full"
        );
        assert_eq!(
            l.decide(&joiner("s3", "C", &none, Team::Any)),
            Ok(Team::Orange)
        );
        assert_eq!(
            l.decide(&joiner("s3", "C", &none, Team::Spectator)),
            Ok(Team::Spectator)
        );
        let mut aligned = joiner("s3", "C", &none, Team::Orange);
        aligned.aligned = Some(Team::Moderator);
        assert_eq!(l.decide(&aligned), Ok(Team::Moderator));
    }

    #[test]
    fn a_full_match_refuses_players_but_not_spectators_until_the_limit() {
        let none: Vec<String> = vec![];
        let occupants: Vec<_> = ["A", "B", "C", "D"]
            .iter()
            .enumerate()
            .map(|(i, e)| {
                occupant(
                    &format!("s{i}"),
                    e,
                    if i % 2 == 0 { Team::Blue } else { Team::Orange },
                )
            })
            .collect();
        let l = lobby(&occupants, &none);
        assert_eq!(
            l.decide(&joiner("s9", "Z", &none, Team::Any))
                .unwrap_err()
                .code,
            FailureCode::ServerIsFull
        );
        assert_eq!(
            l.decide(&joiner("s9", "Z", &none, Team::Spectator)),
            Ok(Team::Spectator)
        );
        let mut tight = lobby(&occupants, &none);
        tight.limit = 4;
        assert_eq!(
            tight
                .decide(&joiner("s9", "Z", &none, Team::Spectator))
                .unwrap_err()
                .code,
            FailureCode::ServerIsFull
        );
    }
}
