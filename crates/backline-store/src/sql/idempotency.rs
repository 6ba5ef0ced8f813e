//! Idempotency keys of admin API writes: a claim is an insert that only one request can win
//! (the key's row is its primary key), so two processes on one PostgreSQL never both run a
//! request for the same key.

use super::SqlStore;
use crate::traits::{IdempotencyClaim, IdempotencyStore, StoredAnswer};
use crate::StoreResult;
use backline_domain::Timestamp;
use sqlx::Row;

impl IdempotencyStore for SqlStore {
    async fn claim_idempotency_key(
        &self,
        id: &str,
        fingerprint: &str,
        now: Timestamp,
        abandoned_before: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<IdempotencyClaim> {
        // A key released between the insert and the read below is free again: claim anew.
        let row = loop {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE id = $1 \
                 AND (expires_at <= $2 OR (status IS NULL AND started_at < $3))",
            )
            .bind(id)
            .bind(now.millis())
            .bind(abandoned_before.millis())
            .execute(&self.write)
            .await?;
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (id, fingerprint, started_at, expires_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(fingerprint)
            .bind(now.millis())
            .bind(expires_at.millis())
            .execute(&self.write)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            // Read from the writer: the row was just seen there, a replica may lag.
            let row = sqlx::query(
                "SELECT fingerprint, status, content_type, sealed_body FROM idempotency_keys \
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&self.write)
            .await?;
            if let Some(row) = row {
                break row;
            }
        };
        let status: Option<i64> = row.try_get("status")?;
        let answer = match status {
            Some(status) => Some(StoredAnswer {
                status: u16::try_from(status).unwrap_or(500),
                content_type: row
                    .try_get::<Option<String>, _>("content_type")?
                    .unwrap_or_default(),
                sealed_body: row
                    .try_get::<Option<String>, _>("sealed_body")?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        Ok(IdempotencyClaim::Taken {
            fingerprint: row.try_get("fingerprint")?,
            answer,
        })
    }

    async fn answer_idempotency_key(&self, id: &str, answer: &StoredAnswer) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $2, content_type = $3, sealed_body = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(i64::from(answer.status))
        .bind(&answer.content_type)
        .bind(&answer.sealed_body)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn release_idempotency_key(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE id = $1 AND status IS NULL")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_expired_idempotency_keys(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
