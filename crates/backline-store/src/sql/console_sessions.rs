//! Web console sessions: only hashes are stored, the session id lives in the operator's
//! cookie and the admin token in the operator's hands.

use super::SqlStore;
use crate::traits::ConsoleSessionStore;
use crate::StoreResult;
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use sqlx::Row;

impl ConsoleSessionStore for SqlStore {
    async fn insert_console_session(
        &self,
        id: &SecretHash,
        admin_token: &SecretHash,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, admin_token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id.as_str())
        .bind(admin_token.as_str())
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn find_console_session(
        &self,
        id: &SecretHash,
        now: Timestamp,
    ) -> StoreResult<Option<SecretHash>> {
        let row = sqlx::query(
            "SELECT admin_token_hash FROM console_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id.as_str())
        .bind(now.millis())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok(SecretHash::from_stored(r.try_get("admin_token_hash")?)))
            .transpose()
    }

    async fn delete_console_session(&self, id: &SecretHash) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(id.as_str())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_expired_console_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
