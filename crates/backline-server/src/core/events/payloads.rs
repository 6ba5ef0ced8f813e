//! Events about game-integration and EVR entities, with the small payloads the stream shows
//! (ids and states; never an action's text, a token or a secret).

use super::super::Core;
use backline_domain::ember::actions::Execution;
use backline_domain::ember::bans::Ban;
use backline_domain::events::EventKind;
use backline_domain::evr::records::EvrMatch;
use backline_domain::ids::{ExecutionId, ServerId};
use backline_store::Store;
use serde_json::json;

/// Longest error text an `execution.failed` event carries.
const ERROR_CHARS: usize = 200;

impl<S: Store> Core<S> {
    /// `ban.created` or `ban.lifted` for `ban`.
    pub async fn publish_ban(&self, kind: EventKind, ban: &Ban) {
        let payload = json!({
            "id": ban.id,
            "user_id": ban.user_id,
            "source": ban.source,
            "account_id": ban.account_id,
            "scope": ban.scope.as_str(),
            "server_group": ban.server_group,
            "expires_at": ban.expires_at.map(|t| t.to_rfc3339()),
        });
        self.publish_now(kind, payload).await;
    }

    /// `execution.queued` or `execution.delivered` for `execution`.
    pub async fn publish_execution(&self, kind: EventKind, execution: &Execution) {
        self.publish_executions(kind, std::slice::from_ref(execution))
            .await;
    }

    /// `execution.queued` or `execution.delivered` for each of `executions`, appended
    /// together.
    pub async fn publish_executions(&self, kind: EventKind, executions: &[Execution]) {
        let events = executions
            .iter()
            .map(|execution| self.event_now(kind, execution_payload(execution)))
            .collect();
        self.publish_all(events).await;
    }

    /// `execution.finished`, or `execution.failed` with the server's error (shortened).
    pub async fn publish_execution_done(
        &self,
        server: &ServerId,
        id: ExecutionId,
        error: Option<&str>,
    ) {
        let kind = if error.is_some() {
            EventKind::ExecutionFailed
        } else {
            EventKind::ExecutionFinished
        };
        let error: Option<String> = error.map(|e| e.chars().take(ERROR_CHARS).collect());
        let payload = json!({"id": id.0, "server_id": server, "error": error});
        self.publish_now(kind, payload).await;
    }

    /// An `evr.match.*` event for `m` as it is now.
    pub async fn publish_evr_match(&self, kind: EventKind, m: &EvrMatch) {
        let prep = m.preparation.as_ref();
        let payload = json!({
            "match_id": m.id,
            "sid": m.broadcaster_id,
            "phase": m.phase,
            "mode": prep.map(|p| p.mode.clone()),
            "level": prep.map(|p| p.level.clone()),
            "players": m.players.len(),
        });
        self.publish_now(kind, payload).await;
    }
}

fn execution_payload(execution: &Execution) -> serde_json::Value {
    json!({
        "id": execution.id.0,
        "server_id": execution.server_id,
        "type": execution.kind.as_str(),
        "player": execution.player,
        "attempts": execution.attempts,
        "rerun_of": execution.rerun_of.map(|id| id.0),
        "enforces_ban": execution.enforces_ban,
    })
}
