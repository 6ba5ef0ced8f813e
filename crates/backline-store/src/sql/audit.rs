//! The audit log of operators' changes.
//!
//! A change an operator makes is recorded by the store method that makes it, in the same
//! transaction ([`record`]): the change and its entry are both stored or neither is.

use super::{ts, SqlStore};
use crate::traits::{AuditFilter, AuditStore};
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

const INSERT: &str = "INSERT INTO audit_log (at, actor, actor_id, action, entity_type, \
                      entity_id, source) VALUES ($1, $2, $3, $4, $5, $6, $7)";

fn insert(entry: &AuditEntry) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(INSERT)
        .bind(entry.at.millis())
        .bind(&entry.actor)
        .bind(entry.actor_id.as_deref())
        .bind(&entry.action)
        .bind(&entry.entity_type)
        .bind(entry.entity_id.as_deref())
        .bind(&entry.source)
}

/// Records `entry`, when there is one, on `conn`: the transaction of the change it is about.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    entry: Option<&AuditEntry>,
) -> StoreResult<()> {
    if let Some(entry) = entry {
        insert(entry).execute(conn).await?;
    }
    Ok(())
}

fn entry_from_row(row: &AnyRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: ts(row, "at")?,
        actor: row.try_get("actor")?,
        actor_id: row.try_get("actor_id")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        source: row.try_get("source")?,
    })
}

impl AuditStore for SqlStore {
    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        insert(entry).execute(&self.write).await?;
        Ok(())
    }

    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let mut clauses = Vec::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        for (column, value) in [
            ("actor", &filter.actor),
            ("entity_type", &filter.entity_type),
            ("entity_id", &filter.entity_id),
            ("action", &filter.action),
        ] {
            if let Some(value) = value {
                texts.push(value);
                clauses.push(format!("{column} = ${}", texts.len()));
            }
        }
        for (clause, value) in [
            ("at >= ", filter.since.map(|t| t.millis())),
            ("at < ", filter.until.map(|t| t.millis())),
            ("seq < ", filter.before_seq),
        ] {
            if let Some(value) = value {
                numbers.push(value);
                clauses.push(format!("{clause}${}", texts.len() + numbers.len()));
            }
        }
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT seq, at, actor, actor_id, action, entity_type, entity_id, source \
             FROM audit_log {filter_sql} ORDER BY seq DESC LIMIT ${}",
            texts.len() + numbers.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for text in texts {
            query = query.bind(text);
        }
        for number in numbers {
            query = query.bind(number);
        }
        let rows = query.bind(filter.limit).fetch_all(&self.read).await?;
        rows.iter().map(entry_from_row).collect()
    }
}
