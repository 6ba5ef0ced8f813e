//! Organisations' access keys.

use super::audit::record;
use super::{after_ascending, opt_ts, revoke_row, seek_binds, ts, SqlStore};
use crate::traits::{AccessKeyRef, AccessKeyStore, Seek, TimeKey};
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use backline_domain::ids::{AccessKeyId, OrgId};
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const KEY_COLUMNS: &str = "id, org_id, prefix, created_at, expires_at, revoked_at";

fn key_from_row(row: &AnyRow) -> StoreResult<AccessKey> {
    Ok(AccessKey {
        id: AccessKeyId::from_string(row.try_get::<String, _>("id")?),
        org_id: OrgId::from_string(row.try_get::<String, _>("org_id")?),
        prefix: row.try_get("prefix")?,
        created_at: ts(row, "created_at")?,
        expires_at: opt_ts(row, "expires_at")?,
        revoked_at: opt_ts(row, "revoked_at")?,
    })
}

impl AccessKeyStore for SqlStore {
    async fn insert_access_key(
        &self,
        key: &AccessKey,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO access_keys (id, org_id, key_hash, prefix, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id.as_str())
        .bind(key.org_id.as_str())
        .bind(hash.as_str())
        .bind(&key.prefix)
        .bind(key.created_at.millis())
        .bind(key.expires_at.map(Timestamp::millis))
        .bind(key.revoked_at.map(Timestamp::millis))
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_access_key(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<(AccessKey, Organisation)>> {
        let row = sqlx::query(
            "SELECT k.id, k.org_id, k.prefix, k.created_at, k.expires_at, k.revoked_at, \
                    o.name, o.supporter, o.supporter_until, o.created_at AS org_created_at \
             FROM access_keys k JOIN orgs o ON o.id = k.org_id WHERE k.key_hash = $1",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let key = key_from_row(&row)?;
        let org = Organisation {
            id: key.org_id.clone(),
            name: row.try_get("name")?,
            supporter: row.try_get::<i64, _>("supporter")? != 0,
            supporter_until: opt_ts(&row, "supporter_until")?,
            created_at: ts(&row, "org_created_at")?,
        };
        Ok(Some((key, org)))
    }

    async fn list_access_keys(
        &self,
        org: Option<&OrgId>,
        seek: &Seek<TimeKey>,
    ) -> StoreResult<Vec<AccessKey>> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM access_keys WHERE ($1 IS NULL OR org_id = $1) AND {} \
             ORDER BY created_at, id LIMIT $4",
            after_ascending("created_at", "id", 2)
        );
        let (at, id) = seek_binds(seek);
        let rows = sqlx::query(&sql)
            .bind(org.map(OrgId::as_str))
            .bind(at)
            .bind(id)
            .bind(seek.limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    async fn revoke_access_key(
        &self,
        key: &AccessKeyRef,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<AccessKey> {
        let mut tx = self.begin_write().await?;
        let (column, value) = match key {
            AccessKeyRef::Id(id) => ("id", id.as_str()),
            AccessKeyRef::Hash(hash) => ("key_hash", hash.as_str()),
        };
        // No key: the transaction is dropped (rolled back) and nothing is recorded.
        let row = revoke_row(&mut *tx, ("access_keys", KEY_COLUMNS), (column, value), now).await?;
        let key = key_from_row(&row)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(key)
    }
}
