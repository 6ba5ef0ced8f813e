//! Retention: rows that grow with use (the audit log, finished executions, ended EVR matches,
//! used and expired link tokens, expired revocations, console sessions and idempotency keys)
//! are deleted once they are older than their setting (`[retention]`), so a database run for a
//! year stays the size of its working set. What is never pruned has no kind here: users,
//! bans, roles and grants, queued and leased executions, the latest state of each match.
//!
//! A pass deletes in batches of `batch` rows, one short statement each, with a pause between
//! them for other writers. On a shared PostgreSQL database one node at a time prunes: the
//! node holding the `retention` lease (a row, renewed each pass, taken over by another node
//! once it lapses). Two nodes pruning at once would only repeat idempotent deletes. The event
//! log keeps its own, shorter window (`events.retention_seconds`, `events/sweep.rs`).

use super::{Core, CoreResult};
use backline_domain::Timestamp;
use backline_store::{PruneKind, Store};
use std::time::Duration;

/// The lease's name in the `leases` table.
pub const LEASE: &str = "retention";

/// Batches of one kind one pass deletes at most, so a pass (and the lease it runs under)
/// stays bounded after a long time without pruning; the next pass goes on.
pub const MAX_BATCHES_PER_PASS: u32 = 1000;

/// The pause between two batches: other writers (SQLite has one) get the database.
const BETWEEN_BATCHES: Duration = Duration::from_millis(10);

/// What is kept how long, as the configuration gives it.
#[derive(Clone, Debug)]
pub struct RetentionSettings {
    /// How often a pass runs.
    pub interval: Duration,
    /// Rows one statement deletes at most.
    pub batch: i64,
    /// Seconds each kind is kept after it stops mattering (written, finished, ended,
    /// expired); `None`: forever.
    pub keep: Vec<(PruneKind, Option<i64>)>,
}

impl RetentionSettings {
    /// The cutoff of `kind` at `now`: rows older than it are pruned; `None` when it is kept
    /// forever.
    pub fn cutoff(&self, kind: PruneKind, now: Timestamp) -> Option<Timestamp> {
        self.keep
            .iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, keep)| *keep)
            .map(|seconds| now.plus_seconds(-seconds))
    }

    /// How long a node's lease lasts: past the next pass, so the holder renews it before it
    /// lapses, and short enough that another node takes over soon after the holder is gone.
    fn lease(&self) -> i64 {
        2 * self.interval.as_secs().max(1) as i64 + 60
    }
}

impl<S: Store> Core<S> {
    /// One pass at the clock's now: every kind with a retention, batch after batch until a
    /// batch comes back short (or [`MAX_BATCHES_PER_PASS`]). `pruned` hears each batch.
    /// Answers the rows deleted per kind.
    pub async fn prune_once(
        &self,
        settings: &RetentionSettings,
        mut pruned: impl FnMut(PruneKind, u64),
    ) -> CoreResult<Vec<(PruneKind, u64)>> {
        let now = self.now();
        let mut total = Vec::new();
        for kind in PruneKind::ALL {
            let Some(cutoff) = settings.cutoff(kind, now) else {
                continue;
            };
            let mut deleted = 0;
            for batch in 0..MAX_BATCHES_PER_PASS {
                if batch > 0 {
                    tokio::time::sleep(BETWEEN_BATCHES).await;
                }
                let n = self.store.prune(kind, cutoff, settings.batch).await?;
                deleted += n;
                if n > 0 {
                    pruned(kind, n);
                }
                if n < settings.batch as u64 {
                    break;
                }
            }
            if deleted > 0 {
                tracing::info!(kind = kind.name(), rows = deleted, "retention pruned rows");
            }
            total.push((kind, deleted));
        }
        Ok(total)
    }

    /// Claims the retention lease for `holder` now; false when another node holds it.
    pub async fn claim_retention_lease(
        &self,
        settings: &RetentionSettings,
        holder: &str,
    ) -> CoreResult<bool> {
        let now = self.now();
        let until = now.plus_seconds(settings.lease());
        Ok(self.store.claim_lease(LEASE, holder, now, until).await?)
    }

    /// Prunes every `settings.interval` while this node (`holder`, unique per process) holds
    /// the lease, until `stop` resolves; `pruned` hears each batch (the metrics' counter).
    /// A failed pass is logged and the next one tries again.
    pub async fn retention(
        self,
        settings: RetentionSettings,
        holder: String,
        pruned: impl Fn(PruneKind, u64) + Send + Sync,
        stop: impl std::future::Future<Output = ()>,
    ) {
        super::periodic::every(settings.interval, stop, || async {
            let pass = async {
                if self.claim_retention_lease(&settings, &holder).await? {
                    self.prune_once(&settings, &pruned).await?;
                }
                CoreResult::Ok(())
            };
            if let Err(e) = pass.await {
                tracing::warn!(error = %e, "retention pass failed; retrying next interval");
            }
        })
        .await;
    }
}
