//! Executions: queued by operators and bans, leased by polls, finished by plugins.

use super::super::audit::record;
use super::super::{opt_ts, ts, Backend, SqlStore};
use super::Conditions;
use crate::traits::{ExecutionFilter, ExecutionKey, ExecutionStore, NewExecution};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::{
    ActionKind, Execution, ExecutionOrder, ExecutionStatus, PlayerRef,
};
use backline_domain::ids::{ActionId, ExecutionId, ServerId};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

pub(super) const EXECUTION_COLUMNS: &str =
    "id, server_id, kind, payload, player_source, player_account_id, \
    require_online, status, attempts, lease_until, error, rerun_of, created_at, finished_at, \
    enforces_ban, action_id";

pub(super) fn execution_from_row(row: &AnyRow) -> StoreResult<Execution> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let source: Option<String> = row.try_get("player_source")?;
    let account: Option<String> = row.try_get("player_account_id")?;
    Ok(Execution {
        id: ExecutionId(row.try_get("id")?),
        action_id: row
            .try_get::<Option<String>, _>("action_id")?
            .map(ActionId::from_string),
        server_id: ServerId::from_string(row.try_get::<String, _>("server_id")?),
        kind: ActionKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("action kind `{kind}`")))?,
        payload: super::json(row, "payload")?,
        player: source
            .zip(account)
            .map(|(source, account_id)| PlayerRef { source, account_id }),
        require_online: row.try_get::<i64, _>("require_online")? != 0,
        status: ExecutionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status `{status}`")))?,
        attempts: row.try_get("attempts")?,
        lease_until: opt_ts(row, "lease_until")?,
        error: row.try_get("error")?,
        rerun_of: row.try_get::<Option<i64>, _>("rerun_of")?.map(ExecutionId),
        enforces_ban: row.try_get::<i64, _>("enforces_ban")? != 0,
        created_at: ts(row, "created_at")?,
        finished_at: opt_ts(row, "finished_at")?,
    })
}

