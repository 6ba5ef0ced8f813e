//! Queueing actions for servers, finishing and re-running executions.

use super::super::{Core, CoreError, CoreResult};
use backline_domain::ember::actions::{ActionKind, Execution, ExecutionStatus, PlayerRef};
use backline_domain::ember::servers::GameServer;
use backline_domain::events::EventKind;
use backline_domain::ids::{ExecutionId, ServerId};
use backline_domain::Timestamp;
use backline_store::{ExecutionStore, GameServerStore, NewExecution, StoreError};
use serde_json::{json, Value};

/// Which servers an action goes to.
#[derive(Clone, Debug)]
pub enum Target {
    Server(String),
    Group(String),
    All,
}

impl Core {
    async fn targets(&self, target: &Target) -> CoreResult<Vec<GameServer>> {
        let servers = self.store.list_servers().await?;
        let chosen: Vec<GameServer> = match target {
            Target::Server(id) => vec![self.get_server(id).await?],
            Target::Group(group) => servers
                .into_iter()
                .filter(|s| s.groups.contains(group))
                .collect(),
            Target::All => servers,
        };
        if chosen.is_empty() {
            return Err(CoreError::not_found("server for this target"));
        }
        Ok(chosen)
    }

    /// Queues a `command` or `code` action (one execution per target server).
    pub async fn queue_action(
        &self,
        target: &Target,
        kind: ActionKind,
        text: &str,
        player: Option<PlayerRef>,
        require_online: bool,
    ) -> CoreResult<Vec<Execution>> {
        let payload = match kind {
            ActionKind::Command => json!({"command": text}),
            ActionKind::Code => json!({"code": text}),
            _ => {
                return Err(CoreError::invalid(
                    "type",
                    "operators queue command or code actions",
                ))
            }
        };
        if text.trim().is_empty() {
            return Err(CoreError::invalid("text", "must not be empty"));
        }
        if require_online && player.is_none() {
            return Err(CoreError::invalid(
                "online",
                "an online requirement needs a player",
            ));
        }
        if let Some(player) = &player {
            Core::player(&player.source, &player.account_id)?;
        }
        let servers: Vec<ServerId> = self
            .targets(target)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        self.queue_payload(
            &servers,
            kind,
            &payload,
            player.as_ref(),
            require_online,
            None,
        )
        .await
    }

    pub(super) async fn queue_payload(
        &self,
        servers: &[ServerId],
        kind: ActionKind,
        payload: &Value,
        player: Option<&PlayerRef>,
        require_online: bool,
        rerun_of: Option<ExecutionId>,
    ) -> CoreResult<Vec<Execution>> {
        self.queue_new(
            servers,
            &NewExecution {
                kind,
                payload,
                player,
                require_online,
                rerun_of,
                enforces_ban: false,
            },
        )
        .await
    }

    /// Queues one execution per server.
    pub(super) async fn queue_new(
        &self,
        servers: &[ServerId],
        new: &NewExecution<'_>,
    ) -> CoreResult<Vec<Execution>> {
        if servers.is_empty() {
            return Ok(Vec::new());
        }
        let queued = self
            .store
            .queue_executions(servers, new, Timestamp::now())
            .await?;
        for execution in &queued {
            self.publish_execution(EventKind::ExecutionQueued, execution)
                .await;
        }
        Ok(queued)
    }

    /// Finishes (or fails, with `error`) an execution of this server; twice is harmless.
    pub async fn finish_execution(
        &self,
        server: &GameServer,
        id: i64,
        error: Option<&str>,
    ) -> CoreResult<()> {
        let error = error.map(str::trim).filter(|e| !e.is_empty());
        self.store
            .finish_execution(&server.id, ExecutionId(id), error, Timestamp::now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(format!("execution {id}")),
                other => other.into(),
            })?;
        self.publish_execution_done(&server.id, ExecutionId(id), error)
            .await;
        Ok(())
    }

    /// Queues a finished or failed execution again, as a new execution.
    pub async fn rerun_execution(&self, id: i64) -> CoreResult<Execution> {
        let old = self
            .store
            .get_execution(ExecutionId(id))
            .await?
            .ok_or_else(|| CoreError::not_found(format!("execution {id}")))?;
        if !old.status.is_done() {
            return Err(CoreError::Precondition(format!(
                "execution {id} is still {}",
                old.status.as_str()
            )));
        }
        let mut queued = self
            .queue_new(
                std::slice::from_ref(&old.server_id),
                &NewExecution {
                    kind: old.kind,
                    payload: &old.payload,
                    player: old.player.as_ref(),
                    require_online: old.require_online,
                    rerun_of: Some(old.id),
                    enforces_ban: old.enforces_ban,
                },
            )
            .await?;
        queued
            .pop()
            .ok_or_else(|| CoreError::Internal("no execution queued".into()))
    }

    pub async fn list_executions(
        &self,
        server: Option<&str>,
        status: Option<ExecutionStatus>,
        limit: i64,
    ) -> CoreResult<Vec<Execution>> {
        let server = server.map(ServerId::from_string);
        Ok(self
            .store
            .list_executions(server.as_ref(), status, limit.clamp(1, 1000))
            .await?)
    }

    /// Servers whose last poll reported the player.
    pub(super) async fn servers_with(&self, player: &PlayerRef) -> CoreResult<Vec<GameServer>> {
        let ids = self.store.servers_with_player(player).await?;
        let mut servers = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(server) = self.store.get_server(&id).await? {
                servers.push(server);
            }
        }
        Ok(servers)
    }
}
