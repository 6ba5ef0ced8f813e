//! Counts of live state for `/metrics`: one statement of sub-selects, plus pool usage; and
//! the schema's state for `/readyz` (`schema.rs`).

use super::SqlStore;
use crate::traits::{GaugeStore, Gauges, PoolUsage, SchemaState};
use crate::StoreResult;
use sqlx::Row;

const GAUGES: &str = "SELECT \
    (SELECT COUNT(*) FROM spectra_matches WHERE is_final = 0) AS spectra_live, \
    (SELECT COUNT(*) FROM evr_matches WHERE ended_at IS NULL) AS evr_live, \
    (SELECT COUNT(*) FROM evr_broadcasters) AS broadcasters, \
    (SELECT COUNT(*) FROM ember_executions WHERE status = 'queued') AS queued, \
    (SELECT COUNT(*) FROM ember_executions WHERE status = 'leased') AS leased, \
    (SELECT COUNT(*) FROM ember_executions \
        WHERE status IN ('queued', 'leased') AND attempts > 1) AS redelivered";

impl GaugeStore for SqlStore {
    async fn gauges(&self) -> StoreResult<Gauges> {
        let row = sqlx::query(GAUGES).fetch_one(&self.read).await?;
        Ok(Gauges {
            spectra_live_matches: row.try_get("spectra_live")?,
            evr_live_matches: row.try_get("evr_live")?,
            evr_broadcasters: row.try_get("broadcasters")?,
            executions_queued: row.try_get("queued")?,
            executions_leased: row.try_get("leased")?,
            executions_redelivered: row.try_get("redelivered")?,
        })
    }

    fn pool_usage(&self) -> PoolUsage {
        let mut usage = PoolUsage {
            size: u64::from(self.read.size()),
            idle: self.read.num_idle() as u64,
        };
        if matches!(self.backend, super::Backend::Sqlite) {
            usage.size += u64::from(self.write.size());
            usage.idle += self.write.num_idle() as u64;
        }
        usage
    }

    async fn schema(&self) -> StoreResult<SchemaState> {
        self.schema_state().await
    }
}
