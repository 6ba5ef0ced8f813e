//! Queueing actions for servers, finishing and re-running executions.

use super::super::page::{key_cursor, Page, PageRequest};
use super::super::{Core, CoreError, CoreResult};
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::audit::Audited;
use crate::core::Entity;
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::{
    ActionKind, Execution, ExecutionOrder, ExecutionStatus, PlayerRef,
};
use backline_domain::ember::games::CommandError;
use backline_domain::ember::servers::GameServer;
use backline_domain::events::EventKind;
use backline_domain::ids::{ActionId, ExecutionId, ServerId};
use backline_store::Store;
use backline_store::{ExecutionFilter, ExecutionKey, NewExecution, StoreError};
use serde::Serialize;
use serde_json::{json, Value};

/// An action as queued: its id and one execution per target server.
#[derive(Clone, Debug, Serialize)]
pub struct QueuedAction {
    pub id: Option<ActionId>,
    pub executions: Vec<Execution>,
}

impl From<Vec<Execution>> for QueuedAction {
    fn from(executions: Vec<Execution>) -> Self {
        Self {
            id: executions.first().and_then(|e| e.action_id.clone()),
            executions,
        }
    }
}

/// An operator's kick of a player.
#[derive(Clone, Debug)]
pub struct Kick {
    pub player: PlayerRef,
    pub reason: String,
    /// Only this server; `None`: every server where the player is connected now.
    pub server: Option<ServerId>,
}

/// Which servers an action goes to.
#[derive(Clone, Debug)]
pub enum Target {
    Server(String),
    Group(String),
    All,
}

