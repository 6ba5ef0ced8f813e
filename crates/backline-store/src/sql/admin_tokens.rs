//! Operators' named admin tokens.

use super::{opt_ts, revoke_row, time_page, ts, SqlStore, TimeOrder};
use crate::traits::{AdminTokenRef, AdminTokenStore, Seek, TimeKey};
use crate::{StoreError, StoreResult};
use backline_domain::admin::{AdminRole, AdminToken};
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
    ) -> StoreResult<bool> {
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
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
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
    ) -> StoreResult<AdminToken> {
        let (column, value) = match token {
            AdminTokenRef::Id(id) => ("id", id.as_str()),
            AdminTokenRef::Name(name) => ("name", name.as_str()),
        };
        let row = revoke_row(&self.write, ("admin_tokens", COLUMNS), (column, value), now).await?;
        token_from_row(&row)
    }

    async fn replace_admin_token_secret(
        &self,
        name: &str,
        hash: &SecretHash,
        prefix: &str,
    ) -> StoreResult<AdminToken> {
        let sql = format!(
            "UPDATE admin_tokens SET token_hash = $2, prefix = $3, revoked_at = NULL \
             WHERE name = $1 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(name)
            .bind(hash.as_str())
            .bind(prefix)
            .fetch_optional(&self.write)
            .await?;
        row.as_ref()
            .map(token_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }
}
