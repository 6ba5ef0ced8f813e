//! Roles and who holds them.

use super::super::audit::record;
use super::super::{conflict, placeholders, ts, SqlStore};
use super::{json, to_json};
use crate::traits::{RoleStore, UserRoles};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::roles::{Role, RoleHolder};
use backline_domain::ids::{RoleId, UserId};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

fn role_from_row(row: &AnyRow) -> StoreResult<Role> {
    Ok(Role {
        id: RoleId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        ingame: row.try_get("ingame")?,
        position: row.try_get("position")?,
        server_groups: json(row, "server_groups")?,
    })
}

impl RoleStore for SqlStore {
    async fn insert_role(&self, role: &Role, audit: Option<&AuditEntry>) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("INSERT INTO ember_roles (id, name, ingame, position, server_groups) VALUES ($1, $2, $3, $4, $5)")
            .bind(role.id.as_str())
            .bind(&role.name)
            .bind(&role.ingame)
            .bind(role.position)
            .bind(to_json(&role.server_groups))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict(e, || format!("a role named {} or playing as {} exists", role.name, role.ingame)))?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        let rows = sqlx::query("SELECT id, name, ingame, position, server_groups FROM ember_roles ORDER BY position, name")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(role_from_row).collect()
    }

    async fn grant_role(
        &self,
        user: &UserId,
        role: &RoleId,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "INSERT INTO ember_user_roles (user_id, role_id, granted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, role_id) DO UPDATE SET granted_at = excluded.granted_at, revoked_at = NULL \
             WHERE ember_user_roles.revoked_at IS NOT NULL",
        )
        .bind(user.as_str())
        .bind(role.as_str())
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_role(
        &self,
        user: &UserId,
        role: &RoleId,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE ember_user_roles SET revoked_at = $3 WHERE user_id = $1 AND role_id = $2 AND revoked_at IS NULL",
        )
        .bind(user.as_str())
        .bind(role.as_str())
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn roles_of(&self, users: &[UserId]) -> StoreResult<Vec<(UserId, UserRoles)>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT u.user_id, u.revoked_at, r.id, r.name, r.ingame, r.position, r.server_groups \
             FROM ember_user_roles u JOIN ember_roles r ON r.id = u.role_id WHERE u.user_id IN ({}) \
             ORDER BY r.position, r.name",
            placeholders(1, users.len())
        );
        let mut query = sqlx::query(&sql);
        for user in users {
            query = query.bind(user.as_str());
        }
        let rows = query.fetch_all(&self.read).await?;
        let mut out: Vec<(UserId, UserRoles)> = users
            .iter()
            .map(|u| (u.clone(), UserRoles::default()))
            .collect();
        for row in rows {
            let user = UserId::from_string(row.try_get::<String, _>("user_id")?);
            let revoked = row.try_get::<Option<i64>, _>("revoked_at")?.is_some();
            let role = role_from_row(&row)?;
            if let Some((_, roles)) = out.iter_mut().find(|(u, _)| u == &user) {
                if revoked {
                    roles.revoked.push(role)
                } else {
                    roles.held.push(role)
                }
            }
        }
        Ok(out)
    }

    async fn update_role(&self, role: &Role, audit: Option<&AuditEntry>) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE ember_roles SET name = $2, ingame = $3, position = $4, server_groups = $5 WHERE id = $1",
        )
        .bind(role.id.as_str())
        .bind(&role.name)
        .bind(&role.ingame)
        .bind(role.position)
        .bind(to_json(&role.server_groups))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            conflict(e, || {
                format!(
                    "another role is named {} or plays as {}",
                    role.name, role.ingame
                )
            })
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reorder_roles(&self, order: &[RoleId], audit: Option<&AuditEntry>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (index, id) in order.iter().enumerate() {
            let done = sqlx::query("UPDATE ember_roles SET position = $2 WHERE id = $1")
                .bind(id.as_str())
                .bind(index as i64 + 1)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn role_holders(
        &self,
        role: &RoleId,
        after: Option<&UserId>,
        limit: i64,
    ) -> StoreResult<Vec<RoleHolder>> {
        let rows = sqlx::query(
            "SELECT user_id, granted_at FROM ember_user_roles \
             WHERE role_id = $1 AND revoked_at IS NULL AND user_id > $2 ORDER BY user_id LIMIT $3",
        )
        .bind(role.as_str())
        .bind(after.map_or("", UserId::as_str))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut holders = rows
            .iter()
            .map(|row| {
                Ok(RoleHolder {
                    user_id: UserId::from_string(row.try_get::<String, _>("user_id")?),
                    accounts: Vec::new(),
                    granted_at: ts(row, "granted_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if holders.is_empty() {
            return Ok(holders);
        }
        let sql = format!(
            "SELECT user_id, source, account_id FROM external_accounts WHERE user_id IN ({}) \
             ORDER BY source, account_id",
            placeholders(1, holders.len())
        );
        let mut query = sqlx::query(&sql);
        for holder in &holders {
            query = query.bind(holder.user_id.as_str());
        }
        for row in query.fetch_all(&self.read).await? {
            let user = row.try_get::<String, _>("user_id")?;
            if let Some(holder) = holders.iter_mut().find(|h| h.user_id.as_str() == user) {
                holder.accounts.push(PlayerRef {
                    source: row.try_get("source")?,
                    account_id: row.try_get("account_id")?,
                });
            }
        }
        Ok(holders)
    }
}
