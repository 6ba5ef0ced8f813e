//! Counts of live state and the database's size for `/metrics`, read when it is scraped; the schema's state for
//! `/readyz`.

use crate::core::{Core, CoreResult};
use backline_store::{Gauges, PoolUsage, SchemaState, StorageGauges, Store};

impl<S: Store> Core<S> {
    /// Live matches, broadcasters, the execution queue and the database pools' usage.
    pub async fn gauges(&self) -> CoreResult<(Gauges, PoolUsage)> {
        let gauges = self.store.gauges().await?;
        Ok((gauges, self.store.pool_usage()))
    }

    /// Row counts of the tables that grow with use and the database's size.
    pub async fn storage_gauges(&self) -> CoreResult<StorageGauges> {
        Ok(self.store.storage_gauges().await?)
    }

    /// Whether this server can serve: the database answers, and its migrations are exactly
    /// those of this binary (none pending, none unknown).
    pub async fn readiness(&self) -> CoreResult<SchemaState> {
        Ok(self.store.schema().await?)
    }
}
