//! The live event log, and on PostgreSQL the `LISTEN` side of its notifications.
//!
//! Ids come from the log's sequence. On PostgreSQL, concurrent transactions may commit their
//! ids out of order (id 6 visible before id 5); readers of [`EventStore::events_after`] that
//! see a hole wait briefly for it to fill (see the server's event hub). The `NOTIFY` carrying
//! the id is sent in the inserting transaction, so it is delivered only once the row is
//! visible.

use super::{ts, Backend, SqlStore};
use crate::traits::EventStore;
use crate::{StoreError, StoreResult};
use backline_domain::events::{Event, EventId, NewEvent};
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The PostgreSQL channel on which new event ids are announced.
pub const EVENTS_CHANNEL: &str = "backline_events";

const COLUMNS: &str = "id, kind, at, org_id, payload";

/// Events one pruning transaction deletes at most.
pub const PRUNE_BATCH: i64 = 1000;

/// Events per INSERT statement (four parameters each, well under both databases' limits).
const ROWS_PER_INSERT: usize = 200;

fn event_from_row(row: &AnyRow) -> StoreResult<Event> {
    let payload: String = row.try_get("payload")?;
    Ok(Event {
        id: EventId(row.try_get("id")?),
        kind: row.try_get("kind")?,
        at: ts(row, "at")?,
        org_id: row.try_get("org_id")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("events.payload: {e}")))?,
    })
}

impl EventStore for SqlStore {
    async fn append_event(&self, event: &NewEvent) -> StoreResult<Event> {
        self.append_events(std::slice::from_ref(event))
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no event was appended".into()))
    }

    async fn append_events(&self, events: &[NewEvent]) -> StoreResult<Vec<Event>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let ids = insert_events(&mut tx, self.backend, events).await?;
        tx.commit().await?;
        Ok(ids
            .into_iter()
            .zip(events)
            .map(|(id, event)| Event {
                id,
                kind: event.kind.as_str().to_owned(),
                at: event.at,
                org_id: event.org_id.clone(),
                payload: event.payload.clone(),
            })
            .collect())
    }

    async fn events_after(&self, after: EventId, limit: i64) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after.0)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn last_event_id(&self) -> StoreResult<EventId> {
        let row = sqlx::query(
            "SELECT COALESCE(MAX(id), 0) AS last, \
             (SELECT through_id FROM events_pruned WHERE singleton = 1) AS pruned \
             FROM events",
        )
        .fetch_one(&self.read)
        .await?;
        let last: i64 = row.try_get("last")?;
        let pruned: i64 = row.try_get("pruned")?;
        Ok(EventId(last.max(pruned)))
    }

    async fn prune_events(&self, cutoff: Timestamp) -> StoreResult<u64> {
        // Read first: most passes find nothing and need not take the write lock.
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS through FROM events WHERE at < $1")
            .bind(cutoff.millis())
            .fetch_one(&self.read)
            .await?;
        let through: i64 = row.try_get("through")?;
        if through == 0 {
            return Ok(0);
        }
        // In batches, each its own short transaction (a long outage, or a shortened window,
        // leaves many rows to go at once).
        let mut deleted = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let upto: i64 = sqlx::query(
                "SELECT COALESCE(MAX(id), 0) AS upto FROM \
                 (SELECT id FROM events WHERE id <= $1 ORDER BY id LIMIT $2) AS batch",
            )
            .bind(through)
            .bind(PRUNE_BATCH)
            .fetch_one(&mut *tx)
            .await?
            .try_get("upto")?;
            // Nothing left (another node pruned them): still record how far the log is pruned.
            let upto = if upto == 0 { through } else { upto };
            deleted += sqlx::query("DELETE FROM events WHERE id <= $1")
                .bind(upto)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE events_pruned SET through_id = $1 WHERE singleton = 1 AND through_id < $1",
            )
            .bind(upto)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            if upto >= through {
                return Ok(deleted);
            }
        }
    }

    async fn events_pruned_through(&self) -> StoreResult<EventId> {
        let row = sqlx::query("SELECT through_id FROM events_pruned WHERE singleton = 1")
            .fetch_optional(&self.read)
            .await?;
        Ok(EventId(match row {
            Some(row) => row.try_get("through_id")?,
            None => 0,
        }))
    }
}

/// Appends `events` in order inside the caller's transaction and answers their ids in the
/// same order; on PostgreSQL also queues the `NOTIFY` of the last id, delivered at commit.
/// The one place events are inserted (the event log and the match snapshot writer).
pub(super) async fn insert_events(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    events: &[NewEvent],
) -> StoreResult<Vec<EventId>> {
    let mut ids = Vec::with_capacity(events.len());
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let rows = (0..chunk.len())
            .map(|i| format!("({})", super::placeholders(4 * i + 1, 4)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("INSERT INTO events (kind, at, org_id, payload) VALUES {rows} RETURNING id");
        let mut query = sqlx::query(&sql);
        for event in chunk {
            query = query
                .bind(event.kind.as_str())
                .bind(event.at.millis())
                .bind(event.org_id.as_deref())
                .bind(event.payload.to_string());
        }
        let mut appended = query
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| row.try_get("id").map(EventId))
            .collect::<Result<Vec<_>, _>>()?;
        // Ids are given in the order of the rows; RETURNING's order is not promised.
        appended.sort();
        ids.extend(appended);
    }
    if let (Backend::Postgres, Some(last)) = (backend, ids.last()) {
        // NOTIFY takes no bind parameters; the payload is a number.
        sqlx::query(&format!("NOTIFY {EVENTS_CHANNEL}, '{}'", last.0))
            .execute(&mut *conn)
            .await?;
    }
    Ok(ids)
}

/// A PostgreSQL connection listening on [`EVENTS_CHANNEL`].
pub struct EventListener {
    inner: sqlx::postgres::PgListener,
}

impl std::fmt::Debug for EventListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventListener").finish_non_exhaustive()
    }
}

impl EventListener {
    /// Connects to the PostgreSQL database at `url` and listens for new event ids.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let mut inner = sqlx::postgres::PgListener::connect(url).await?;
        inner.listen(EVENTS_CHANNEL).await?;
        Ok(Self { inner })
    }

    /// The next announced id. When the connection was lost, it reconnects and answers
    /// `None` first: announcements made meanwhile are lost, so the caller should read the
    /// log instead of relying on them.
    pub async fn recv(&mut self) -> StoreResult<Option<EventId>> {
        match self.inner.try_recv().await? {
            Some(notification) => Ok(Some(EventId(
                notification.payload().parse().unwrap_or_default(),
            ))),
            None => Ok(None),
        }
    }
}
