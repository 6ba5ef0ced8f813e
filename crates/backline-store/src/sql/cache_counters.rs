//! The change counters behind the cache (`cache_versions`, migration 0012), and on
//! PostgreSQL the `LISTEN` side of their announcements.

use super::SqlStore;
use crate::cached::{ChangeCounters, CACHE_CHANNEL};
use crate::StoreResult;
use sqlx::Row;

impl ChangeCounters for SqlStore {
    async fn change_counters(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT area, version FROM cache_versions")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("area")?, row.try_get("version")?)))
            .collect()
    }
}

/// A PostgreSQL connection listening on [`CACHE_CHANNEL`].
pub struct CacheListener {
    inner: sqlx::postgres::PgListener,
}

impl CacheListener {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let mut inner = sqlx::postgres::PgListener::connect(url).await?;
        inner.listen(CACHE_CHANNEL).await?;
        Ok(Self { inner })
    }

    /// The next announced area; `None` after a reconnection (announcements made meanwhile
    /// are lost: re-read the counters).
    pub async fn recv(&mut self) -> StoreResult<Option<String>> {
        Ok(self.inner.try_recv().await?.map(|n| n.payload().to_owned()))
    }
}
