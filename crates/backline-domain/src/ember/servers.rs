//! Game servers as the integration API sees them.

use super::bans::BanScope;
use crate::ids::{ExecutionId, ServerId};
use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// Whether roles flow from the game to Backline (`send`) and from Backline to the game
/// (`receive`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSync {
    pub send: bool,
    pub receive: bool,
}

/// A server that has not polled for this many of its poll intervals has stopped polling.
pub const STOPPED_AFTER_INTERVALS: i64 = 3;

/// Whether a poll at `now` rewrites the stored last poll time: only when that is at least half
/// a poll interval old. A server polled more often than its interval (several processes
/// sharing one token, a load test) then costs one write per half interval, not one per poll;
/// one polling on schedule is still recorded at every poll.
///
/// The stored time trails the real last poll by less than half an interval, so readers of it
/// stay right with [`STOPPED_AFTER_INTERVALS`]: a server polling at least once per interval
/// always counts as polling (the stored time is under 1.5 intervals old), and one that stops is
/// reported stopped between 2.5 and 3 intervals after its real last poll.
pub fn last_poll_is_stale(
    stored: Option<Timestamp>,
    poll_interval_seconds: i64,
    now: Timestamp,
) -> bool {
    stored.is_none_or(|at| now.millis() - at.millis() >= poll_interval_seconds * 500)
}

/// A game server known to Backline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GameServer {
    pub id: ServerId,
    pub name: String,
    /// Key of the game (`gmod`, `rust`, …).
    pub game: String,
    pub address: Option<String>,
    /// Server groups: ban scope `server` and role limits work by group.
    pub groups: Vec<String>,
    pub poll_interval_seconds: i64,
    /// Ban scopes this server enforces on connecting players.
    pub enforced_ban_scopes: Vec<BanScope>,
    /// The group a `server`-scoped ban issued from this server applies to.
    pub default_ban_group: Option<String>,
    pub role_sync: RoleSync,
    /// Whether the plugin should log bans in game.
    pub ban_log: bool,
    /// Whether this server may lift operators' bans (admin API, console, CLI) with
    /// `DELETE …/bans`; off: only bans game servers issued.
    pub may_lift_operator_bans: bool,
    /// Increases when settings change; a poll sends settings when the server has not seen
    /// the current version.
    pub settings_version: i64,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub last_poll_at: Option<Timestamp>,
}

impl GameServer {
    /// The group `server`-scoped bans from this server go to.
    pub fn ban_group(&self) -> Option<&str> {
        self.default_ban_group
            .as_deref()
            .or_else(|| self.groups.first().map(String::as_str))
    }

    /// Whether the server still polls: its last poll came at most three poll intervals ago
    /// (a server never polled does not). The store's `polling` filter states the same rule.
    /// `last_poll_at` trails the real last poll by less than half an interval
    /// ([`last_poll_is_stale`]).
    pub fn is_polling(&self, now: Timestamp) -> bool {
        self.last_poll_at.is_some_and(|at| {
            now.millis() - at.millis()
                <= STOPPED_AFTER_INTERVALS * self.poll_interval_seconds * 1000
        })
    }

    /// The `settings` action payload.
    pub fn settings_payload(&self) -> serde_json::Value {
        serde_json::json!({
            "role_sync": {"send": self.role_sync.send, "receive": self.role_sync.receive},
            "ban_log": self.ban_log,
            "poll_interval": self.poll_interval_seconds,
        })
    }
}

/// The latest failed execution of a server: what operators see as its last error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LastError {
    pub execution_id: ExecutionId,
    /// The error the plugin reported with `finish`.
    pub error: String,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub at: Timestamp,
}

/// A server with what operators watch: whether it polls, its queue and its last error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerOverview {
    #[serde(flatten)]
    pub server: GameServer,
    /// See [`GameServer::is_polling`].
    pub polling: bool,
    /// Executions the server has not finished yet (queued or leased).
    pub queue_depth: i64,
    /// Of those, the ones handed to a poll and not yet finished.
    pub leased: i64,
    pub last_error: Option<LastError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_polls_until_three_intervals_pass_without_a_poll() {
        let mut server = GameServer {
            id: ServerId::from_string("s"),
            name: "S".into(),
            game: "gmod".into(),
            address: None,
            groups: Vec::new(),
            poll_interval_seconds: 10,
            enforced_ban_scopes: Vec::new(),
            default_ban_group: None,
            role_sync: RoleSync::default(),
            ban_log: false,
            may_lift_operator_bans: false,
            settings_version: 1,
            created_at: Timestamp::from_millis(0),
            last_poll_at: None,
        };
        let now = Timestamp::from_millis(100_000);
        assert!(!server.is_polling(now));
        server.last_poll_at = Some(Timestamp::from_millis(70_000));
        assert!(server.is_polling(now));
        server.last_poll_at = Some(Timestamp::from_millis(69_999));
        assert!(!server.is_polling(now));
    }

    #[test]
    fn the_last_poll_is_rewritten_once_it_is_half_an_interval_old() {
        let now = Timestamp::from_millis(100_000);
        assert!(last_poll_is_stale(None, 10, now));
        assert!(!last_poll_is_stale(
            Some(Timestamp::from_millis(95_001)),
            10,
            now
        ));
        assert!(last_poll_is_stale(
            Some(Timestamp::from_millis(95_000)),
            10,
            now
        ));
        // A time from a node whose clock runs ahead is kept until it is old enough.
        assert!(!last_poll_is_stale(
            Some(Timestamp::from_millis(101_000)),
            10,
            now
        ));
    }
}
