//! Bans.

use super::super::{opt_ts, placeholders, ts, SqlStore};
use crate::traits::BanStore;
use crate::{StoreError, StoreResult};
use backline_domain::ember::bans::{Ban, BanScope};
use backline_domain::ids::{BanId, UserId};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const BAN_COLUMNS: &str =
    "id, user_id, source, account_id, scope, server_group, admin_user_id, reason, created_at, expires_at, lifted_at";

fn ban_from_row(row: &AnyRow) -> StoreResult<Ban> {
    let scope: String = row.try_get("scope")?;
    Ok(Ban {
        id: BanId::from_string(row.try_get::<String, _>("id")?),
        user_id: UserId::from_string(row.try_get::<String, _>("user_id")?),
        source: row.try_get("source")?,
        account_id: row.try_get("account_id")?,
        scope: BanScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("ban scope `{scope}`")))?,
        server_group: row.try_get("server_group")?,
        admin_user_id: row
            .try_get::<Option<String>, _>("admin_user_id")?
            .map(UserId::from_string),
        reason: row.try_get("reason")?,
        created_at: ts(row, "created_at")?,
        expires_at: opt_ts(row, "expires_at")?,
        lifted_at: opt_ts(row, "lifted_at")?,
    })
}

impl BanStore for SqlStore {
    async fn insert_ban(&self, b: &Ban) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO ember_bans ({BAN_COLUMNS}) VALUES ({})",
            placeholders(1, 11)
        ))
        .bind(b.id.as_str())
        .bind(b.user_id.as_str())
        .bind(&b.source)
        .bind(&b.account_id)
        .bind(b.scope.as_str())
        .bind(b.server_group.as_deref())
        .bind(b.admin_user_id.as_ref().map(UserId::as_str))
        .bind(&b.reason)
        .bind(b.created_at.millis())
        .bind(b.expires_at.map(Timestamp::millis))
        .bind(b.lifted_at.map(Timestamp::millis))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn bans_of(&self, users: &[UserId]) -> StoreResult<Vec<Ban>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {BAN_COLUMNS} FROM ember_bans WHERE user_id IN ({}) ORDER BY created_at DESC, id",
            placeholders(1, users.len())
        );
        let mut query = sqlx::query(&sql);
        for user in users {
            query = query.bind(user.as_str());
        }
        let rows = query.fetch_all(&self.read).await?;
        rows.iter().map(ban_from_row).collect()
    }

    async fn lift_bans(&self, ids: &[BanId], now: Timestamp) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE ember_bans SET lifted_at = $1 WHERE lifted_at IS NULL AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut query = sqlx::query(&sql).bind(now.millis());
        for id in ids {
            query = query.bind(id.as_str());
        }
        query.execute(&self.write).await?;
        Ok(())
    }
}
