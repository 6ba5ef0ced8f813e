//! The live event stream: use cases publish events, subscribers (`GET /events`, the console)
//! watch them.
//!
//! Producing an event appends it to the stored log (its id comes from the log's sequence)
//! and then notifies ([`EventNotifier`]): in-process on SQLite, and on PostgreSQL also with
//! `NOTIFY`, so every node learns of every node's events. Each serving process runs one hub
//! ([`hub`]) that reads new rows from the log in id order and fans them out to its
//! subscribers; a subscriber resuming after an id reads what it missed from the log first
//! ([`subscription`]). The log keeps events for a retention window ([`sweep`] prunes it).

pub mod hub;
pub mod notifier;
pub mod payloads;
pub mod publish;
pub mod subscription;
pub mod sweep;

pub use notifier::{EventNotifier, LocalNotifier, PostgresNotifier};
pub use subscription::Subscribed;

use backline_domain::events::{Event, EventId};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// How many events a slow subscriber may fall behind the hub before it re-reads the log.
const FANOUT_CAPACITY: usize = 1024;

/// The event machinery of one process, shared by every clone of the core.
#[derive(Clone, Debug)]
pub struct Events {
    notifier: Arc<dyn EventNotifier>,
    fanout: Arc<Fanout>,
    appends: Arc<publish::Appends>,
}

/// What the hub hands to this process's subscribers.
#[derive(Debug)]
struct Fanout {
    sender: broadcast::Sender<Arc<Event>>,
    /// The highest id the hub has handed out: subscribers read older events from the log.
    dispatched: AtomicI64,
    /// Open subscriptions, for the metrics.
    subscribers: AtomicI64,
    /// Becomes true when the process stops serving: every subscription ends.
    closed: watch::Sender<bool>,
}

impl Events {
    /// Events announced through `notifier`.
    pub fn new(notifier: Arc<dyn EventNotifier>) -> Self {
        let (sender, _) = broadcast::channel(FANOUT_CAPACITY);
        Self {
            notifier,
            fanout: Arc::new(Fanout {
                sender,
                dispatched: AtomicI64::new(0),
                subscribers: AtomicI64::new(0),
                closed: watch::Sender::new(false),
            }),
            appends: Arc::default(),
        }
    }

    /// Events announced within this process only (SQLite, the CLI).
    pub fn local() -> Self {
        Self::new(Arc::new(LocalNotifier::default()))
    }

    /// Open subscriptions in this process.
    pub fn subscribers(&self) -> i64 {
        self.fanout.subscribers.load(Ordering::Relaxed)
    }

    /// Ends every subscription (the process is shutting down).
    pub fn close(&self) {
        self.fanout.closed.send_replace(true);
    }

    fn dispatched(&self) -> EventId {
        EventId(self.fanout.dispatched.load(Ordering::Acquire))
    }
}
