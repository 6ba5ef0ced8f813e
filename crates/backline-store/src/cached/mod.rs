//! A caching decorator over any [`Store`]: credentials and other hot, rarely-changing rows
//! served from memory, with invalidation bounded in time.
//!
//! What is cached, by area (each area is cleared as a whole):
//!
//! | area | reads | tables whose changes clear it |
//! |---|---|---|
//! | `spectra_keys` | [`AccessKeyStore::find_access_key`] (the key with its organisation) | `access_keys`, `orgs` |
//! | `api_tokens` | [`ApiTokenStore::find_active_api_token`] | `api_tokens` |
//! | `accounts` | users by id, username and external account, a user's external accounts, [`UserStore::session_status`] | `users`, `external_accounts`, `revoked_sessions` |
//! | `game_servers` | [`GameServerStore::server_by_token`] | `ember_servers` (not its poll columns) |
//!
//! "Not found" is cached too: every insert clears the area like any other change.
//!
//! How a change reaches the cache:
//! - A write through this decorator clears the areas it touches before it returns, so the
//!   node that made it never serves the old row again.
//! - Every writer (another node, the admin CLI, hand-written SQL) bumps the area's counter in
//!   the table `cache_versions` in its own transaction: triggers of migration 0012 do it.
//!   A background task re-reads the counters every `recheck` and clears the areas whose
//!   counter moved; on PostgreSQL the triggers also `NOTIFY` ([`CACHE_CHANNEL`]) and
//!   [`CachedStore::listen_postgres`] re-reads the counters at once.
//! - The bound: a cached row is served only while the last successful re-read of the
//!   counters began less than [`CacheOptions::bound`] (twice `recheck`) ago; otherwise (the
//!   task fell behind, the database is away) reads go to the database. So a change committed
//!   anywhere is served by no node for longer than the bound.
//! - A read that began before an invalidation never stores its (possibly older) row after
//!   it: each area has a generation, taken before the read and checked under the lock that
//!   clears ([`area::Area::store_if`]).
//!
//! Time-dependent rules (expiry, supporter end, token `iat`) are applied by the callers at
//! each read, on the cached row, so caching never extends a credential's life.

mod area;
mod claims;
mod ember;
mod forward;
mod refresh;
mod spectra;
mod users;

pub(crate) use forward::Forwarding;
pub use refresh::{ChangeCounters, CACHE_CHANNEL};

use crate::traits::*;
use area::{Area, BoundedMap, Maps};
use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::ember::servers::GameServer;
use backline_domain::ids::UserId;
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::secret::SecretHash;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::{Clock, Timestamp};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::StoreResult;

/// How the cache behaves.
#[derive(Clone, Debug)]
pub struct CacheOptions {
    /// Off: every read goes to the inner store (the decorator only forwards).
    pub enabled: bool,
    /// How often the change counters are re-read.
    pub recheck: Duration,
    /// Entries per map at most (a map that would grow past it is cleared).
    pub capacity: usize,
    /// Measures the bound (the server passes its own clock, so a test that advances it
    /// sees the cache stop trusting memory without waiting).
    pub clock: Clock,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            recheck: Duration::from_millis(125),
            capacity: 10_000,
            clock: Clock::system(),
        }
    }
}

impl CacheOptions {
    /// The longest a change made elsewhere can go unseen: cached rows are served only while
    /// the last successful check of the counters began within it.
    pub fn bound(&self) -> Duration {
        self.recheck * 2
    }
}

/// The cached areas: their names in `cache_versions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheArea {
    SpectraKeys,
    ApiTokens,
    Accounts,
    GameServers,
}

