//! The operators' own rows: admin tokens, the audit log, console sessions, the idempotency
//! keys of admin API writes, and the gauges read for `/metrics`.

use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use std::future::Future;

use super::{Seek, TimeKey};
use crate::StoreResult;

forwarded_store_trait! {
    /// Web console sessions, opened with an admin token.
    pub trait ConsoleSessionStore {
        /// Stores a session: the hash of its id, the hash of the admin token that opened it.
        fn insert_console_session(
            &self,
            id: &SecretHash,
            admin_token: &SecretHash,
            now: Timestamp,
            expires_at: Timestamp,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        /// The hash of the admin token of the session with this id, unless it expired by `now`.
        fn find_console_session(
            &self,
            id: &SecretHash,
            now: Timestamp,
        ) -> impl Future<Output = StoreResult<Option<SecretHash>>> + Send;
        /// Ends a session (nothing happens for an unknown one).
        fn delete_console_session(
            &self,
            id: &SecretHash,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        /// Forgets sessions that expired by `now`; how many.
        fn delete_expired_console_sessions(
            &self,
            now: Timestamp,
        ) -> impl Future<Output = StoreResult<u64>> + Send;
    }
}

/// What an idempotency key holds when a request comes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key was free (never used, expired, or abandoned by a request that never answered):
    /// it is now this request's, which runs.
    Claimed,
    /// A request used the key first: the fingerprint of that request, and its answer once it
    /// has one (`None` while it still runs).
    Taken {
        fingerprint: String,
        answer: Option<StoredAnswer>,
    },
}

/// The answer a request with an idempotency key got, as it is replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: String,
    /// The body, sealed by the caller (the store never sees it in the clear).
    pub sealed_body: String,
}

forwarded_store_trait! {
    /// Idempotency keys of admin API writes: who used a key first, with what request, and
    /// what it answered (`Idempotency-Key`, docs/admin-api.md).
    pub trait IdempotencyStore {
        /// Claims key `id` for a request with `fingerprint`, until `expires_at`. A row that
        /// expired by `now`, or has had no answer since before `abandoned_before` (the process
        /// running its request is gone), is replaced. Of two requests claiming one key at
        /// once, exactly one gets [`IdempotencyClaim::Claimed`].
        fn claim_idempotency_key(
            &self,
            id: &str,
            fingerprint: &str,
            now: Timestamp,
            abandoned_before: Timestamp,
            expires_at: Timestamp,
        ) -> impl Future<Output = StoreResult<IdempotencyClaim>> + Send;
        /// Records the answer of the request that claimed key `id`.
        fn answer_idempotency_key(
            &self,
            id: &str,
            answer: &StoredAnswer,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        /// Frees key `id` while it has no answer (its request failed in a way worth trying
        /// again); an answered key stays.
        fn release_idempotency_key(&self, id: &str) -> impl Future<Output = StoreResult<()>> + Send;
        /// Forgets keys that expired by `now`; how many.
        fn delete_expired_idempotency_keys(
            &self,
            now: Timestamp,
        ) -> impl Future<Output = StoreResult<u64>> + Send;
    }
}

/// Counts of live state, read when `/metrics` is scraped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Spectra matches not yet final.
    pub spectra_live_matches: i64,
    /// EVR matches not yet ended.
    pub evr_live_matches: i64,
    /// Registered EVR broadcasters.
    pub evr_broadcasters: i64,
    /// Game-integration executions waiting for a poll.
    pub executions_queued: i64,
    /// Game-integration executions handed out and not yet acknowledged.
    pub executions_leased: i64,
    /// Unfinished executions handed out more than once (their lease ran out).
    pub executions_redelivered: i64,
}

/// Connections of the store's pools (both pools summed on SQLite, one on PostgreSQL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUsage {
    /// Open connections.
    pub size: u64,
    /// Open connections not in use.
    pub idle: u64,
}

forwarded_store_trait! {
    /// Aggregate counts for monitoring.
    pub trait GaugeStore {
        /// Live matches, broadcasters and the execution queue, in one statement.
        fn gauges(&self) -> impl Future<Output = StoreResult<Gauges>> + Send;
        /// The connection pools' current usage (no query).
        fn pool_usage(&self) -> PoolUsage;
        /// Which migrations are applied, against those this binary knows (reads only).
        fn schema(&self) -> impl Future<Output = StoreResult<SchemaState>> + Send;
    }
}