/// Whether a kick a ban queued for the same player is still pending (queued or leased) on
/// `server`: a ban's kick is queued once per server and player while one is pending, however
/// many bans ask for it. PostgreSQL first locks the server's row (`FOR NO KEY UPDATE`, which
/// executions inserted meanwhile, taking only a key-share lock for their foreign key, do not
/// wait for), so two bans queueing at once see each other's kick (SQLite's write transaction
/// is already the only one).
async fn ban_kick_pending(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    server: &ServerId,
    new: &NewExecution<'_>,
) -> StoreResult<bool> {
    let Some(player) = new.player else {
        return Ok(false);
    };
    if backend == Backend::Postgres {
        sqlx::query("SELECT 1 FROM ember_servers WHERE id = $1 FOR NO KEY UPDATE")
            .bind(server.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    }
    let pending = sqlx::query(
        "SELECT 1 FROM ember_executions WHERE server_id = $1 AND status IN ('queued', 'leased') \
         AND enforces_ban = 1 AND player_source = $2 AND player_account_id = $3 LIMIT 1",
    )
    .bind(server.as_str())
    .bind(player.source.as_str())
    .bind(player.account_id.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(pending.is_some())
}

impl ExecutionStore for SqlStore {
    async fn queue_executions(
        &self,
        servers: &[ServerId],
        new: &NewExecution<'_>,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<Vec<Execution>> {
        let mut tx = self.begin_write().await?;
        let payload = super::to_json(new.payload);
        // One action, whatever number of servers it goes to.
        let action = new.action.cloned().unwrap_or_else(ActionId::generate);
        let mut queued = Vec::with_capacity(servers.len());
        for server in servers {
            if new.enforces_ban && ban_kick_pending(&mut tx, self.backend, server, new).await? {
                continue;
            }
            let row = sqlx::query(&format!(
                "INSERT INTO ember_executions (server_id, kind, payload, player_source, player_account_id, \
                 require_online, status, attempts, rerun_of, created_at, enforces_ban, action_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $8, $9, $10) RETURNING {EXECUTION_COLUMNS}"
            ))
            .bind(server.as_str())
            .bind(new.kind.as_str())
            .bind(&payload)
            .bind(new.player.map(|p| p.source.as_str()))
            .bind(new.player.map(|p| p.account_id.as_str()))
            .bind(new.require_online as i64)
            .bind(new.rerun_of.map(|id| id.0))
            .bind(now.millis())
            .bind(new.enforces_ban as i64)
            .bind(action.as_str())
            .fetch_one(&mut *tx)
            .await?;
            queued.push(execution_from_row(&row)?);
        }
        // A re-run's entry names its new execution, numbered by the insert above.
        let named = audit.map(|entry| AuditEntry {
            entity_id: entry
                .entity_id
                .clone()
                .or_else(|| queued.first().map(|e| e.id.to_string())),
            ..entry.clone()
        });
        record(&mut tx, named.as_ref()).await?;
        tx.commit().await?;
        Ok(queued)
    }

    async fn finish_execution(
        &self,
        server: &ServerId,
        id: ExecutionId,
        error: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE ember_executions SET status = CASE WHEN $3 IS NULL THEN 'finished' ELSE 'failed' END, \
             error = $3, finished_at = $4, lease_until = NULL \
             WHERE id = $1 AND server_id = $2 AND status NOT IN ('finished', 'failed')",
        )
        .bind(id.0)
        .bind(server.as_str())
        .bind(error)
        .bind(now.millis())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists = sqlx::query("SELECT 1 FROM ember_executions WHERE id = $1 AND server_id = $2")
            .bind(id.0)
            .bind(server.as_str())
            .fetch_optional(&self.read)
            .await?;
        exists.map(|_| ()).ok_or(StoreError::NotFound)
    }

    async fn get_execution(&self, id: ExecutionId) -> StoreResult<Option<Execution>> {
        let sql = format!("SELECT {EXECUTION_COLUMNS} FROM ember_executions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(execution_from_row).transpose()
    }

    async fn list_executions(
        &self,
        server: Option<&ServerId>,
        status: Option<ExecutionStatus>,
        limit: i64,
    ) -> StoreResult<Vec<Execution>> {
        let sql = format!(
            "SELECT {EXECUTION_COLUMNS} FROM ember_executions WHERE ($1 IS NULL OR server_id = $1) \
             AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(server.map(ServerId::as_str))
            .bind(status.map(ExecutionStatus::as_str))
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(execution_from_row).collect()
    }

    async fn filter_executions(
        &self,
        filter: &ExecutionFilter,
        after: Option<ExecutionKey>,
        limit: i64,
    ) -> StoreResult<Vec<Execution>> {
        let mut c = Conditions::default();
        if let Some(server) = &filter.server {
            let p = c.text(server.as_str());
            c.and(format!("server_id = {p}"));
        }
        if let Some(status) = filter.status {
            let p = c.text(status.as_str());
            c.and(format!("status = {p}"));
        }
        if let Some(kind) = filter.kind {
            let p = c.text(kind.as_str());
            c.and(format!("kind = {p}"));
        }
        if let Some(action) = &filter.action {
            let p = c.text(action.as_str());
            c.and(format!("action_id = {p}"));
        }
        let rank = "(CASE WHEN status = 'failed' THEN 0 ELSE 1 END)";
        let order = match filter.order {
            ExecutionOrder::Newest => "id DESC".to_owned(),
            ExecutionOrder::FailedFirst => format!("{rank}, id DESC"),
        };
        if let Some(key) = after {
            let id = c.int(key.id.0);
            let condition = match filter.order {
                ExecutionOrder::Newest => format!("id < {id}"),
                ExecutionOrder::FailedFirst => {
                    let r = c.int(if key.failed { 0 } else { 1 });
                    format!("({rank} > {r} OR ({rank} = {r} AND id < {id}))")
                }
            };
            c.and(condition);
        }
        let limit = c.int(limit);
        let sql = format!(
            "SELECT {EXECUTION_COLUMNS} FROM ember_executions{} ORDER BY {order} LIMIT {limit}",
            c.where_clause()
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.read).await?;
        rows.iter().map(execution_from_row).collect()
    }
}
