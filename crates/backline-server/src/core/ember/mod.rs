//! Game integration use cases: servers, polls, executions, bans, roles, link tokens.

pub mod bans;
pub mod executions;
pub mod games;
pub mod links;
pub mod players;
pub mod poll;
pub mod roles;
pub mod servers;

use backline_domain::ember::games::Game;
use std::collections::BTreeMap;

/// Settings of the game integration.
#[derive(Clone, Debug)]
pub struct EmberSettings {
    /// How long a delivered execution is leased before it is delivered again.
    pub lease_seconds: i64,
    /// Lifetime of link tokens.
    pub link_token_ttl_seconds: i64,
    /// Base of the URL shown to players to link their account (`{base}/link/{token}`).
    pub public_url: String,
    /// Games by key: built-in ones plus those from configuration.
    pub games: BTreeMap<String, Game>,
    /// Most executions one poll receives.
    pub poll_batch: i64,
    /// Most players one poll may report.
    pub max_players_per_poll: usize,
}
