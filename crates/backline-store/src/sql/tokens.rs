//! API tokens of client programs.

use super::audit::record;
use super::{opt_ts, revoke_row, time_page, ts, SqlStore, TimeOrder};
use crate::traits::{ApiTokenStore, Seek, TimeKey};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::ids::ApiTokenId;
use backline_domain::secret::SecretHash;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const TOKEN_COLUMNS: &str = "id, kind, name, prefix, created_at, revoked_at";

fn token_from_row(row: &AnyRow) -> StoreResult<ApiToken> {
    let kind: String = row.try_get("kind")?;
    Ok(ApiToken {
        id: ApiTokenId::from_string(row.try_get::<String, _>("id")?),
        kind: ApiTokenKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown API token kind `{kind}`")))?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: ts(row, "created_at")?,
        revoked_at: opt_ts(row, "revoked_at")?,
    })
}

impl ApiTokenStore for SqlStore {
    async fn insert_api_token(
        &self,
        token: &ApiToken,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, kind, name, token_hash, prefix, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.id.as_str())
        .bind(token.kind.as_str())
        .bind(&token.name)
        .bind(hash.as_str())
        .bind(&token.prefix)
        .bind(token.created_at.millis())
        .bind(token.revoked_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_active_api_token(
        &self,
        kind: ApiTokenKind,
        hash: &SecretHash,
    ) -> StoreResult<Option<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens \
             WHERE token_hash = $1 AND kind = $2 AND revoked_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(hash.as_str())
            .bind(kind.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn list_api_tokens(&self, seek: &Seek<TimeKey>) -> StoreResult<Vec<ApiToken>> {
        let rows = time_page(
            &self.read,
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens"),
            ("created_at", "id"),
            TimeOrder::OldestFirst,
            seek,
        )
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_api_token(
        &self,
        id: &ApiTokenId,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<ApiToken> {
        let mut tx = self.begin_write().await?;
        // Unknown: the transaction is dropped (rolled back) and nothing is recorded.
        let row = revoke_row(
            &mut *tx,
            ("api_tokens", TOKEN_COLUMNS),
            ("id", id.as_str()),
            now,
        )
        .await?;
        let token = token_from_row(&row)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(token)
    }
}
