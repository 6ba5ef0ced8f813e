//! Retention in SQL: one batch of old rows deleted per statement (the rows chosen by a
//! sub-select over an index, oldest first, at most the batch), the lease row of periodic
//! work, and the table sizes of `/metrics`. The same statements run on SQLite and PostgreSQL.

use super::{Backend, SqlStore};
use crate::traits::{PruneKind, RetentionStore, StorageGauges, COUNTED_TABLES};
use crate::StoreResult;
use backline_domain::Timestamp;
use sqlx::Row;

/// The delete of one batch of `kind`: `$1` the cutoff in milliseconds, `$2` the batch.
/// Each condition matches an index (`0017_retention.sql` and earlier ones).
fn prune_sql(kind: PruneKind) -> &'static str {
    match kind {
        PruneKind::Audit => {
            "DELETE FROM audit_log WHERE seq IN \
             (SELECT seq FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)"
        }
        PruneKind::Executions => {
            "DELETE FROM ember_executions WHERE id IN \
             (SELECT id FROM ember_executions \
              WHERE status IN ('finished', 'failed') AND finished_at < $1 \
              ORDER BY finished_at LIMIT $2)"
        }
        PruneKind::EvrMatches => {
            "DELETE FROM evr_matches WHERE id IN \
             (SELECT id FROM evr_matches WHERE ended_at IS NOT NULL AND ended_at < $1 \
              ORDER BY ended_at LIMIT $2)"
        }
        PruneKind::LinkTokens => {
            "DELETE FROM ember_link_tokens WHERE token_hash IN \
             (SELECT token_hash FROM ember_link_tokens WHERE expires_at < $1 \
              ORDER BY expires_at LIMIT $2)"
        }
        PruneKind::Revocations => {
            "DELETE FROM revoked_sessions WHERE token_id IN \
             (SELECT token_id FROM revoked_sessions WHERE expires_at < $1 \
              ORDER BY expires_at LIMIT $2)"
        }
        PruneKind::ConsoleSessions => {
            "DELETE FROM console_sessions WHERE id_hash IN \
             (SELECT id_hash FROM console_sessions WHERE expires_at < $1 \
              ORDER BY expires_at LIMIT $2)"
        }
        // `<=`: a key is another request's from the moment it expires (as in the claim).
        PruneKind::IdempotencyKeys => {
            "DELETE FROM idempotency_keys WHERE id IN \
             (SELECT id FROM idempotency_keys WHERE expires_at <= $1 \
              ORDER BY expires_at LIMIT $2)"
        }
    }
}

/// Takes the lease when it is free, expired or already the holder's.
const CLAIM_LEASE: &str = "INSERT INTO leases (name, holder, held_until) VALUES ($1, $2, $3) \
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until \
     WHERE leases.holder = excluded.holder OR leases.held_until <= $4";

impl RetentionStore for SqlStore {
    async fn prune(&self, kind: PruneKind, cutoff: Timestamp, limit: i64) -> StoreResult<u64> {
        Ok(sqlx::query(prune_sql(kind))
            .bind(cutoff.millis())
            .bind(limit)
            .execute(&self.write)
            .await?
            .rows_affected())
    }

    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(CLAIM_LEASE)
            .bind(name)
            .bind(holder)
            .bind(until.millis())
            .bind(now.millis())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn storage_gauges(&self) -> StoreResult<StorageGauges> {
        let mut rows = Vec::with_capacity(COUNTED_TABLES.len());
        let database_bytes: i64 = match self.backend {
            Backend::Sqlite => {
                let counts = COUNTED_TABLES
                    .iter()
                    .map(|t| format!("(SELECT COUNT(*) FROM {t}) AS {t}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let row = sqlx::query(&format!("SELECT {counts}"))
                    .fetch_one(&self.read)
                    .await?;
                for table in COUNTED_TABLES {
                    rows.push((table, row.try_get::<i64, _>(table)?));
                }
                sqlx::query(
                    "SELECT p.page_count * s.page_size AS bytes \
                     FROM pragma_page_count() AS p, pragma_page_size() AS s",
                )
                .fetch_one(&self.read)
                .await?
                .try_get("bytes")?
            }
            Backend::Postgres => {
                let names = COUNTED_TABLES
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let estimates = sqlx::query(&format!(
                    "SELECT c.relname::TEXT AS name, GREATEST(c.reltuples, 0)::BIGINT AS n \
                     FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace \
                     WHERE s.nspname = current_schema() AND c.relkind = 'r' \
                     AND c.relname IN ({names})"
                ))
                .fetch_all(&self.read)
                .await?;
                for table in COUNTED_TABLES {
                    let mut n = 0;
                    for row in &estimates {
                        if row.try_get::<String, _>("name")? == table {
                            n = row.try_get("n")?;
                        }
                    }
                    rows.push((table, n));
                }
                sqlx::query("SELECT pg_database_size(current_database())::BIGINT AS bytes")
                    .fetch_one(&self.read)
                    .await?
                    .try_get("bytes")?
            }
        };
        Ok(StorageGauges {
            rows,
            database_bytes,
        })
    }
}
