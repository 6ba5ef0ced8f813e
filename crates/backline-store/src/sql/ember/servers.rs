//! Game servers, and which of them a player is on. The poll is in `poll.rs`.

use super::super::audit::record;
use super::super::{opt_ts, placeholders, ts, Backend, SqlStore};
use super::{contains_pattern, json, to_json, Conditions};
use crate::traits::{GameServerStore, PollLease, PresenceState, ServerFilter};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::servers::{
    GameServer, LastError, RoleSync, ServerOverview, STOPPED_AFTER_INTERVALS,
};
use backline_domain::ids::{ExecutionId, ServerId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const SERVER_COLUMNS: &str = "id, name, game, address, server_groups, poll_interval_seconds, enforced_ban_scopes, \
    default_ban_group, role_sync_send, role_sync_receive, ban_log, settings_version, created_at, last_poll_at, \
    may_lift_operator_bans";

fn server_from_row(row: &AnyRow) -> StoreResult<GameServer> {
    Ok(GameServer {
        id: ServerId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        game: row.try_get("game")?,
        address: row.try_get("address")?,
        groups: json(row, "server_groups")?,
        poll_interval_seconds: row.try_get("poll_interval_seconds")?,
        enforced_ban_scopes: json(row, "enforced_ban_scopes")?,
        default_ban_group: row.try_get("default_ban_group")?,
        role_sync: RoleSync {
            send: row.try_get::<i64, _>("role_sync_send")? != 0,
            receive: row.try_get::<i64, _>("role_sync_receive")? != 0,
        },
        ban_log: row.try_get::<i64, _>("ban_log")? != 0,
        may_lift_operator_bans: row.try_get::<i64, _>("may_lift_operator_bans")? != 0,
        settings_version: row.try_get("settings_version")?,
        created_at: ts(row, "created_at")?,
        last_poll_at: opt_ts(row, "last_poll_at")?,
    })
}

/// `filter` as conditions on the server `s` (`now` decides whether it polls).
fn server_conditions(
    backend: Backend,
    filter: &ServerFilter,
    now: Timestamp,
    after: Option<&(Timestamp, ServerId)>,
) -> Conditions {
    let mut c = Conditions::default();
    if let Some(id) = &filter.id {
        let p = c.text(id.as_str());
        c.and(format!("s.id = {p}"));
    }
    if let Some(game) = &filter.game {
        let p = c.text(game.as_str());
        c.and(format!("s.game = {p}"));
    }
    if let Some(group) = &filter.group {
        // The groups are a JSON array of strings: an element is its quoted JSON text.
        let p = c.text(to_json(group));
        c.and(match backend {
            Backend::Sqlite => format!("instr(s.server_groups, {p}) > 0"),
            Backend::Postgres => format!("strpos(s.server_groups, {p}) > 0"),
        });
    }
    if let Some(name) = &filter.name_contains {
        let p = c.text(contains_pattern(name));
        c.and(format!("LOWER(s.name) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(polling) = filter.polling {
        // `GameServer::is_polling`, in SQL.
        let p = c.int(now.millis());
        let polls = format!(
            "(s.last_poll_at IS NOT NULL AND s.last_poll_at >= {p} - {} * s.poll_interval_seconds)",
            STOPPED_AFTER_INTERVALS * 1000
        );
        c.and(if polling {
            polls
        } else {
            format!("NOT {polls}")
        });
    }
    if let Some((created_at, id)) = after {
        let t = c.int(created_at.millis());
        let i = c.text(id.as_str());
        c.and(format!(
            "(s.created_at > {t} OR (s.created_at = {t} AND s.id > {i}))"
        ));
    }
    c
}

/// The server overview statement: servers (`where_clause` on `s`) with their queue depth,
/// leased executions and latest failure, `limit` at most.
fn overview_sql(where_clause: &str, limit: &str) -> String {
    let columns: Vec<String> = SERVER_COLUMNS
        .split(',')
        .map(|c| format!("s.{}", c.trim()))
        .collect();
    // Unfinished executions are counted through the partial index of pending ones, the last
    // failure found through the one of failed ones: however long the queue of finished
    // executions, a server costs two index ranges and one index probe.
    format!(
        "SELECT {}, \
         (SELECT COUNT(*) FROM ember_executions q WHERE q.server_id = s.id \
          AND q.status IN ('queued', 'leased')) AS queue_depth, \
         (SELECT COUNT(*) FROM ember_executions q WHERE q.server_id = s.id \
          AND q.status IN ('queued', 'leased') AND q.status = 'leased') AS leased, \
         f.id AS failed_id, f.error AS failed_error, f.finished_at AS failed_at \
         FROM ember_servers s LEFT JOIN ember_executions f ON f.id = \
         (SELECT MAX(x.id) FROM ember_executions x WHERE x.server_id = s.id AND x.status = 'failed') \
         {where_clause} ORDER BY s.created_at, s.id LIMIT {limit}",
        columns.join(", ")
    )
}

impl GameServerStore for SqlStore {
    async fn insert_server(
        &self,
        s: &GameServer,
        token: &SecretHash,
        token_prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO ember_servers ({SERVER_COLUMNS}, token_hash, token_prefix) VALUES ({})",
            placeholders(1, 17)
        ))
        .bind(s.id.as_str())
        .bind(&s.name)
        .bind(&s.game)
        .bind(s.address.as_deref())
        .bind(to_json(&s.groups))
        .bind(s.poll_interval_seconds)
        .bind(to_json(&s.enforced_ban_scopes))
        .bind(s.default_ban_group.as_deref())
        .bind(s.role_sync.send as i64)
        .bind(s.role_sync.receive as i64)
        .bind(s.ban_log as i64)
        .bind(s.settings_version)
        .bind(s.created_at.millis())
        .bind(s.last_poll_at.map(Timestamp::millis))
        .bind(s.may_lift_operator_bans as i64)
        .bind(token.as_str())
        .bind(token_prefix)
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn server_by_token(&self, token: &SecretHash) -> StoreResult<Option<GameServer>> {
        let sql = format!("SELECT {SERVER_COLUMNS} FROM ember_servers WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(token.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(server_from_row).transpose()
    }

    async fn get_server(&self, id: &ServerId) -> StoreResult<Option<GameServer>> {
        let sql = format!("SELECT {SERVER_COLUMNS} FROM ember_servers WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(server_from_row).transpose()
    }

    async fn list_servers(&self) -> StoreResult<Vec<GameServer>> {
        let sql = format!("SELECT {SERVER_COLUMNS} FROM ember_servers ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter().map(server_from_row).collect()
    }

    async fn update_server(
        &self,
        s: &GameServer,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<GameServer> {
        let mut tx = self.write.begin().await?;
        let sql = format!(
            "UPDATE ember_servers SET name = $2, game = $3, address = $4, server_groups = $5, \
             poll_interval_seconds = $6, enforced_ban_scopes = $7, default_ban_group = $8, role_sync_send = $9, \
             role_sync_receive = $10, ban_log = $11, may_lift_operator_bans = $12, \
             settings_version = settings_version + 1 \
             WHERE id = $1 RETURNING {SERVER_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(s.id.as_str())
            .bind(&s.name)
            .bind(&s.game)
            .bind(s.address.as_deref())
            .bind(to_json(&s.groups))
            .bind(s.poll_interval_seconds)
            .bind(to_json(&s.enforced_ban_scopes))
            .bind(s.default_ban_group.as_deref())
            .bind(s.role_sync.send as i64)
            .bind(s.role_sync.receive as i64)
            .bind(s.ban_log as i64)
            .bind(s.may_lift_operator_bans as i64)
            .fetch_optional(&mut *tx)
            .await?;
        let server = row
            .as_ref()
            .map(server_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(server)
    }

    async fn set_server_token(
        &self,
        id: &ServerId,
        token: &SecretHash,
        token_prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE ember_servers SET token_hash = $2, token_prefix = $3 WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(token.as_str())
        .bind(token_prefix)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn poll(
        &self,
        game_server: &GameServer,
        players: &[(PresenceState, PlayerRef)],
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<PollLease> {
        super::poll::poll(self, game_server, players, now, lease_until, limit).await
    }

    async fn mark_settings_delivered(&self, id: &ServerId, version: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE ember_servers SET settings_delivered = $2 WHERE id = $1 AND settings_delivered < $2",
        )
        .bind(id.as_str())
        .bind(version)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn server_overviews(
        &self,
        filter: &ServerFilter,
        now: Timestamp,
        after: Option<&(Timestamp, ServerId)>,
        limit: i64,
    ) -> StoreResult<Vec<ServerOverview>> {
        let mut c = server_conditions(self.backend, filter, now, after);
        let limit = c.int(limit);
        let sql = overview_sql(&c.where_clause(), &limit);
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.read).await?;
        rows.iter()
            .map(|row| {
                let server = server_from_row(row)?;
                let last_error = match row.try_get::<Option<i64>, _>("failed_id")? {
                    Some(id) => Some(LastError {
                        execution_id: ExecutionId(id),
                        error: row
                            .try_get::<Option<String>, _>("failed_error")?
                            .unwrap_or_default(),
                        at: opt_ts(row, "failed_at")?.unwrap_or(server.created_at),
                    }),
                    None => None,
                };
                Ok(ServerOverview {
                    polling: server.is_polling(now),
                    queue_depth: row.try_get("queue_depth")?,
                    leased: row.try_get("leased")?,
                    last_error,
                    server,
                })
            })
            .collect()
    }

    async fn servers_with_player(&self, player: &PlayerRef) -> StoreResult<Vec<ServerId>> {
        let rows = sqlx::query("SELECT server_id FROM ember_presence WHERE source = $1 AND account_id = $2 ORDER BY server_id")
            .bind(&player.source)
            .bind(&player.account_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok(ServerId::from_string(r.try_get::<String, _>("server_id")?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;

    /// The overview reads executions only through the partial indexes of pending and of
    /// failed executions (and the primary key), never by scanning them (SQLite's plan).
    #[tokio::test]
    async fn the_server_overview_reads_executions_through_partial_indexes_on_sqlite() {
        let db = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
        let store = db.store().await;
        let sql = format!("EXPLAIN QUERY PLAN {}", overview_sql("", "$1"));
        let plan: Vec<String> = sqlx::query(&sql)
            .bind(10i64)
            .fetch_all(&store.read)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String, _>("detail").unwrap())
            .collect();
        for index in ["ember_executions_pending", "ember_executions_failed"] {
            assert!(plan.iter().any(|d| d.contains(index)), "{index}: {plan:?}");
        }
        assert!(
            !plan
                .iter()
                .any(|d| d.starts_with("SCAN") && !d.starts_with("SCAN s")),
            "{plan:?}"
        );
        store.close().await;
        db.drop_database().await;
    }
}
