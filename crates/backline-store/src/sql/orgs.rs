//! Organisations.

use super::audit::record;
use super::{opt_ts, time_page, ts, SqlStore, TimeOrder};
use crate::traits::{OrgStore, Seek, TimeKey};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::ids::OrgId;
use backline_domain::org::Organisation;
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

pub(super) const ORG_COLUMNS: &str = "id, name, supporter, supporter_until, created_at";

pub(super) fn org_from_row(row: &AnyRow) -> StoreResult<Organisation> {
    Ok(Organisation {
        id: OrgId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        supporter: row.try_get::<i64, _>("supporter")? != 0,
        supporter_until: opt_ts(row, "supporter_until")?,
        created_at: ts(row, "created_at")?,
    })
}

impl OrgStore for SqlStore {
    async fn insert_org(&self, org: &Organisation, audit: Option<&AuditEntry>) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO orgs (id, name, supporter, supporter_until, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(org.id.as_str())
        .bind(&org.name)
        .bind(org.supporter as i64)
        .bind(org.supporter_until.map(Timestamp::millis))
        .bind(org.created_at.millis())
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_org(&self, id: &OrgId) -> StoreResult<Option<Organisation>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn list_orgs(&self, seek: &Seek<TimeKey>) -> StoreResult<Vec<Organisation>> {
        let rows = time_page(
            &self.read,
            &format!("SELECT {ORG_COLUMNS} FROM orgs"),
            ("created_at", "id"),
            TimeOrder::OldestFirst,
            seek,
        )
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    async fn set_supporter(
        &self,
        id: &OrgId,
        supporter: bool,
        until: Option<Timestamp>,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<Organisation> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE orgs SET supporter = $2, supporter_until = $3 WHERE id = $1 \
             RETURNING {ORG_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .bind(supporter as i64)
            .bind(until.map(Timestamp::millis))
            .fetch_optional(&mut *tx)
            .await?;
        // Unknown: the transaction is dropped (rolled back) and nothing is recorded.
        let org = row
            .as_ref()
            .map(org_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(org)
    }
}
