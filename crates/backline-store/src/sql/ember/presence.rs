//! A game server's presence: the players its last poll reported, stored as rows of
//! `ember_presence` with a digest of them on the server row, and rewritten as a diff.
//!
//! The digest lets a poll tell through a reader that the presence it reports is the one
//! stored, whichever node wrote it: the rows and the digest only change together, in one
//! transaction that holds the server row.

use crate::sql::Backend;
use crate::traits::PresenceState;
use crate::{StoreError, StoreResult};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ids::ServerId;
use backline_domain::Timestamp;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::BTreeMap;

/// Rows a statement deletes or inserts at most (two or three bound values each).
const CHUNK: usize = 200;

/// The presence a poll reports: each player once (the first state given wins, as the
/// insert of earlier versions kept the first), by source and account id.
pub(super) struct Reported<'a> {
    players: BTreeMap<(&'a str, &'a str), PresenceState>,
    digest: String,
}

impl<'a> Reported<'a> {
    pub(super) fn new(players: &'a [(PresenceState, PlayerRef)]) -> Self {
        let mut map = BTreeMap::new();
        for (state, player) in players {
            map.entry((player.source.as_str(), player.account_id.as_str()))
                .or_insert(*state);
        }
        // Length-prefixed parts in sorted order: two different presences never share a text.
        let mut hasher = Sha256::new();
        for ((source, account_id), state) in &map {
            for part in [*source, *account_id, state.as_str()] {
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part.as_bytes());
            }
        }
        Self {
            players: map,
            digest: hex::encode(hasher.finalize()),
        }
    }

    /// The digest stored beside these rows (SHA-256, hex).
    pub(super) fn digest(&self) -> &str {
        &self.digest
    }
}

/// Makes the stored presence of `server` the reported one, deleting, inserting or updating
/// only the rows that differ, and stores its digest; `NotFound` for an unknown server.
///
/// Runs inside the poll's write transaction. It locks the server row first (PostgreSQL;
/// SQLite's writer is alone), so two polls of one server on two nodes diff in turn, and it
/// does nothing when the stored digest became this one meanwhile.
pub(super) async fn write(
    conn: &mut AnyConnection,
    backend: Backend,
    server: &ServerId,
    reported: &Reported<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    // `NO KEY UPDATE`: presence writers of one server wait for each other, executions
    // queued meanwhile (whose foreign key takes a key-share lock on the row) do not.
    let lock = match backend {
        Backend::Postgres => " FOR NO KEY UPDATE",
        Backend::Sqlite => "",
    };
    let stored_digest: Option<String> = sqlx::query(&format!(
        "SELECT presence_digest FROM ember_servers WHERE id = $1{lock}"
    ))
    .bind(server.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?
    .try_get("presence_digest")?;
    if stored_digest.as_deref() == Some(reported.digest()) {
        return Ok(());
    }
    let rows =
        sqlx::query("SELECT source, account_id, state FROM ember_presence WHERE server_id = $1")
            .bind(server.as_str())
            .fetch_all(&mut *conn)
            .await?;
    let mut stored = BTreeMap::new();
    for row in &rows {
        let source: String = row.try_get("source")?;
        let account_id: String = row.try_get("account_id")?;
        let state: String = row.try_get("state")?;
        stored.insert((source, account_id), state);
    }
    let gone: Vec<&(String, String)> = stored
        .keys()
        .filter(|(s, a)| !reported.players.contains_key(&(s.as_str(), a.as_str())))
        .collect();
    let changed: Vec<(&(&str, &str), &PresenceState)> = reported
        .players
        .iter()
        .filter(|((s, a), state)| {
            stored
                .get(&(s.to_string(), a.to_string()))
                .map(String::as_str)
                != Some(state.as_str())
        })
        .collect();
    for chunk in gone.chunks(CHUNK) {
        let pairs: Vec<String> = (0..chunk.len())
            .map(|i| format!("(source = ${} AND account_id = ${})", 2 + 2 * i, 3 + 2 * i))
            .collect();
        let sql = format!(
            "DELETE FROM ember_presence WHERE server_id = $1 AND ({})",
            pairs.join(" OR ")
        );
        let mut query = sqlx::query(&sql).bind(server.as_str());
        for (source, account_id) in chunk {
            query = query.bind(source.as_str()).bind(account_id.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    // `seen_at` is when the player was first reported in this state.
    for chunk in changed.chunks(CHUNK) {
        let seen = 2 + chunk.len() * 3;
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 2 + i * 3;
                format!("($1, ${b}, ${}, ${}, ${seen})", b + 1, b + 2)
            })
            .collect();
        let sql = format!(
            "INSERT INTO ember_presence (server_id, source, account_id, state, seen_at) VALUES {} \
             ON CONFLICT (server_id, source, account_id) \
             DO UPDATE SET state = excluded.state, seen_at = excluded.seen_at",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(server.as_str());
        for ((source, account_id), state) in chunk {
            query = query.bind(*source).bind(*account_id).bind(state.as_str());
        }
        query.bind(now.millis()).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE ember_servers SET presence_digest = $2 WHERE id = $1")
        .bind(server.as_str())
        .bind(reported.digest())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(id: &str) -> PlayerRef {
        PlayerRef {
            source: "steam".into(),
            account_id: id.into(),
        }
    }

    #[test]
    fn the_digest_ignores_order_and_repeats_and_sees_every_state_change() {
        let c = PresenceState::Connecting;
        let d = PresenceState::Connected;
        let ab = [(c, player("a")), (d, player("b"))];
        let ba = [(d, player("b")), (c, player("a")), (d, player("a"))];
        assert_eq!(Reported::new(&ab).digest(), Reported::new(&ba).digest());
        let moved = [(d, player("a")), (d, player("b"))];
        assert_ne!(Reported::new(&ab).digest(), Reported::new(&moved).digest());
        // Parts are length-prefixed: ("ab", "c") and ("a", "bc") differ.
        let split = |source: &str, account: &str| {
            let players = [(
                d,
                PlayerRef {
                    source: source.into(),
                    account_id: account.into(),
                },
            )];
            Reported::new(&players).digest().to_owned()
        };
        assert_ne!(split("ab", "c"), split("a", "bc"));
        assert_ne!(Reported::new(&[]).digest(), Reported::new(&ab).digest());
        assert_eq!(Reported::new(&[]).digest().len(), 64);
    }
}
