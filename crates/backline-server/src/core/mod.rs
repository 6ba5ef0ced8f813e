//! Use cases: what Backline does, independent of the surface that asked.
//!
//! HTTP handlers and CLI commands both call these; they parse input into domain types first
//! and render the results in their own shape afterwards.

pub mod access;
pub mod accounts;
pub mod admin_token;
pub mod audit;
pub mod authentication;
pub mod backup;
pub mod console;
pub mod ember;
pub mod error;
pub mod events;
pub mod evr;
pub mod idempotency;
pub mod issued;
pub mod matches;
pub mod monitoring;
pub mod nakama_keys;
pub mod orgs;
pub mod page;
pub mod passwords;
pub mod periodic;
pub mod playercams;
pub mod players;
pub mod retention;
pub mod sessions;
pub mod stats;
pub mod tokens;

pub use error::{CoreError, CoreResult, Entity, LengthRule, LoginField};

use backline_domain::{Clock, Timestamp};
use backline_store::{SqlStore, Store};
use nakama_keys::NakamaKeys;
use std::sync::Arc;

/// Settings the use cases need from the configuration.
#[derive(Clone, Debug)]
pub struct CoreSettings {
    pub playercam_session_ttl_seconds: i64,
    pub session_ttl_seconds: i64,
    pub refresh_ttl_seconds: i64,
    /// Suffix of match ids (`<uuid>.<node>`).
    pub node: String,
    pub ember: ember::EmberSettings,
}

/// The use cases over one store. They reach it only through the store's traits
/// ([`backline_store::Store`]), so a decorator (a cache, say) or another backend can stand in
/// for [`SqlStore`], which the server uses.
#[derive(Clone, Debug)]
pub struct Core<S = SqlStore> {
    pub store: S,
    /// Shared, not copied: the core is cloned into every request's state (the game list
    /// alone made that clone cost more than the rest of a request's middleware).
    pub settings: Arc<CoreSettings>,
    pub keys: Arc<NakamaKeys>,
    /// The live event stream's publisher and subscribers ([`events`]).
    pub events: events::Events,
    /// Where "now" comes from for every decision that depends on the time: the wall clock in
    /// production, a clock the tests move forward otherwise.
    pub clock: Clock,
}

impl<S: Store> Core<S> {
    pub fn new(store: S, settings: CoreSettings, keys: NakamaKeys) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
            keys: Arc::new(keys),
            events: events::Events::local(),
            clock: Clock::system(),
        }
    }

    /// The same use cases reading time from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The current instant by this core's clock.
    #[inline]
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
