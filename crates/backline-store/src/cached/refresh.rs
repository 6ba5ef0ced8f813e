//! Learning of changes made elsewhere: the change counters, re-read periodically and, on
//! PostgreSQL, at once when a trigger announces a change.

use super::{CachedStore, Shared};
use crate::sql::SqlStore;
use crate::StoreResult;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The PostgreSQL channel on which the triggers of migration 0012 announce the area that
/// changed (`pg_notify('backline_cache', area)`).
pub const CACHE_CHANNEL: &str = "backline_cache";

/// A store that keeps per-area change counters (`cache_versions`), bumped by every writer in
/// the writing transaction.
pub trait ChangeCounters {
    /// Every area's counter.
    fn change_counters(&self) -> impl Future<Output = StoreResult<Vec<(String, i64)>>> + Send;
}

/// Reads the counters and applies them; the cache is trusted as of the read's start.
pub(super) async fn check<S: ChangeCounters>(inner: &S, shared: &Shared) -> StoreResult<()> {
    let started = shared.now_mark();
    let counters = inner.change_counters().await?;
    shared.apply(&counters, started);
    Ok(())
}

/// Re-reads the counters every `recheck`, or sooner when woken, while the cache exists.
pub(super) async fn recheck_loop<S: ChangeCounters>(
    inner: S,
    shared: Weak<Shared>,
    wake: Arc<tokio::sync::Notify>,
    recheck: Duration,
) {
    let mut failing = false;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(recheck) => {}
            _ = wake.notified() => {}
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match check(&inner, &shared).await {
            Ok(()) if failing => {
                failing = false;
                tracing::info!("cache: change counters readable again");
            }
            Ok(()) => {}
            // Not trusted any more once the bound passes: reads go to the database, which
            // reports the outage itself.
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "cache: cannot read the change counters; serving from the database");
            }
            Err(_) => {}
        }
    }
}

impl CachedStore<SqlStore> {
    /// Listens on [`CACHE_CHANNEL`] of the PostgreSQL database at `url` and re-reads the
    /// counters whenever a change is announced or the connection was lost (reconnecting after
    /// a pause; the periodic re-read bounds what is missed meanwhile). Stops with
    /// [`CachedStore::stop`].
    pub fn listen_postgres(&self, url: String) {
        let wake = self.shared.wake.clone();
        let task = tokio::spawn(async move {
            loop {
                match crate::sql::cache_counters::CacheListener::connect(&url).await {
                    Ok(mut listener) => loop {
                        match listener.recv().await {
                            Ok(_) => wake.notify_one(),
                            Err(e) => {
                                tracing::warn!(error = %e, "cache: listening for changes failed; reconnecting");
                                break;
                            }
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "cache: cannot listen for changes; retrying");
                    }
                }
                wake.notify_one();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        self.add_task(task);
    }
}
