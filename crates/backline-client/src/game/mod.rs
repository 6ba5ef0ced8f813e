//! The game integration (`/api/game/…`, Ember-compatible) for a game server or an agent that
//! drives one: `meta`, `poll` with the players present, `finish`, bans, roles, the primary
//! role and link tokens. Every call carries the server's token (`Authorization: Bearer`).
//!
//! Contract: `EMBER.md` in the shared API documents; Backline's side:
//! `crates/backline-server/src/apis/ember/`. Requests are sent as JSON (the surface also takes
//! PHP-style forms, which game engines need and Rust does not).
//!
//! Retries: `meta`, `poll`, `finish`, `primary_role`, lifting bans and revoking roles may be
//! repeated ([`crate::retry`]); creating a ban, granting a role, setting the primary role
//! and issuing a link token are sent once (this surface takes no idempotency key; a repeated
//! grant would pass the change on to the other servers again). Why `poll` is repeated: the
//! presence it reports is the whole state (reporting it twice is reporting it once), and an
//! execution is leased to exactly one poll, so a poll whose answer was lost cannot make a
//! second poll receive the same executions: they are leased to the lost answer and
//! delivered again, with a higher attempt count, once the lease (120 s by default) ends.

mod actions;
mod players;

pub use actions::{Action, ExecutionId, Player, RoleSync, RolesChange, Settings};
pub use players::{Ban, BanIssuer, BanScope, LinkToken, NewBan};

use crate::error::{Result, Surface};
use crate::retry::{seconds_or_unix_time, Repeat};
use crate::secret::Secret;
use crate::transport::{Call, Transport};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// A client of the game integration for one game server (one token).
///
/// ```no_run
/// # async fn run() -> backline_client::Result<()> {
/// use backline_client::game::{Action, GameClient, Presence};
/// use backline_client::Transport;
///
/// let game = GameClient::new(Transport::new("http://127.0.0.1:7350")?, "SERVER_TOKEN");
/// let mut players = Presence::new();
/// players.connected("steam", "76561198131926932");
/// let poll = game.poll(&players).await?;
/// for action in poll.actions {
///     if let Action::Command { execution_id: Some(id), command } = action {
///         println!("run {command}");
///         game.finish(id, None).await?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct GameClient {
    transport: Transport,
    token: Secret,
}

/// The players on the server, by source: what a poll reports. A player absent from the
/// report is offline on that server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Presence {
    /// Source → (connecting, connected) ids.
    by_source: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

impl Presence {
    pub fn new() -> Self {
        Self::default()
    }

    /// A player joining: gets its roles, or its kick when banned.
    pub fn connecting(&mut self, source: &str, account_id: &str) -> &mut Self {
        self.entry(source).0.push(account_id.to_owned());
        self
    }

    /// A player in game.
    pub fn connected(&mut self, source: &str, account_id: &str) -> &mut Self {
        self.entry(source).1.push(account_id.to_owned());
        self
    }

    fn entry(&mut self, source: &str) -> &mut (Vec<String>, Vec<String>) {
        self.by_source.entry(source.to_owned()).or_default()
    }

    /// How many players are reported.
    pub fn len(&self) -> usize {
        self.by_source
            .values()
            .map(|(a, b)| a.len() + b.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `{"players": {<source>: {"connecting": {"ids"}, "connected": {"ids"}}}}`.
    fn to_json(&self) -> Value {
        let players: Map<String, Value> = self
            .by_source
            .iter()
            .map(|(source, (connecting, connected))| {
                (
                    source.clone(),
                    json!({"connecting": {"ids": connecting}, "connected": {"ids": connected}}),
                )
            })
            .collect();
        json!({ "players": players })
    }
}

/// What a poll answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Poll {
    /// The actions to run now, in Backline's order.
    pub actions: Vec<Action>,
    /// When to poll again (`X-RateLimit-Reset`: the server's poll interval), if said.
    pub next_poll: Option<Duration>,
}

#[derive(Deserialize)]
struct ActionsBody {
    #[serde(default)]
    actions: Vec<Value>,
}

impl GameClient {
    /// A client for the game server whose token is `token`.
    pub fn new(transport: Transport, token: impl Into<Secret>) -> Self {
        Self {
            transport,
            token: token.into(),
        }
    }

    pub(crate) fn call(&self, method: Method, route: &'static str, path: String) -> Result<Call> {
        Call::new(Surface::Game, method, route, path).bearer(&self.token)
    }

    /// `GET /api/game/meta?actions[]=settings`: the server's settings (as a
    /// [`Action::Settings`]); counts as delivering them, so the next poll sends settings only
    /// when they change.
    pub async fn meta(&self) -> Result<Vec<Action>> {
        let call = self
            .call(Method::GET, "/api/game/meta", "/api/game/meta".into())?
            .query("actions[]", "settings");
        let body: ActionsBody = self.transport.send(call).await?.json()?;
        Ok(body.actions.into_iter().map(Action::from_value).collect())
    }

    /// `POST /api/game/poll` with the players present: the actions to run now and when to
    /// poll again. Repeated on transient failures (see the module's documentation for why
    /// that is safe).
    pub async fn poll(&self, players: &Presence) -> Result<Poll> {
        let call = self
            .call(Method::POST, "/api/game/poll", "/api/game/poll".into())?
            .json(&players.to_json())?
            .repeat(Repeat::Safe);
        let reply = self.transport.send(call).await?;
        let next_poll = reply
            .headers
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(seconds_or_unix_time);
        let body: ActionsBody = reply.json()?;
        Ok(Poll {
            actions: body.actions.into_iter().map(Action::from_value).collect(),
            next_poll,
        })
    }

    /// `PATCH /api/game/actions/executions/{id}/finish`: the execution ran (`error: None`)
    /// or failed with `error`. Idempotent on the server (finishing twice changes nothing),
    /// so it is repeated on transient failures.
    pub async fn finish(&self, execution: ExecutionId, error: Option<&str>) -> Result<()> {
        let body = match error {
            Some(error) => json!({ "error": error }),
            None => json!({}),
        };
        let call = self
            .call(
                Method::PATCH,
                "/api/game/actions/executions/{execution_id}/finish",
                format!("/api/game/actions/executions/{execution}/finish"),
            )?
            .json(&body)?
            .repeat(Repeat::Safe);
        self.transport.send(call).await?;
        Ok(())
    }
}
