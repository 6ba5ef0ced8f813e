//! Final statistics of a match, computed from its last snapshot.
//!
//! Upstream: Spectra's stats backend fetches these after `game_end`; Backline computes them
//! itself from what the observer reported, with no outside data source.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Statistics of one match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchStats {
    pub match_id: String,
    pub map: Option<String>,
    pub match_type: Option<String>,
    pub rounds_played: i64,
    pub overtime: bool,
    /// Index into `teams` of the team with more rounds won; `None` on a draw.
    pub winner: Option<usize>,
    pub teams: Vec<TeamStats>,
    pub players: Vec<PlayerStats>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamStats {
    pub name: String,
    pub tricode: String,
    pub rounds_won: i64,
    pub attack_round_wins: i64,
    pub defense_round_wins: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayerStats {
    pub puuid: String,
    pub full_name: String,
    /// Index into `teams`.
    pub team: usize,
    pub agent: String,
    pub kills: i64,
    pub deaths: i64,
    pub assists: i64,
    pub headshot_kills: i64,
    /// Headshot kills over kills; `None` without kills.
    pub headshot_ratio: Option<f64>,
    /// Kills over deaths; `None` without deaths.
    pub kd_ratio: Option<f64>,
    pub team_kills: i64,
    pub money_spent: i64,
    pub current_mmr_tier: Option<i64>,
    pub peak_mmr_tier: Option<i64>,
}

/// Round record entries that are losses or not played; every other type is a won round.
const NOT_WON: &[&str] = &["lost", "upcoming", ""];

fn int(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| ((num as f64 / den as f64) * 1000.0).round() / 1000.0)
}

/// Computes the statistics of `document`, a (sanitised) Spectra match object.
pub fn compute(match_id: &str, document: &Value) -> MatchStats {
    let empty = Vec::new();
    let teams_json = document
        .get("teams")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut teams = Vec::new();
    let mut players = Vec::new();
    for (index, team) in teams_json.iter().enumerate() {
        let (mut attack, mut defense) = (0, 0);
        for round in team
            .get("roundRecord")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let kind = round.get("type").and_then(Value::as_str).unwrap_or("");
            if NOT_WON.contains(&kind) {
                continue;
            }
            if round
                .get("wasAttack")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                attack += 1;
            } else {
                defense += 1;
            }
        }
        teams.push(TeamStats {
            name: text(team, "teamName"),
            tricode: text(team, "teamTricode"),
            rounds_won: int(team, "roundsWon"),
            attack_round_wins: attack,
            defense_round_wins: defense,
        });
        for p in team
            .get("players")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let (kills, deaths) = (int(p, "kills"), int(p, "deaths"));
            let headshot_kills = int(p, "headshotKills");
            players.push(PlayerStats {
                puuid: text(p, "riotId"),
                full_name: text(p, "fullName"),
                team: index,
                agent: text(p, "agentProper"),
                kills,
                deaths,
                assists: int(p, "assists"),
                headshot_kills,
                headshot_ratio: ratio(headshot_kills, kills),
                kd_ratio: ratio(kills, deaths),
                team_kills: int(p, "teamKills"),
                money_spent: int(p, "moneySpent"),
                current_mmr_tier: p.get("currentMMRTier").and_then(Value::as_i64),
                peak_mmr_tier: p.get("peakMMRTier").and_then(Value::as_i64),
            });
        }
    }
    let winner = match teams.as_slice() {
        [a, b] if a.rounds_won > b.rounds_won => Some(0),
        [a, b] if b.rounds_won > a.rounds_won => Some(1),
        _ => None,
    };
    MatchStats {
        match_id: match_id.to_owned(),
        map: document
            .get("map")
            .and_then(Value::as_str)
            .map(str::to_owned),
        match_type: document
            .get("matchType")
            .and_then(Value::as_str)
            .map(str::to_owned),
        rounds_played: teams.iter().map(|t| t.rounds_won).sum(),
        overtime: document
            .get("hasEnteredOvertime")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        winner,
        teams,
        players,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rounds_players_and_winner_are_computed() {
        let doc = json!({
            "map": "Ascent", "matchType": "bomb", "hasEnteredOvertime": true,
            "teams": [
                {"teamName": "Left", "teamTricode": "L", "roundsWon": 2,
                 "roundRecord": [{"type": "kills", "wasAttack": true}, {"type": "defused", "wasAttack": false},
                                 {"type": "lost", "wasAttack": false}, {"type": "upcoming", "wasAttack": true}],
                 "players": [{"riotId": "p1", "fullName": "A#1", "agentProper": "Raze", "kills": 4, "deaths": 2,
                              "assists": 1, "headshotKills": 1, "teamKills": 0, "moneySpent": 3900,
                              "currentMMRTier": 20, "peakMMRTier": null, "kdRatio": null}]},
                {"teamName": "Right", "teamTricode": "R", "roundsWon": 1,
                 "roundRecord": [{"type": "lost", "wasAttack": false}, {"type": "detonated", "wasAttack": true}],
                 "players": [{"riotId": "p2", "fullName": "B#2", "kills": 0, "deaths": 0}]}
            ]
        });
        let stats = compute("m", &doc);
        assert_eq!(stats.rounds_played, 3);
        assert_eq!(stats.winner, Some(0));
        assert!(stats.overtime);
        assert_eq!(
            (
                stats.teams[0].attack_round_wins,
                stats.teams[0].defense_round_wins
            ),
            (1, 1)
        );
        assert_eq!(
            (
                stats.teams[1].attack_round_wins,
                stats.teams[1].defense_round_wins
            ),
            (1, 0)
        );
        let p1 = &stats.players[0];
        assert_eq!(
            (p1.kills, p1.deaths, p1.assists, p1.money_spent),
            (4, 2, 1, 3900)
        );
        assert_eq!(p1.headshot_ratio, Some(0.25));
        assert_eq!(p1.kd_ratio, Some(2.0));
        assert_eq!(p1.current_mmr_tier, Some(20));
        assert_eq!(p1.peak_mmr_tier, None);
        assert_eq!(stats.players[1].headshot_ratio, None);
        assert_eq!(stats.players[1].team, 1);
    }

    #[test]
    fn a_draw_or_missing_teams_has_no_winner() {
        assert_eq!(compute("m", &json!({})).winner, None);
        let doc = json!({"teams": [{"roundsWon": 3}, {"roundsWon": 3}]});
        assert_eq!(compute("m", &doc).winner, None);
    }
}
