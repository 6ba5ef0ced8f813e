//! Operators' named admin tokens.
//!
//! An operator's change is recorded in the audit log in the transaction of the change
//! ([`record`]).

use super::audit::record;
use super::{opt_ts, time_page, ts, SqlStore, TimeOrder};
use crate::traits::{AdminTokenRef, AdminTokenStore, Seek, TimeKey};
use crate::{StoreError, StoreResult};
use backline_domain::admin::{AdminRole, AdminToken, AuditEntry};
use backline_domain::ids::AdminTokenId;
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const COLUMNS: &str = "id, name, role, prefix, created_at, revoked_at";

fn token_from_row(row: &AnyRow) -> StoreResult<AdminToken> {
    let role: String = row.try_get("role")?;
    Ok(AdminToken {
        id: AdminTokenId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        role: AdminRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown admin role `{role}`")))?,
        prefix: row.try_get("prefix")?,
        created_at: ts(row, "created_at")?,
        revoked_at: opt_ts(row, "revoked_at")?,
    })
}

impl AdminTokenStore for SqlStore {
    async fn insert_admin_token_if_absent(
        &self,
        token: &AdminToken,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO admin_tokens (id, name, role, token_hash, prefix, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING",
        )
        .bind(token.id.as_str())
        .bind(&token.name)
        .bind(token.role.as_str())
        .bind(hash.as_str())
        .bind(&token.prefix)
        .bind(token.created_at.millis())
        .bind(token.revoked_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await?;
        let stored = done.rows_affected() == 1;
        if stored {
            record(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn find_active_admin_token(&self, hash: &SecretHash) -> StoreResult<Option<AdminToken>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(hash.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn find_admin_token(&self, token: &AdminTokenRef) -> StoreResult<Option<AdminToken>> {
        let (column, value) = by(token);
        let sql = format!("SELECT {COLUMNS} FROM admin_tokens WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn list_admin_tokens(&self, seek: &Seek<TimeKey>) -> StoreResult<Vec<AdminToken>> {
        let rows = time_page(
            &self.read,
            &format!("SELECT {COLUMNS} FROM admin_tokens"),
            ("created_at", "id"),
            TimeOrder::OldestFirst,
            seek,
        )
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_admin_token(
        &self,
        token: &AdminTokenRef,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<AdminToken> {
        let (column, value) = by(token);
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE {column} = $1 \
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(value)
            .bind(now.millis())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let revoked = token_from_row(&row)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn replace_admin_token_secret(
        &self,
        name: &str,
        hash: &SecretHash,
        prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<AdminToken> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE admin_tokens SET token_hash = $2, prefix = $3, revoked_at = NULL \
             WHERE name = $1 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(name)
            .bind(hash.as_str())
            .bind(prefix)
            .fetch_optional(&mut *tx)
            .await?;
        let replaced = row
            .as_ref()
            .map(token_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(replaced)
    }
}

/// The column and value naming `token`.
fn by(token: &AdminTokenRef) -> (&'static str, &str) {
    match token {
        AdminTokenRef::Id(id) => ("id", id.as_str()),
        AdminTokenRef::Name(name) => ("name", name.as_str()),
    }
}
