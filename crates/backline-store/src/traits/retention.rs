//! Retention: what the periodic pruning of growing tables needs from the store (one batch of
//! one kind at a time, each its own short statement), the lease that lets one node at a time
//! prune a shared database, and the sizes `/metrics` reports.

use backline_domain::Timestamp;
use std::future::Future;

use crate::StoreResult;

/// A kind of row that grows with use and is pruned once it is old enough. What is never
/// pruned (users, bans, roles and grants, unfinished executions, the latest state of each
/// match) has no kind here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PruneKind {
    /// Audit log entries older than the cutoff (`at`).
    Audit,
    /// Finished or failed executions whose `finished_at` is before the cutoff; queued and
    /// leased ones never.
    Executions,
    /// EVR matches that ended before the cutoff (with their players).
    EvrMatches,
    /// Link tokens that expired before the cutoff, used or not (a use is before expiry).
    LinkTokens,
    /// Revocations of Nakama session and refresh tokens that expired before the cutoff: the
    /// token they revoke is refused for its expiry by then.
    Revocations,
    /// Console sessions that expired before the cutoff.
    ConsoleSessions,
    /// Idempotency keys that expired by the cutoff.
    IdempotencyKeys,
}

impl PruneKind {
    /// Every kind, in the order a pass prunes them.
    pub const ALL: [PruneKind; 7] = [
        PruneKind::Audit,
        PruneKind::Executions,
        PruneKind::EvrMatches,
        PruneKind::LinkTokens,
        PruneKind::Revocations,
        PruneKind::ConsoleSessions,
        PruneKind::IdempotencyKeys,
    ];

    /// The kind's name in metrics and logs.
    pub fn name(self) -> &'static str {
        match self {
            PruneKind::Audit => "audit",
            PruneKind::Executions => "executions",
            PruneKind::EvrMatches => "evr_matches",
            PruneKind::LinkTokens => "link_tokens",
            PruneKind::Revocations => "revocations",
            PruneKind::ConsoleSessions => "console_sessions",
            PruneKind::IdempotencyKeys => "idempotency_keys",
        }
    }
}

/// The tables whose rows `/metrics` counts: those that grow with use, and the kept ones
/// beside them.
pub const COUNTED_TABLES: [&str; 13] = [
    "audit_log",
    "events",
    "ember_executions",
    "ember_presence",
    "ember_link_tokens",
    "ember_bans",
    "evr_matches",
    "spectra_matches",
    "stats_matches",
    "revoked_sessions",
    "console_sessions",
    "idempotency_keys",
    "users",
];

/// Sizes of the database for `/metrics`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageGauges {
    /// Rows per table of [`COUNTED_TABLES`]: exact on SQLite; on PostgreSQL the planner's
    /// estimate (`pg_class.reltuples`, kept current by autovacuum), which costs no scan of a
    /// table of millions of rows at every scrape (0 before the table was first analysed).
    pub rows: Vec<(&'static str, i64)>,
    /// The database's size on disk in bytes (SQLite: the main file's pages; PostgreSQL:
    /// `pg_database_size`).
    pub database_bytes: i64,
}

forwarded_store_trait! {
    /// Pruning old rows, leases of periodic work, and the database's sizes.
    pub trait RetentionStore {
        /// Deletes at most `limit` rows of `kind` older than `cutoff`, oldest first, in one
        /// statement; how many it deleted (fewer than `limit`: nothing more is due).
        fn prune(
            &self,
            kind: PruneKind,
            cutoff: Timestamp,
            limit: i64,
        ) -> impl Future<Output = StoreResult<u64>> + Send;
        /// Takes or renews lease `name` for `holder` until `until`; false when another holder
        /// has it past `now`. Of several holders claiming at once, at most one gets it.
        fn claim_lease(
            &self,
            name: &str,
            holder: &str,
            now: Timestamp,
            until: Timestamp,
        ) -> impl Future<Output = StoreResult<bool>> + Send;
        /// Row counts of the growing tables and the database's size.
        fn storage_gauges(&self) -> impl Future<Output = StoreResult<StorageGauges>> + Send;
    }
}
