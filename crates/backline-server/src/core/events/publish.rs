//! Producing events: append to the log, then notify.

use super::super::Core;
use backline_domain::events::{EventKind, NewEvent};
use backline_store::EventStore;
use serde_json::Value;

impl Core {
    /// Appends `event` to the log and notifies subscribers (on every node). The change the
    /// event reports has already happened, so a failure here is logged, not returned: the
    /// caller's answer must not invite a retry that repeats the change.
    pub async fn publish(&self, event: NewEvent) {
        match self.store.append_event(&event).await {
            Ok(stored) => self.events.notifier.appended(stored.id),
            Err(e) => {
                tracing::error!(error = %e, kind = %event.kind, "could not record an event");
            }
        }
    }

    /// Publishes an event of no organisation, happening now.
    pub async fn publish_now(&self, kind: EventKind, payload: Value) {
        self.publish(NewEvent::now(kind, payload)).await;
    }
}
