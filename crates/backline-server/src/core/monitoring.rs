//! Counts of live state for `/metrics`, read when it is scraped.

use crate::core::{Core, CoreResult};
use backline_store::{Gauges, PoolUsage, Store};

impl<S: Store> Core<S> {
    /// Live matches, broadcasters, the execution queue and the database pools' usage.
    pub async fn gauges(&self) -> CoreResult<(Gauges, PoolUsage)> {
        let gauges = self.store.gauges().await?;
        Ok((gauges, self.store.pool_usage()))
    }
}