impl<S: Store> Core<S> {
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
            return Err(CoreError::none_found(Entity::ServerForTarget));
        }
        Ok(chosen)
    }

    /// Queues a `command` or `code` action (one execution per target server), audited as the
    /// action.
    pub async fn queue_action(
        &self,
        grant: &Grant<Administer>,
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
            crate::core::ember::players::player(&player.source, &player.account_id)?;
        }
        let servers: Vec<ServerId> = self
            .targets(target)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let action = ActionId::generate();
        let audit = grant.audit(self.now(), Audited::Actions, Some(action.to_string()));
        self.queue_new(
            &servers,
            &NewExecution {
                kind,
                payload: &payload,
                player: player.as_ref(),
                require_online,
                rerun_of: None,
                enforces_ban: false,
                action: Some(&action),
            },
            Some(&audit),
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
                action: None,
            },
            None,
        )
        .await
    }

    /// Queues one execution per server, with the operator's `audit` entry (when an operator
    /// queued them) in the same transaction.
    pub(super) async fn queue_new(
        &self,
        servers: &[ServerId],
        new: &NewExecution<'_>,
        audit: Option<&AuditEntry>,
    ) -> CoreResult<Vec<Execution>> {
        if servers.is_empty() {
            return Ok(Vec::new());
        }
        let queued = self
            .store
            .queue_executions(servers, new, self.now(), audit)
            .await?;
        self.publish_executions(EventKind::ExecutionQueued, &queued)
            .await;
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
            .finish_execution(&server.id, ExecutionId(id), error, self.now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(Entity::Execution, id),
                other => other.into(),
            })?;
        self.publish_execution_done(&server.id, ExecutionId(id), error)
            .await;
        Ok(())
    }

    /// Queues a finished or failed execution again, as a new execution (which the audit entry
    /// names).
    pub async fn rerun_execution(&self, grant: &Grant<Moderate>, id: i64) -> CoreResult<Execution> {
        let old = self
            .store
            .get_execution(ExecutionId(id))
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Execution, id))?;
        if !old.status.is_done() {
            return Err(CoreError::ExecutionNotDone {
                id,
                status: old.status.as_str(),
            });
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
                    action: None,
                },
                // The store names the new execution, which it numbers.
                Some(&grant.audit(self.now(), Audited::Executions, None)),
            )
            .await?;
        queued
            .pop()
            .ok_or_else(|| CoreError::Internal("no execution queued".into()))
    }

    /// The latest executions, newest first (at most `limit`, 1 to 1000).
    pub async fn list_executions(
        &self,
        _: &Grant<View>,
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

    /// Executions matching `filter` in its order, in pages.
    pub async fn list_executions_page(
        &self,
        _: &Grant<View>,
        filter: &ExecutionFilter,
        request: &PageRequest,
    ) -> CoreResult<Page<Execution>> {
        let after = match (&request.cursor, filter.order) {
            (None, _) => None,
            (Some(_), ExecutionOrder::Newest) => request.integer_cursor()?.map(|id| ExecutionKey {
                failed: false,
                id: ExecutionId(id),
            }),
            (Some(_), ExecutionOrder::FailedFirst) => {
                let refused = || CoreError::invalid("cursor", "not a cursor Backline handed out");
                let key = request.key_cursor(2)?.ok_or_else(refused)?;
                let id = key[1].parse::<i64>().map_err(|_| refused())?;
                let failed = match key[0].as_str() {
                    "failed" => true,
                    "other" => false,
                    _ => return Err(refused()),
                };
                Some(ExecutionKey {
                    failed,
                    id: ExecutionId(id),
                })
            }
        };
        let executions = self
            .store
            .filter_executions(filter, after, request.fetch())
            .await?;
        let order = filter.order;
        Ok(request.page(executions, move |e| match order {
            ExecutionOrder::Newest => e.id.to_string(),
            ExecutionOrder::FailedFirst => {
                let group = if e.status == ExecutionStatus::Failed {
                    "failed"
                } else {
                    "other"
                };
                key_cursor(&[group, &e.id.to_string()])
            }
        }))
    }

    /// An execution, by id.
    pub async fn get_execution(&self, _: &Grant<View>, id: ExecutionId) -> CoreResult<Execution> {
        self.store
            .get_execution(id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Execution, id))
    }

    /// Queues the game's `kick` command for a player on the servers where the player is
    /// connected now (or on the one named), delivered only while the player is there. Audited
    /// as the action, with its first execution.
    pub async fn kick_player(
        &self,
        grant: &Grant<Moderate>,
        kick: &Kick,
    ) -> CoreResult<QueuedAction> {
        let player =
            crate::core::ember::players::player(&kick.player.source, &kick.player.account_id)?;
        let account_id = player
            .id()
            .map_err(|e| CoreError::invalid("account_id", e.to_string()))?;
        let reason = kick.reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(CoreError::invalid("reason", "must be 1 to 1000 characters"));
        }
        let servers = match &kick.server {
            Some(id) => vec![self.get_server(id.as_str()).await?],
            None => self.servers_with(&player).await?,
        };
        if servers.is_empty() {
            return Err(CoreError::not_found(
                Entity::ServerOfPlayer,
                format!("{}:{}", player.source, player.account_id),
            ));
        }
        let mut executions = Vec::new();
        for server in servers {
            let no_kick = || {
                CoreError::invalid(
                    "server",
                    format!(
                        "the game {} of server {} has no kick command",
                        server.game, server.id
                    ),
                )
            };
            let game = self.settings.ember.games.get(&server.game);
            let command = game
                .ok_or_else(no_kick)?
                .command("kick", &account_id, reason)
                .map_err(|e| match e {
                    CommandError::NoTemplate(_) => no_kick(),
                    unsafe_value => CoreError::invalid("account_id", unsafe_value.to_string()),
                })?;
            executions.push((server.id, command));
        }
        // One action: the same id on every server's execution.
        let action = ActionId::generate();
        let mut audit = Some(grant.audit(self.now(), Audited::Actions, Some(action.to_string())));
        let mut queued = Vec::with_capacity(executions.len());
        for (server, command) in executions {
            queued.extend(
                self.queue_new(
                    std::slice::from_ref(&server),
                    &NewExecution {
                        kind: ActionKind::Command,
                        payload: &json!({"command": command}),
                        player: Some(&player),
                        require_online: true,
                        rerun_of: None,
                        enforces_ban: false,
                        action: Some(&action),
                    },
                    audit.take().as_ref(),
                )
                .await?,
            );
        }
        Ok(QueuedAction {
            id: Some(action),
            executions: queued,
        })
    }
}
