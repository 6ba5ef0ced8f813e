//! How the processes sharing a store learn that the event log grew.

use backline_domain::events::EventId;
use backline_store::EventListener;
use std::fmt;
use std::time::Duration;
use tokio::sync::watch;

/// Tells this process's hub that the log may hold new events. The SQLite and PostgreSQL
/// variants are interchangeable: the core only calls [`EventNotifier::appended`] after each
/// append and the hub only watches [`EventNotifier::watch`].
pub trait EventNotifier: Send + Sync + fmt::Debug + 'static {
    /// Called by the publisher after it appended event `id` to the log.
    fn appended(&self, id: EventId);
    /// Changes whenever the log may have grown: appended here or (with a shared database)
    /// by another process.
    fn watch(&self) -> watch::Receiver<EventId>;
}

/// Notifications within this process (a tokio watch channel of the last id).
#[derive(Debug)]
pub struct LocalNotifier {
    last: watch::Sender<EventId>,
}

impl Default for LocalNotifier {
    fn default() -> Self {
        Self {
            last: watch::Sender::new(EventId(0)),
        }
    }
}

impl EventNotifier for LocalNotifier {
    fn appended(&self, id: EventId) {
        // Always wake: another process's id may be lower than one seen earlier.
        self.last.send_modify(|last| *last = (*last).max(id));
    }

    fn watch(&self) -> watch::Receiver<EventId> {
        self.last.subscribe()
    }
}

/// Local notifications plus PostgreSQL's `LISTEN` on the events channel, so events appended
/// on other nodes (or by the CLI) wake this node's hub at once. The listening task ends when
/// the notifier is dropped.
pub struct PostgresNotifier {
    local: std::sync::Arc<LocalNotifier>,
    listening: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for PostgresNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresNotifier").finish_non_exhaustive()
    }
}

impl PostgresNotifier {
    /// Starts listening on the database at `url` (reconnecting with a pause when the
    /// connection fails; the hub's periodic reads cover what is announced meanwhile).
    pub fn start(url: String) -> Self {
        let local = std::sync::Arc::new(LocalNotifier::default());
        let wake = local.clone();
        let listening = tokio::spawn(async move {
            loop {
                match EventListener::connect(&url).await {
                    Ok(mut listener) => loop {
                        match listener.recv().await {
                            Ok(Some(id)) => wake.appended(id),
                            // Reconnected: announcements may have been lost; re-read.
                            Ok(None) => wake.appended(EventId(0)),
                            Err(e) => {
                                tracing::warn!(error = %e, "listening for events failed; reconnecting");
                                break;
                            }
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for events; retrying");
                    }
                }
                wake.appended(EventId(0));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Self { local, listening }
    }
}

impl Drop for PostgresNotifier {
    fn drop(&mut self) {
        self.listening.abort();
    }
}

impl EventNotifier for PostgresNotifier {
    fn appended(&self, id: EventId) {
        self.local.appended(id);
    }

    fn watch(&self) -> watch::Receiver<EventId> {
        self.local.watch()
    }
}
