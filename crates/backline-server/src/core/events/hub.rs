//! The hub: one task per serving process that reads new events from the log in id order and
//! hands them to this process's subscribers.
//!
//! On PostgreSQL, ids are taken from the sequence when a transaction inserts and become
//! visible when it commits, so id 6 may be readable before id 5. The hub never passes over a
//! missing id at once: it waits up to `gap_settle` for it (the hole usually fills within
//! milliseconds), and only then treats it as an id that was never committed (a rolled-back
//! insert). Events are therefore handed out in id order without holes that later fill.

use super::super::{Core, CoreResult};
use backline_domain::events::EventId;
use backline_store::Store;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events read from the log per query.
const BATCH: usize = 500;

/// Settings of the hub and of the sweep.
#[derive(Clone, Debug)]
pub struct EventSettings {
    /// How long the log keeps events (resumption works within it).
    pub retention_seconds: i64,
    /// How often the hub reads the log without being notified (events appended by a process
    /// that cannot notify this one: the CLI on SQLite) and the sweep runs.
    pub interval: Duration,
    /// How long the hub waits for a missing id before passing over it.
    pub gap_settle: Duration,
}

/// A hole in the ids: the id expected next and when it was first missed.
type Gap = Option<(EventId, Instant)>;

impl<S: Store> Core<S> {
    /// Sets where the hub starts: after the last event already in the log. Call once before
    /// serving subscribers.
    pub async fn start_event_hub(&self) -> CoreResult<()> {
        let last = self.store.last_event_id().await?;
        self.events
            .fanout
            .dispatched
            .store(last.0, Ordering::Release);
        Ok(())
    }

    /// Runs the hub until `stop` resolves, then ends every subscription.
    pub async fn event_hub(
        self,
        settings: EventSettings,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let mut watch = self.events.notifier.watch();
        let mut gap: Gap = None;
        tokio::pin!(stop);
        loop {
            let wait = match gap {
                Some((_, since)) => settings
                    .gap_settle
                    .saturating_sub(since.elapsed())
                    .min(settings.interval),
                None => settings.interval,
            };
            tokio::select! {
                _ = &mut stop => break,
                changed = watch.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep(wait).await;
                    }
                }
                _ = tokio::time::sleep(wait) => {}
            }
            if let Err(e) = self
                .dispatch_new_events(settings.gap_settle, &mut gap)
                .await
            {
                tracing::warn!(error = %e, "reading new events failed; retrying");
            }
        }
        self.events.close();
    }

    /// Hands out every event after the last one handed out, in id order, stopping at a hole
    /// younger than `settle`.
    async fn dispatch_new_events(&self, settle: Duration, gap: &mut Gap) -> CoreResult<()> {
        let fanout = &self.events.fanout;
        loop {
            let mut cursor = self.events.dispatched();
            let events = self.store.events_after(cursor, BATCH as i64).await?;
            let full = events.len() == BATCH;
            for event in events {
                let expected = EventId(cursor.0 + 1);
                if event.id != expected {
                    match *gap {
                        Some((at, since)) if at == expected && since.elapsed() >= settle => {
                            tracing::debug!(missing = %expected, "passing over an event id never committed");
                        }
                        Some((at, _)) if at == expected => return Ok(()),
                        _ => {
                            *gap = Some((expected, Instant::now()));
                            return Ok(());
                        }
                    }
                }
                *gap = None;
                cursor = event.id;
                // Published before it is sent: a subscriber that reads `dispatched` after
                // subscribing either receives the event or reads it from the log.
                fanout.dispatched.store(event.id.0, Ordering::Release);
                let _ = fanout.sender.send(Arc::new(event));
            }
            if !full {
                return Ok(());
            }
        }
    }
}
