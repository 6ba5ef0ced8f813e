//! `backline audit export`: the audit log written out as JSON lines or CSV, e.g. before the
//! retention pass prunes it (`[retention] audit`). The log is read page by page (newest
//! first, [`PAGE`] entries at a time) and each page written before the next is read, so an
//! export of millions of entries holds one page in memory.

use super::output::grant;
use crate::core::access::View;
use crate::core::page::{PageRequest, MAX_PAGE};
use crate::core::Core;
use backline_domain::admin::AuditEntry;
use backline_domain::Timestamp;
use backline_store::AuditFilter;
use clap::ValueEnum;
use std::io::Write;
use std::path::Path;

/// Entries read per page.
const PAGE: i64 = MAX_PAGE;

/// The columns of a CSV export, in order (the fields of a JSON line are the same).
pub const CSV_HEADER: [&str; 8] = [
    "seq",
    "at",
    "actor",
    "actor_id",
    "action",
    "entity_type",
    "entity_id",
    "source",
];

/// The format of an export.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line, as `audit list --json` shows an entry.
    Jsonl,
    /// RFC 4180 CSV with a header row; empty fields for absent values.
    Csv,
}

/// `--before`: an RFC 3339 time, or a date (midnight UTC).
pub fn parse_before(text: &str) -> anyhow::Result<Timestamp> {
    let text = text.trim();
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    Timestamp::parse_rfc3339(&full).map_err(|e| {
        anyhow::anyhow!("--before {text:?}: {e}; give a date (2026-01-31) or an RFC 3339 time")
    })
}

/// Writes entries in one format, a page at a time.
enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Jsonl(W),
}

impl<W: Write> Sink<W> {
    fn new(format: ExportFormat, out: W) -> anyhow::Result<Self> {
        Ok(match format {
            ExportFormat::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(CSV_HEADER)?;
                Self::Csv(Box::new(csv))
            }
            ExportFormat::Jsonl => Self::Jsonl(out),
        })
    }

    fn write(&mut self, entries: &[AuditEntry]) -> anyhow::Result<()> {
        for e in entries {
            match self {
                Self::Csv(csv) => csv.write_record([
                    e.seq.to_string().as_str(),
                    &e.at.to_rfc3339(),
                    &e.actor,
                    e.actor_id.as_deref().unwrap_or(""),
                    &e.action,
                    &e.entity_type,
                    e.entity_id.as_deref().unwrap_or(""),
                    &e.source,
                ])?,
                Self::Jsonl(out) => {
                    serde_json::to_writer(&mut *out, e)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Self::Csv(mut csv) => csv.flush()?,
            Self::Jsonl(mut out) => out.flush()?,
        }
        Ok(())
    }
}

/// Writes `entries` in `format` to `out` (a whole export's worth; [`export`] pages).
pub fn write_entries(
    format: ExportFormat,
    entries: &[AuditEntry],
    out: impl Write,
) -> anyhow::Result<()> {
    let mut sink = Sink::new(format, out)?;
    sink.write(entries)?;
    sink.finish()
}

/// Exports the entries written before `before` (all when `None`) to `to` (stdout when
/// `None`); answers how many.
pub async fn export(
    core: &Core,
    format: ExportFormat,
    before: Option<&str>,
    to: Option<&Path>,
) -> anyhow::Result<u64> {
    let until = before.map(parse_before).transpose()?;
    let out: Box<dyn Write> = match to {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("--to {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut sink = Sink::new(format, out)?;
    let grant = grant::<View>("audit export")?;
    let mut cursor = None;
    let mut written = 0;
    loop {
        let filter = AuditFilter {
            until,
            ..AuditFilter::default()
        };
        let page = core
            .list_audit(&grant, filter, &PageRequest::new(Some(PAGE), cursor)?)
            .await?;
        sink.write(&page.items)?;
        written += page.items.len() as u64;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    sink.finish()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str, entity_id: Option<&str>) -> AuditEntry {
        AuditEntry {
            seq,
            at: Timestamp::from_millis(1_767_225_600_000 + seq * 1000),
            actor: "ops, \"night\"".into(),
            actor_id: None,
            action: action.into(),
            entity_type: "bans".into(),
            entity_id: entity_id.map(str::to_owned),
            source: "127.0.0.1".into(),
        }
    }

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks() {
        let mut out = Vec::new();
        let entries = [
            entry(2, "ban create", Some("b-1")),
            entry(1, "note\nwith a line", None),
        ];
        write_entries(ExportFormat::Csv, &entries, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "seq,at,actor,actor_id,action,entity_type,entity_id,source\n\
             2,2026-01-01T00:00:02Z,\"ops, \"\"night\"\"\",,ban create,bans,b-1,127.0.0.1\n\
             1,2026-01-01T00:00:01Z,\"ops, \"\"night\"\"\",,\"note\nwith a line\",bans,,127.0.0.1\n"
        );
    }

    #[test]
    fn json_lines_are_one_entry_each() {
        let mut out = Vec::new();
        write_entries(
            ExportFormat::Jsonl,
            &[entry(1, "ban create", None)],
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        let value: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(value["seq"], 1);
        assert_eq!(value["actor"], "ops, \"night\"");
        assert_eq!(value["at"], "2026-01-01T00:00:01Z");
    }

    #[test]
    fn before_takes_a_date_or_a_time() {
        assert_eq!(
            parse_before("2026-01-01").unwrap(),
            Timestamp::from_millis(1_767_225_600_000)
        );
        assert_eq!(
            parse_before("2026-01-01T00:00:01Z").unwrap(),
            Timestamp::from_millis(1_767_225_601_000)
        );
        assert!(parse_before("yesterday").is_err());
    }
}
