//! The periodic sweep: prunes the event log to its retention window and reports game servers
//! that started or stopped polling. Safe on every node at once: pruning is idempotent and
//! each polling state is flipped by a conditional update, so one node reports each change.

use super::super::{Core, CoreResult};
use super::hub::EventSettings;
use backline_domain::events::EventKind;
use backline_domain::ids::ServerId;
use backline_domain::Timestamp;
use backline_store::{EventStore, GameServerStore, PollingStateStore};
use serde_json::json;

impl Core {
    /// One pass of the sweep at `now`.
    pub async fn sweep_events(&self, settings: &EventSettings, now: Timestamp) -> CoreResult<()> {
        self.store
            .prune_events(now.plus_seconds(-settings.retention_seconds))
            .await?;
        let changes = self.store.sweep_polling(now).await?;
        for (kind, servers) in [
            (EventKind::ServerPollingStopped, changes.stopped),
            (EventKind::ServerPollingStarted, changes.started),
        ] {
            for id in servers {
                self.publish_now(kind, self.polling_payload(&id).await?)
                    .await;
            }
        }
        Ok(())
    }

    async fn polling_payload(&self, id: &ServerId) -> CoreResult<serde_json::Value> {
        let server = self.store.get_server(id).await?;
        Ok(json!({
            "server_id": id,
            "name": server.as_ref().map(|s| s.name.clone()),
            "poll_interval_seconds": server.as_ref().map(|s| s.poll_interval_seconds),
            "last_poll_at": server.and_then(|s| s.last_poll_at).map(Timestamp::to_rfc3339),
        }))
    }

    /// Runs the sweep every `settings.interval` until `stop` resolves; failures are logged
    /// and the next pass tries again.
    pub async fn event_sweep(
        self,
        settings: EventSettings,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let mut ticker = tokio::time::interval(settings.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = ticker.tick() => {
                    if let Err(e) = self.sweep_events(&settings, Timestamp::now()).await {
                        tracing::warn!(error = %e, "event sweep failed; retrying next tick");
                    }
                }
            }
        }
    }
}
