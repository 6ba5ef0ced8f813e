//! The audit log: every write through the admin API and the CLI, without secrets.

use super::page::{Page, PageRequest};
use super::{Core, CoreResult};
use backline_domain::admin::AuditEntry;
use backline_store::{AuditFilter, Store};

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

impl<S: Store> Core<S> {
    pub async fn record_audit(&self, record: AuditRecord) -> CoreResult<()> {
        let entry = AuditEntry {
            seq: 0,
            at: self.now(),
            actor: record.actor,
            actor_id: record.actor_id,
            action: record.action,
            entity_type: record.entity_type,
            entity_id: record.entity_id,
            source: record.source,
        };
        Ok(self.store.insert_audit(&entry).await?)
    }

    /// A page of the audit log, newest first, narrowed by `filter` (whose `before_seq` and
    /// `limit` are taken from `page`).
    pub async fn list_audit(
        &self,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> CoreResult<Page<AuditEntry>> {
        let filter = AuditFilter {
            before_seq: page.integer_cursor()?,
            limit: page.fetch(),
            ..filter
        };
        let rows = self.store.list_audit(&filter).await?;
        Ok(page.page(rows, |e| e.seq.to_string()))
    }
}
