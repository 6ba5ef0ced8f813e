//! `backline audit list` (and `export`, in `audit_export.rs`).
//!
//! Every CLI write is recorded by the use case it calls, with the actor `cli` and the source
//! `cli`, its action named after the command (`org create`, the words each command gives its
//! grant: `output::grant`) and the id of the entity it changed. Secrets given as arguments
//! (an access key to revoke, a password) are never recorded.

use super::output::{emit, grant, or_dash};
use super::*;
use crate::core::access::View;
use crate::core::page::PageRequest;
use crate::core::Core;
use backline_domain::Timestamp;
use backline_store::AuditFilter;

pub async fn audit(core: &Core, command: AuditCommand, json: bool) -> anyhow::Result<()> {
    match command {
        AuditCommand::List(list) => list_entries(core, list, json).await,
        AuditCommand::Export { format, before, to } => {
            let written =
                super::audit_export::export(core, format, before.as_deref(), to.as_deref()).await?;
            if let Some(to) = to {
                eprintln!("{written} audit entries written to {}", to.display());
            }
            Ok(())
        }
    }
}

async fn list_entries(core: &Core, list: AuditListArgs, json: bool) -> anyhow::Result<()> {
    let AuditListArgs {
        actor,
        entity_type,
        entity_id,
        action,
        since,
        until,
        cursor,
        limit,
    } = list;
    let time = |t: Option<String>| -> anyhow::Result<Option<Timestamp>> {
        Ok(t.as_deref().map(Timestamp::parse_rfc3339).transpose()?)
    };
    let filter = AuditFilter {
        actor,
        entity_type,
        entity_id,
        action,
        since: time(since)?,
        until: time(until)?,
        ..AuditFilter::default()
    };
    let page = core
        .list_audit(
            &grant::<View>("audit list")?,
            filter,
            &PageRequest::new(Some(limit), cursor)?,
        )
        .await?;
    emit(json, &page, || {
        let mut lines: Vec<String> = page
            .items
            .iter()
            .map(|e| {
                format!(
                    "{}  {}  {}  {}  {}  {}",
                    e.at,
                    e.actor,
                    e.source,
                    e.action,
                    e.entity_type,
                    or_dash(e.entity_id.as_deref())
                )
            })
            .collect();
        if let Some(cursor) = &page.next_cursor {
            lines.push(format!("more: --cursor {cursor}"));
        }
        lines.join("\n")
    });
    Ok(())
}
