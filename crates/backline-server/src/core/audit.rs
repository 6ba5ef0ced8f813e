//! The audit log: every write through the admin API and the CLI, without secrets.

use super::{Core, CoreError, CoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::Timestamp;
use backline_store::{AuditFilter, AuditStore};

/// The most entries one page holds.
pub const MAX_AUDIT_PAGE: i64 = 500;

/// A write to record: who, what, which entity, from where (the time is taken now).
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub actor: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub source: String,
}

impl AuditRecord {
    /// A write made through the CLI.
    pub fn cli(action: &str, entity_type: &str, entity_id: Option<String>) -> Self {
        Self {
            actor: "cli".to_owned(),
            actor_id: None,
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id,
            source: "cli".to_owned(),
        }
    }
}

/// One page of the audit log, newest first; `next_cursor` fetches the following one.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<i64>,
}

impl Core {
    pub async fn record_audit(&self, record: AuditRecord) -> CoreResult<()> {
        let entry = AuditEntry {
            seq: 0,
            at: Timestamp::now(),
            actor: record.actor,
            actor_id: record.actor_id,
            action: record.action,
            entity_type: record.entity_type,
            entity_id: record.entity_id,
            source: record.source,
        };
        Ok(self.store.insert_audit(&entry).await?)
    }

    /// A page of the audit log; `filter.limit` must be 1 to [`MAX_AUDIT_PAGE`].
    pub async fn list_audit(&self, filter: &AuditFilter) -> CoreResult<AuditPage> {
        if !(1..=MAX_AUDIT_PAGE).contains(&filter.limit) {
            return Err(CoreError::invalid(
                "limit",
                format!("must be 1 to {MAX_AUDIT_PAGE}"),
            ));
        }
        let entries = self.store.list_audit(filter).await?;
        let next_cursor = if entries.len() as i64 == filter.limit {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(AuditPage {
            entries,
            next_cursor,
        })
    }
}
