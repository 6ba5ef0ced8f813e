//! The polling state of game servers, flipped by the sweep that reports servers starting and
//! stopping to poll.

use crate::sql::{opt_ts, SqlStore};
use crate::traits::{PolledServer, PollingChanges, PollingStateStore};
use crate::StoreResult;
use backline_domain::ids::ServerId;
use backline_domain::Timestamp;
use sqlx::Row;

/// A server stops counting as polling after this many poll intervals without a poll.
const SILENT_INTERVALS: i64 = 3;

impl PollingStateStore for SqlStore {
    async fn sweep_polling(&self, now: Timestamp) -> StoreResult<PollingChanges> {
        // Each statement re-checks the state it flips, so concurrent sweeps flip a row once.
        let flip = |to: i64, condition: &str| {
            format!(
                "UPDATE ember_servers SET polling = {to} WHERE polling = {from} AND {condition} \
                 RETURNING id, name, poll_interval_seconds, last_poll_at",
                from = 1 - to
            )
        };
        let window = format!("$1 - {} * poll_interval_seconds", SILENT_INTERVALS * 1000);
        let stopped = flip(
            0,
            &format!("(last_poll_at IS NULL OR last_poll_at < {window})"),
        );
        let started = flip(1, &format!("last_poll_at >= {window}"));
        let mut changes = PollingChanges::default();
        for (sql, into) in [
            (stopped, &mut changes.stopped),
            (started, &mut changes.started),
        ] {
            let rows = sqlx::query(&sql)
                .bind(now.millis())
                .fetch_all(&self.write)
                .await?;
            for row in rows {
                into.push(PolledServer {
                    id: ServerId::from_string(row.try_get::<String, _>("id")?),
                    name: row.try_get("name")?,
                    poll_interval_seconds: row.try_get("poll_interval_seconds")?,
                    last_poll_at: opt_ts(&row, "last_poll_at")?,
                });
            }
        }
        Ok(changes)
    }
}
