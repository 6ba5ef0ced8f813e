//! Bans.

use super::super::audit::record;
use super::super::{opt_ts, placeholders, ts, SqlStore};
use super::{contains_pattern, Conditions};
use crate::traits::{BanFilter, BanStore};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::ember::bans::{Ban, BanIssuer, BanScope, BanStatus};
use backline_domain::ids::{BanId, UserId};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const BAN_COLUMNS: &str =
    "id, user_id, source, account_id, scope, server_group, admin_user_id, issued_by, reason, created_at, expires_at, lifted_at";

fn ban_from_row(row: &AnyRow) -> StoreResult<Ban> {
    let scope: String = row.try_get("scope")?;
    let issued_by: String = row.try_get("issued_by")?;
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
        issued_by: BanIssuer::parse(&issued_by)
            .ok_or_else(|| StoreError::Corrupt(format!("ban issuer `{issued_by}`")))?,
        reason: row.try_get("reason")?,
        created_at: ts(row, "created_at")?,
        expires_at: opt_ts(row, "expires_at")?,
        lifted_at: opt_ts(row, "lifted_at")?,
    })
}

impl BanStore for SqlStore {
    async fn insert_ban(&self, b: &Ban, audit: Option<&AuditEntry>) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO ember_bans ({BAN_COLUMNS}) VALUES ({})",
            placeholders(1, 12)
        ))
        .bind(b.id.as_str())
        .bind(b.user_id.as_str())
        .bind(&b.source)
        .bind(&b.account_id)
        .bind(b.scope.as_str())
        .bind(b.server_group.as_deref())
        .bind(b.admin_user_id.as_ref().map(UserId::as_str))
        .bind(b.issued_by.as_str())
        .bind(&b.reason)
        .bind(b.created_at.millis())
        .bind(b.expires_at.map(Timestamp::millis))
        .bind(b.lifted_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
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

    async fn lift_bans(
        &self,
        ids: &[BanId],
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        if ids.is_empty() && audit.is_none() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        let sql = format!(
            "UPDATE ember_bans SET lifted_at = $1 WHERE lifted_at IS NULL AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut query = sqlx::query(&sql).bind(now.millis());
        for id in ids {
            query = query.bind(id.as_str());
        }
        if !ids.is_empty() {
            query.execute(&mut *tx).await?;
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_ban(&self, id: &BanId) -> StoreResult<Option<Ban>> {
        let sql = format!("SELECT {BAN_COLUMNS} FROM ember_bans WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(ban_from_row).transpose()
    }

    async fn filter_bans(
        &self,
        filter: &BanFilter,
        now: Timestamp,
        after: Option<&(Timestamp, BanId)>,
        limit: i64,
    ) -> StoreResult<Vec<Ban>> {
        let mut c = Conditions::default();
        if let Some(user) = &filter.user {
            let p = c.text(user.as_str());
            c.and(format!("user_id = {p}"));
        }
        // `Ban::status`, in SQL.
        match filter.status {
            Some(BanStatus::Active) => {
                let p = c.int(now.millis());
                c.and(format!(
                    "lifted_at IS NULL AND (expires_at IS NULL OR expires_at > {p})"
                ));
            }
            Some(BanStatus::Lifted) => c.and("lifted_at IS NOT NULL".to_owned()),
            Some(BanStatus::Expired) => {
                let p = c.int(now.millis());
                c.and(format!(
                    "lifted_at IS NULL AND expires_at IS NOT NULL AND expires_at <= {p}"
                ));
            }
            None => {}
        }
        if let Some(scope) = filter.scope {
            let p = c.text(scope.as_str());
            c.and(format!("scope = {p}"));
        }
        if let Some(reach) = &filter.reach {
            // `BanReach::covers`, in SQL.
            let mut scopes = Vec::new();
            if reach.global {
                scopes.push("scope = 'global'".to_owned());
            }
            if !reach.server_groups.is_empty() {
                let groups: Vec<String> = reach
                    .server_groups
                    .iter()
                    .map(|g| c.text(g.as_str()))
                    .collect();
                scopes.push(format!(
                    "(scope = 'server' AND server_group IN ({}))",
                    groups.join(", ")
                ));
            }
            c.and(if scopes.is_empty() {
                "1 = 0".to_owned()
            } else {
                format!("({})", scopes.join(" OR "))
            });
        }
        if let Some(reason) = &filter.reason_contains {
            let p = c.text(contains_pattern(reason));
            c.and(format!("LOWER(reason) LIKE {p} ESCAPE '\\'"));
        }
        if let Some((created_at, id)) = after {
            let t = c.int(created_at.millis());
            let i = c.text(id.as_str());
            c.and(format!(
                "(created_at < {t} OR (created_at = {t} AND id < {i}))"
            ));
        }
        let limit = c.int(limit);
        let sql = format!(
            "SELECT {BAN_COLUMNS} FROM ember_bans{} ORDER BY created_at DESC, id DESC LIMIT {limit}",
            c.where_clause()
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(&self.read).await?;
        rows.iter().map(ban_from_row).collect()
    }
}