/// The database's migrations against the binary's: whether it is behind (pending), current,
/// or ahead (applied by a newer Backline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaState {
    /// Versions applied successfully, oldest first.
    pub applied: Vec<i64>,
    /// Versions this binary carries, oldest first.
    pub known: Vec<i64>,
}

impl SchemaState {
    /// The newest migration this binary knows.
    pub fn latest_known(&self) -> i64 {
        self.known.last().copied().unwrap_or(0)
    }

    /// The newest migration applied (none on a database never migrated).
    pub fn latest_applied(&self) -> Option<i64> {
        self.applied.last().copied()
    }

    /// Known migrations not applied yet.
    pub fn pending(&self) -> usize {
        self.known
            .iter()
            .filter(|v| !self.applied.contains(v))
            .count()
    }

    /// The newest applied migration when it is newer than any this binary knows: the
    /// database was migrated by a newer Backline.
    pub fn newer_than_known(&self) -> Option<i64> {
        self.latest_applied().filter(|v| *v > self.latest_known())
    }

    /// Every known migration applied and none this binary does not know.
    pub fn is_current(&self) -> bool {
        self.pending() == 0 && self.applied.iter().all(|v| self.known.contains(v))
    }
}

/// How an operator names an admin token: by id or by name.
#[derive(Clone, Debug)]
pub enum AdminTokenRef {
    Id(backline_domain::ids::AdminTokenId),
    Name(String),
}

forwarded_store_trait! {
    /// Operators' named admin tokens. Each operator's change takes its audit entry (`None`
    /// for the token made at the first start), stored in the same transaction as the change.
    pub trait AdminTokenStore {
        /// Stores a token unless one with its name exists, with the operator's audit entry
        /// when it is stored; true when it was stored.
        fn insert_admin_token_if_absent(
            &self,
            token: &backline_domain::admin::AdminToken,
            hash: &SecretHash,
            audit: Option<&backline_domain::admin::AuditEntry>,
        ) -> impl Future<Output = StoreResult<bool>> + Send;
        /// The unrevoked token with this hash.
        fn find_active_admin_token(
            &self,
            hash: &SecretHash,
        ) -> impl Future<Output = StoreResult<Option<backline_domain::admin::AdminToken>>> + Send;
        /// The token with this id or name, revoked or not.
        fn find_admin_token(
            &self,
            token: &AdminTokenRef,
        ) -> impl Future<Output = StoreResult<Option<backline_domain::admin::AdminToken>>> + Send;
        /// Oldest first (creation time, then id).
        fn list_admin_tokens(
            &self,
            seek: &Seek<TimeKey>,
        ) -> impl Future<Output = StoreResult<Vec<backline_domain::admin::AdminToken>>> + Send;
        /// Revokes a token (idempotent), with the operator's audit entry; `NotFound` for an
        /// unknown one.
        fn revoke_admin_token(
            &self,
            token: &AdminTokenRef,
            now: Timestamp,
            audit: Option<&backline_domain::admin::AuditEntry>,
        ) -> impl Future<Output = StoreResult<backline_domain::admin::AdminToken>> + Send;
        /// Gives the named token a new secret and clears its revocation, with the operator's
        /// audit entry; `NotFound` when unknown.
        fn replace_admin_token_secret(
            &self,
            name: &str,
            hash: &SecretHash,
            prefix: &str,
            audit: Option<&backline_domain::admin::AuditEntry>,
        ) -> impl Future<Output = StoreResult<backline_domain::admin::AdminToken>> + Send;
    }
}

/// What to list from the audit log; every `Some` narrows it. Newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only entries older than this sequence number (the previous page's `next_cursor`).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

forwarded_store_trait! {
    /// The audit log of admin writes.
    pub trait AuditStore {
        /// Appends an entry (its `seq` is ignored and assigned by the store).
        fn insert_audit(
            &self,
            entry: &backline_domain::admin::AuditEntry,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        fn list_audit(
            &self,
            filter: &AuditFilter,
        ) -> impl Future<Output = StoreResult<Vec<backline_domain::admin::AuditEntry>>> + Send;
    }
}
