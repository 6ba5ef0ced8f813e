//! The event log behind the live event stream.

use backline_domain::Timestamp;
use std::future::Future;

use crate::StoreResult;

forwarded_store_trait! {
    /// The live event log behind `GET /events`.
    pub trait EventStore {
        /// Appends an event; its id comes from the log's sequence. On PostgreSQL the id is
        /// announced with `NOTIFY` on [`crate::EVENTS_CHANNEL`] when the insert commits.
        fn append_event(
            &self,
            event: &backline_domain::events::NewEvent,
        ) -> impl Future<Output = StoreResult<backline_domain::events::Event>> + Send;
        /// Appends several events in order, in one transaction (one `NOTIFY`, with the last id).
        fn append_events(
            &self,
            events: &[backline_domain::events::NewEvent],
        ) -> impl Future<Output = StoreResult<Vec<backline_domain::events::Event>>> + Send;
        /// Events with an id above `after`, in id order, at most `limit`.
        fn events_after(
            &self,
            after: backline_domain::events::EventId,
            limit: i64,
        ) -> impl Future<Output = StoreResult<Vec<backline_domain::events::Event>>> + Send;
        /// The highest id the log has given out and still holds or has pruned (0 when none).
        fn last_event_id(
            &self,
        ) -> impl Future<Output = StoreResult<backline_domain::events::EventId>> + Send;
        /// Deletes the events that happened before `cutoff` (and every older id); how many.
        fn prune_events(&self, cutoff: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send;
        /// The highest id pruned so far (0 when none): resuming after an older id would miss
        /// events.
        fn events_pruned_through(
            &self,
        ) -> impl Future<Output = StoreResult<backline_domain::events::EventId>> + Send;
    }
}
