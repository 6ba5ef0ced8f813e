//! The periodic sweep: prunes the event log to its retention window and reports game servers
//! that started or stopped polling. Safe on every node at once: pruning is idempotent and
//! each polling state is flipped by a conditional update, so one node reports each change.

use super::super::{Core, CoreResult};
use super::hub::EventSettings;
use backline_domain::events::EventKind;
use backline_domain::Timestamp;
use backline_store::Store;
use serde_json::json;

impl<S: Store> Core<S> {
    /// One pass of the sweep at `now`.
    pub async fn sweep_events(&self, settings: &EventSettings, now: Timestamp) -> CoreResult<()> {
        self.store
            .prune_events(now.plus_seconds(-settings.retention_seconds))
            .await?;
        let changes = self.store.sweep_polling(now).await?;
        let events = [
            (EventKind::ServerPollingStopped, changes.stopped),
            (EventKind::ServerPollingStarted, changes.started),
        ]
        .into_iter()
        .flat_map(|(kind, servers)| {
            servers.into_iter().map(move |server| {
                self.event_now(
                    kind,
                    json!({
                        "server_id": server.id,
                        "name": server.name,
                        "poll_interval_seconds": server.poll_interval_seconds,
                        "last_poll_at": server.last_poll_at.map(Timestamp::to_rfc3339),
                    }),
                )
            })
        })
        .collect();
        self.publish_all(events).await;
        Ok(())
    }

    /// Runs the sweep every `settings.interval` until `stop` resolves; failures are logged
    /// and the next pass tries again.
    pub async fn event_sweep(
        self,
        settings: EventSettings,
        stop: impl std::future::Future<Output = ()>,
    ) {
        crate::core::periodic::every(settings.interval, stop, || async {
            if let Err(e) = self.sweep_events(&settings, self.now()).await {
                tracing::warn!(error = %e, "event sweep failed; retrying next tick");
            }
        })
        .await;
    }
}