impl CacheArea {
    pub const ALL: [CacheArea; 4] = [
        Self::SpectraKeys,
        Self::ApiTokens,
        Self::Accounts,
        Self::GameServers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SpectraKeys => "spectra_keys",
            Self::ApiTokens => "api_tokens",
            Self::Accounts => "accounts",
            Self::GameServers => "game_servers",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

struct SpectraKeyMaps {
    by_hash: BoundedMap<SecretHash, Option<(AccessKey, Organisation)>>,
}

struct ApiTokenMaps {
    by_hash: BoundedMap<(ApiTokenKind, SecretHash), Option<ApiToken>>,
}

struct AccountMaps {
    by_id: BoundedMap<UserId, Option<User>>,
    by_username: BoundedMap<String, Option<User>>,
    by_external: BoundedMap<ExternalAccount, Option<User>>,
    external_accounts: BoundedMap<UserId, Vec<ExternalAccount>>,
    sessions: BoundedMap<(UserId, String), Option<SessionStatus>>,
}

struct GameServerMaps {
    by_token: BoundedMap<SecretHash, Option<GameServer>>,
}

impl Maps for SpectraKeyMaps {
    fn clear(&mut self) {
        self.by_hash.clear();
    }
}

impl Maps for ApiTokenMaps {
    fn clear(&mut self) {
        self.by_hash.clear();
    }
}

impl Maps for AccountMaps {
    fn clear(&mut self) {
        self.by_id.clear();
        self.by_username.clear();
        self.by_external.clear();
        self.external_accounts.clear();
        self.sessions.clear();
    }
}

impl Maps for GameServerMaps {
    fn clear(&mut self) {
        self.by_token.clear();
    }
}

/// What every clone of one [`CachedStore`] shares.
struct Shared {
    options: CacheOptions,
    spectra_keys: Area<SpectraKeyMaps>,
    api_tokens: Area<ApiTokenMaps>,
    accounts: Area<AccountMaps>,
    game_servers: Area<GameServerMaps>,
    /// The origin of [`Shared::verified_at`], by `options.clock`.
    epoch: Timestamp,
    /// When the last successful check of the counters began (milliseconds since `epoch`,
    /// plus one; 0: never).
    verified_at: AtomicU64,
    /// The counters as last read, by area.
    known: Mutex<Vec<(String, i64)>>,
    /// Background tasks (the counter re-reads, the PostgreSQL listener), stopped by
    /// [`CachedStore::stop`].
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Asks the re-read task to read the counters now.
    wake: Arc<tokio::sync::Notify>,
}

impl Shared {
    fn new(options: CacheOptions) -> Self {
        let cap = options.capacity;
        Self {
            spectra_keys: Area::new(SpectraKeyMaps {
                by_hash: BoundedMap::new(cap),
            }),
            api_tokens: Area::new(ApiTokenMaps {
                by_hash: BoundedMap::new(cap),
            }),
            accounts: Area::new(AccountMaps {
                by_id: BoundedMap::new(cap),
                by_username: BoundedMap::new(cap),
                by_external: BoundedMap::new(cap),
                external_accounts: BoundedMap::new(cap),
                sessions: BoundedMap::new(cap),
            }),
            game_servers: Area::new(GameServerMaps {
                by_token: BoundedMap::new(cap),
            }),
            epoch: options.clock.now(),
            options,
            verified_at: AtomicU64::new(0),
            known: Mutex::new(Vec::new()),
            tasks: Mutex::new(Vec::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    fn now_mark(&self) -> u64 {
        let elapsed = self.options.clock.now().millis() - self.epoch.millis();
        u64::try_from(elapsed).unwrap_or(0) + 1
    }

    /// Whether cached rows may be served now (see [`CacheOptions::bound`]).
    fn trusted(&self) -> bool {
        if !self.options.enabled {
            return false;
        }
        let verified = self.verified_at.load(Ordering::Acquire);
        verified != 0 && self.now_mark().saturating_sub(verified) <= self.bound_millis()
    }

    fn bound_millis(&self) -> u64 {
        self.options.bound().as_millis() as u64
    }

    fn invalidate(&self, area: CacheArea) {
        match area {
            CacheArea::SpectraKeys => self.spectra_keys.invalidate(),
            CacheArea::ApiTokens => self.api_tokens.invalidate(),
            CacheArea::Accounts => self.accounts.invalidate(),
            CacheArea::GameServers => self.game_servers.invalidate(),
        }
    }

    /// Takes in counters read at `started`: clears the areas whose counter moved (or is new
    /// to this process), then trusts the cache as of `started`.
    fn apply(&self, counters: &[(String, i64)], started: u64) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        for (name, version) in counters {
            let seen = known.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
            if seen != Some(*version) {
                if let Some(area) = CacheArea::parse(name) {
                    self.invalidate(area);
                }
            }
        }
        *known = counters.to_vec();
        self.verified_at.fetch_max(started, Ordering::AcqRel);
    }
}

impl Drop for Shared {
    /// The tasks hold no strong reference to the cache: they end with its last clone.
    fn drop(&mut self) {
        for task in self
            .tasks
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

/// The caching decorator (see the module documentation).
pub struct CachedStore<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: Clone> Clone for CachedStore<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedStore")
            .field("inner", &self.inner)
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl<S: Store + ChangeCounters> CachedStore<S> {
    /// Reads the change counters once, then keeps re-reading them every
    /// [`CacheOptions::recheck`] in a task (until [`CachedStore::stop`]). Must run inside a
    /// tokio runtime. Fails when the counters cannot be read (the database is away, or
    /// migration 0012 is missing).
    pub async fn start(inner: S, options: CacheOptions) -> StoreResult<Self> {
        let store = Self {
            inner,
            shared: Arc::new(Shared::new(options)),
        };
        if !store.shared.options.enabled {
            return Ok(store);
        }
        store.check_counters().await?;
        let task = tokio::spawn(refresh::recheck_loop(
            store.inner.clone(),
            Arc::downgrade(&store.shared),
            store.shared.wake.clone(),
            store.shared.options.recheck,
        ));
        store.add_task(task);
        Ok(store)
    }

    /// Reads the counters now and clears the areas that changed.
    pub async fn check_counters(&self) -> StoreResult<()> {
        refresh::check(&self.inner, &self.shared).await
    }
}

impl<S> CachedStore<S> {
    /// The store this one decorates.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    pub fn options(&self) -> &CacheOptions {
        &self.shared.options
    }

    /// Asks the background task to re-read the counters at once (a notification arrived).
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Stops the background tasks: once the bound has passed since the last read of the
    /// counters, every read goes to the inner store.
    pub fn stop(&self) {
        let tasks =
            std::mem::take(&mut *self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            task.abort();
        }
    }

    /// Forgets every cached row of `area` (as a write through this store does).
    pub fn invalidate(&self, area: CacheArea) {
        self.shared.invalidate(area);
    }

    /// How many entries the maps of `area` hold together (for tests and metrics).
    pub fn cached_entries(&self, area: CacheArea) -> usize {
        match area {
            CacheArea::SpectraKeys => self.shared.spectra_keys.read(|m| m.by_hash.len()),
            CacheArea::ApiTokens => self.shared.api_tokens.read(|m| m.by_hash.len()),
            CacheArea::Accounts => self.shared.accounts.read(|m| {
                m.by_id.len()
                    + m.by_username.len()
                    + m.by_external.len()
                    + m.external_accounts.len()
                    + m.sessions.len()
            }),
            CacheArea::GameServers => self.shared.game_servers.read(|m| m.by_token.len()),
        }
    }

    fn add_task(&self, task: tokio::task::JoinHandle<()>) {
        self.shared
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    /// A read through the cache: the cached answer when trusted and present; otherwise the
    /// inner store's, kept unless the area was invalidated while it was read.
    async fn cached<M: Maps, V: Clone>(
        &self,
        area: impl Fn(&Shared) -> &Area<M>,
        get: impl FnOnce(&M) -> Option<V>,
        load: impl Future<Output = StoreResult<V>>,
        put: impl FnOnce(&mut M, V),
    ) -> StoreResult<V> {
        let shared = &*self.shared;
        if !shared.trusted() {
            return load.await;
        }
        let area = area(shared);
        if let Some(hit) = area.read(get) {
            return Ok(hit);
        }
        let generation = area.generation();
        let value = load.await?;
        area.store_if(generation, |m| put(m, value.clone()));
        Ok(value)
    }

    /// Runs a write of the inner store, then clears `areas` whatever its outcome (an error
    /// may come after the commit).
    async fn writing<T>(
        &self,
        areas: &[CacheArea],
        write: impl Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let result = write.await;
        for area in areas {
            self.shared.invalidate(*area);
        }
        result
    }
}

#[cfg(test)]
mod tests;
