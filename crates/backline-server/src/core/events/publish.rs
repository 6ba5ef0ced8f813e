//! Producing events: append to the log, then notify.
//!
//! Appends are grouped: events published while another append is being written wait for it
//! and are then written together, in publication order, in one transaction. Under load
//! (many requests each publishing an event) this costs one commit per group instead of one
//! per event; alone, an event is written at once.

use super::super::Core;
use backline_domain::events::{EventId, EventKind, NewEvent};
use backline_store::Store;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Events waiting to be appended, and how far appending has got.
#[derive(Debug, Default)]
pub(super) struct Appends {
    /// Events not yet taken by a writer, in publication order.
    pending: Mutex<Vec<NewEvent>>,
    /// Events ever queued here (the last one's ticket).
    queued: AtomicU64,
    /// Events ever taken by a writer (tickets up to this one are done).
    taken: AtomicU64,
    /// Held by the one publisher writing a group.
    writer: tokio::sync::Mutex<()>,
}

impl<S: Store> Core<S> {
    /// Appends `event` to the log and notifies subscribers (on every node). The change the
    /// event reports has already happened, so a failure here is logged, not returned: the
    /// caller's answer must not invite a retry that repeats the change.
    pub async fn publish(&self, event: NewEvent) {
        self.publish_all(vec![event]).await;
    }

    /// Publishes several events in order (appended together; see [`Core::publish`]).
    pub async fn publish_all(&self, events: Vec<NewEvent>) {
        if events.is_empty() {
            return;
        }
        let appends = &self.events.appends;
        let ticket = {
            let mut pending = appends.pending.lock().expect("the pending events lock");
            let count = events.len() as u64;
            pending.extend(events);
            appends.queued.fetch_add(count, Ordering::AcqRel) + count
        };
        let _writing = appends.writer.lock().await;
        if appends.taken.load(Ordering::Acquire) >= ticket {
            // Written (or failed) with another publisher's group.
            return;
        }
        let group = {
            let mut pending = appends.pending.lock().expect("the pending events lock");
            let group = std::mem::take(&mut *pending);
            appends
                .taken
                .fetch_add(group.len() as u64, Ordering::AcqRel);
            group
        };
        match self.store.append_events(&group).await {
            Ok(stored) => {
                if let Some(last) = stored.last() {
                    self.events.notifier.appended(last.id);
                }
            }
            Err(e) => {
                let kinds: Vec<&str> = group.iter().map(|e| e.kind.as_str()).collect();
                tracing::error!(error = %e, ?kinds, "could not record events");
            }
        }
    }

    /// Notifies subscribers of event `id`, appended by a store write that carried it (a
    /// match snapshot and its event are committed together).
    pub(crate) fn announce(&self, id: EventId) {
        self.events.notifier.appended(id);
    }

    /// An event of no organisation happening now, by this core's clock (the sweep ages
    /// events by the same clock).
    pub fn event_now(&self, kind: EventKind, payload: Value) -> NewEvent {
        NewEvent {
            at: self.now(),
            ..NewEvent::now(kind, payload)
        }
    }

    /// Publishes an event of no organisation, happening now.
    pub async fn publish_now(&self, kind: EventKind, payload: Value) {
        self.publish(self.event_now(kind, payload)).await;
    }
}
