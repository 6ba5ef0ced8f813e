//! Game integration use cases: servers, polls, executions, bans, roles, link tokens.

pub mod bans;
pub mod executions;
pub mod games;
pub mod links;
pub mod players;
pub mod poll;
pub mod roles;
pub mod servers;

use super::page::PageRequest;
use super::CoreResult;
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
}

/// A page cursor `INTEGER:TEXT` (a time or position, then an id or name), as the operator
/// lists of servers, bans and roles hand them out; anything else was not handed out by
/// Backline and is refused.
pub(crate) fn pair_cursor(request: &PageRequest) -> CoreResult<Option<(i64, String)>> {
    request
        .cursor
        .as_deref()
        .map(|cursor| {
            cursor
                .split_once(':')
                .and_then(|(number, text)| Some((number.parse::<i64>().ok()?, text.to_owned())))
                .filter(|(_, text)| !text.is_empty())
                .ok_or_else(|| {
                    super::CoreError::invalid("cursor", "not a cursor Backline handed out")
                })
        })
        .transpose()
}
