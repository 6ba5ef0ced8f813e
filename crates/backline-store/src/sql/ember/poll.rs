//! The poll: presence, settings, the last poll time and the lease of due executions, with a
//! write only for what changed.
//!
//! One statement through the reader pool reads what the poll needs to decide: the settings
//! version the server received last, its stored last poll time and presence digest, and whether one of its
//! executions is deliverable now. Then the poll writes only what it must, each write
//! re-checking its own condition, so that polls of one server racing on several nodes agree:
//!
//! - presence, when the digest differs: the rows that changed, in a transaction holding the
//!   server row ([`super::presence::write`]);
//! - settings, when the version passed in is newer than the one delivered: a conditional
//!   update (the delivered version only grows), so one poll delivers them;
//! - the last poll time, when at least half an interval old ([`last_poll_is_stale`]);
//! - the lease, when an execution is deliverable (or presence changed, which may make one
//!   so): the same statement as always, which re-checks status, lease end, presence and bans
//!   and (PostgreSQL) skips rows another poll is leasing, so no execution goes to two polls.
//!
//! A poll that reports the presence stored and finds nothing to deliver writes nothing. One
//! write is one statement on the writer; several are one transaction.

use super::super::{Backend, SqlStore};
use super::executions::{execution_from_row, EXECUTION_COLUMNS};
use super::presence::{self, Reported};
use crate::traits::{PollLease, PresenceState};
use crate::{StoreError, StoreResult};
use backline_domain::ember::actions::{Execution, PlayerRef};
use backline_domain::ember::bans::BanReach;
use backline_domain::ember::servers::{last_poll_is_stale, GameServer};
use backline_domain::ids::ServerId;
use backline_domain::Timestamp;
use sqlx::AnyConnection;
use sqlx::Row;

/// An SQL condition on the execution `e` of the server `$1` (with `$2` the current time):
/// it is unfinished and not under a running lease, and its player is present if it must be.
/// `status IN (…)` restates the partial index's predicate so both planners use it: a poll
/// reads only this server's unfinished executions, however long the queue. The presence test
/// is a scalar subquery, not `EXISTS`: PostgreSQL turns an `EXISTS` under `OR` into a hashed
/// subplan when it expects many rows, and the lease statement's generic plan then read and
/// hashed every server's presence (40,000 rows at 2,000 servers) on each lease — 2,000 first
/// polls took longer than the bench's loop, ~700 polls/s. The scalar form is always a lookup
/// in `ember_presence_by_account`.
const DUE: &str = "e.server_id = $1 AND status IN ('queued', 'leased') \
    AND (status = 'queued' OR (status = 'leased' AND lease_until <= $2)) \
    AND (require_online = 0 OR (SELECT 1 FROM ember_presence p WHERE p.server_id = e.server_id \
     AND p.source = e.player_source AND p.account_id = e.player_account_id LIMIT 1) IS NOT NULL)";

/// The read a poll decides by: `$1` server, `$2` now, then the server groups of `reach`.
fn seen_sql(reach: &BanReach) -> String {
    let held = held_by_bans(reach, 3);
    format!(
        "SELECT settings_delivered, poll_interval_seconds, last_poll_at, \
         presence_digest, CAST(CASE WHEN EXISTS (SELECT 1 FROM ember_executions e \
         WHERE {DUE} AND NOT {held}) THEN 1 ELSE 0 END AS BIGINT) AS deliverable \
         FROM ember_servers WHERE id = $1"
    )
}

/// The poll's lease statement: `$1` server, `$2` now, `$3` lease end, `$4` batch size, then
/// the server groups of `reach`.
fn lease_sql(backend: Backend, reach: &BanReach) -> String {
    let skip_locked = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let held = held_by_bans(reach, 5);
    format!(
        "UPDATE ember_executions SET status = 'leased', lease_until = $3, attempts = attempts + 1 \
         WHERE id IN (SELECT e.id FROM ember_executions e WHERE {DUE} \
             AND NOT {held} ORDER BY e.id LIMIT $4{skip_locked}) \
         AND (status = 'queued' OR (status = 'leased' AND lease_until <= $2)) \
         RETURNING {EXECUTION_COLUMNS}"
    )
}

/// An SQL condition on the execution `e` (with `$2` the current time and the server groups
/// of `reach` bound from `$first_group` on): it is about a player with an active ban the
/// server enforces, and is not a kick a ban queued. Mirrors `Ban::is_active` and
/// `BanReach::covers`; the groups are bind parameters, never spliced into the text.
fn held_by_bans(reach: &BanReach, first_group: usize) -> String {
    let mut scopes = Vec::new();
    if reach.global {
        scopes.push("b.scope = 'global'".to_owned());
    }
    if !reach.server_groups.is_empty() {
        scopes.push(format!(
            "(b.scope = 'server' AND b.server_group IN ({}))",
            super::super::placeholders(first_group, reach.server_groups.len())
        ));
    }
    if scopes.is_empty() {
        return "(1 = 0)".to_owned();
    }
    format!(
        "(e.enforces_ban = 0 AND e.player_source IS NOT NULL AND EXISTS \
         (SELECT 1 FROM external_accounts x JOIN ember_bans b ON b.user_id = x.user_id \
          WHERE x.source = e.player_source AND x.account_id = e.player_account_id \
          AND b.lifted_at IS NULL AND (b.expires_at IS NULL OR b.expires_at > $2) AND ({})))",
        scopes.join(" OR ")
    )
}

/// What the read found.
struct Seen {
    settings_delivered: i64,
    poll_interval_seconds: i64,
    last_poll_at: Option<Timestamp>,
    presence_digest: Option<String>,
    /// An execution can be leased now, with the stored presence.
    deliverable: bool,
}

async fn seen(
    store: &SqlStore,
    server: &ServerId,
    reach: &BanReach,
    now: Timestamp,
) -> StoreResult<Seen> {
    let sql = seen_sql(reach);
    let mut query = sqlx::query(&sql).bind(server.as_str()).bind(now.millis());
    for group in &reach.server_groups {
        query = query.bind(group.as_str());
    }
    let row = query
        .fetch_optional(&store.read)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Seen {
        settings_delivered: row.try_get("settings_delivered")?,
        poll_interval_seconds: row.try_get("poll_interval_seconds")?,
        last_poll_at: super::super::opt_ts(&row, "last_poll_at")?,
        presence_digest: row.try_get("presence_digest")?,
        deliverable: row.try_get::<i64, _>("deliverable")? != 0,
    })
}

/// The writes one poll makes.
struct Writes<'a> {
    /// New presence to store.
    presence: Option<&'a Reported<'a>>,
    /// The settings version to mark delivered.
    settings: Option<i64>,
    /// Record the poll's time.
    touch: bool,
    lease: bool,
}

impl Writes<'_> {
    /// Whether the only write is the last poll time.
    fn only_touch(&self) -> bool {
        self.touch && self.presence.is_none() && self.settings.is_none() && !self.lease
    }

    /// Statements the writes take (presence takes several, in a transaction).
    fn statements(&self) -> usize {
        [
            if self.presence.is_some() { 2 } else { 0 },
            usize::from(self.settings.is_some()),
            usize::from(self.touch),
            usize::from(self.lease),
        ]
        .iter()
        .sum()
    }
}

/// The lease and request of one poll, as [`SqlStore::poll`] passes them on.
struct Request<'a> {
    server: &'a ServerId,
    reach: &'a BanReach,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
}

/// One poll (see the module comment).
pub(super) async fn poll(
    store: &SqlStore,
    game_server: &GameServer,
    players: &[(PresenceState, PlayerRef)],
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> StoreResult<PollLease> {
    let reach = BanReach::of(game_server);
    let request = Request {
        server: &game_server.id,
        reach: &reach,
        now,
        lease_until,
        limit,
    };
    let reported = Reported::new(players);
    let seen = seen(store, request.server, &reach, now).await?;
    let presence_changed = seen.presence_digest.as_deref() != Some(reported.digest());
    let writes = Writes {
        presence: presence_changed.then_some(&reported),
        // The version of the settings this poll would send: those of the server passed in,
        // which may come from a cache and be older than the stored ones; they are due
        // when newer than the version delivered, and then mark that version delivered.
        settings: (seen.settings_delivered < game_server.settings_version)
            .then_some(game_server.settings_version),
        touch: last_poll_is_stale(seen.last_poll_at, seen.poll_interval_seconds, now),
        lease: presence_changed || seen.deliverable,
    };
    match writes.statements() {
        0 => Ok(PollLease {
            settings_due: false,
            executions: Vec::new(),
        }),
        // The last poll time alone: on PostgreSQL, committed without waiting for the WAL
        // flush. It only tells operators whether the server polls, and the answer promises
        // nothing about it; waiting for an fsync per touch held the shared pool's
        // connections (a third of them in `WALSync` at 2,000 servers) and capped polls at
        // ~700/s. A crash may lose the last few touches, as if those polls came a moment
        // earlier; leases and presence still commit synchronously.
        1 if writes.only_touch() && store.backend == Backend::Postgres => {
            let mut tx = store.begin_write().await?;
            sqlx::query("SET LOCAL synchronous_commit TO OFF")
                .execute(&mut *tx)
                .await?;
            let lease = apply(&mut tx, store.backend, &writes, &request).await?;
            tx.commit().await?;
            Ok(lease)
        }
        1 => {
            let mut conn = store.write.acquire().await?;
            apply(&mut conn, store.backend, &writes, &request).await
        }
        _ => {
            let mut tx = store.begin_write().await?;
            let lease = apply(&mut tx, store.backend, &writes, &request).await?;
            tx.commit().await?;
            Ok(lease)
        }
    }
}

async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    writes: &Writes<'_>,
    r: &Request<'_>,
) -> StoreResult<PollLease> {
    if let Some(reported) = writes.presence {
        presence::write(conn, backend, r.server, reported, r.now).await?;
    }
    let mut settings_due = false;
    if let Some(version) = writes.settings {
        // Of polls racing to deliver one version, the one whose update changes the row does.
        let done = sqlx::query(
            "UPDATE ember_servers SET settings_delivered = $2 WHERE id = $1 AND settings_delivered < $2",
        )
        .bind(r.server.as_str())
        .bind(version)
        .execute(&mut *conn)
        .await?;
        settings_due = done.rows_affected() == 1;
    }
    if writes.touch {
        sqlx::query(
            "UPDATE ember_servers SET last_poll_at = $2 WHERE id = $1 \
             AND (last_poll_at IS NULL OR last_poll_at < $2)",
        )
        .bind(r.server.as_str())
        .bind(r.now.millis())
        .execute(&mut *conn)
        .await?;
    }
    let executions = if writes.lease {
        lease(conn, backend, r).await?
    } else {
        Vec::new()
    };
    Ok(PollLease {
        settings_due,
        executions,
    })
}

/// Leases up to `limit` due executions, oldest first.
async fn lease(
    conn: &mut AnyConnection,
    backend: Backend,
    r: &Request<'_>,
) -> StoreResult<Vec<Execution>> {
    let sql = lease_sql(backend, r.reach);
    let mut query = sqlx::query(&sql)
        .bind(r.server.as_str())
        .bind(r.now.millis())
        .bind(r.lease_until.millis())
        .bind(r.limit);
    for group in &r.reach.server_groups {
        query = query.bind(group.as_str());
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut executions = rows
        .iter()
        .map(execution_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    executions.sort_by_key(|e| e.id);
    Ok(executions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;
    use crate::traits::{ExecutionStore, GameServerStore, NewExecution};
    use backline_domain::ember::actions::ActionKind;
    use backline_domain::ember::bans::BanScope;
    use backline_domain::ember::servers::RoleSync;
    use backline_domain::secret::SecretHash;
    use sqlx::Connection;

    /// What changes whenever the poll writes: SQLite's `data_version` as another connection
    /// sees it (it moves with every commit by someone else), PostgreSQL's row versions of the
    /// server, its presence and its executions.
    async fn fingerprint(conn: &mut AnyConnection, backend: Backend, server: &ServerId) -> String {
        match backend {
            Backend::Sqlite => {
                let version: i64 = sqlx::query("PRAGMA data_version")
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap()
                    .try_get(0)
                    .unwrap();
                version.to_string()
            }
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT xmin::text AS v FROM ember_servers WHERE id = $1 \
                     UNION ALL SELECT xmin::text FROM ember_presence WHERE server_id = $1 \
                     UNION ALL SELECT xmin::text FROM ember_executions WHERE server_id = $1",
                )
                .bind(server.as_str())
                .fetch_all(&mut *conn)
                .await
                .unwrap();
                let mut versions: Vec<String> =
                    rows.iter().map(|r| r.try_get("v").unwrap()).collect();
                versions.sort();
                versions.join(",")
            }
        }
    }

    /// The bench's poll: twenty players connected, the same every time, and an execution
    /// waiting for a player who never comes. After the first poll, polls write nothing until
    /// the last poll time is half an interval old.
    async fn a_poll_that_changes_nothing_writes_nothing(backend: Backend) {
        let Some(db) = TestDatabase::create(backend).await else {
            return;
        };
        let store = db.store().await;
        let server = GameServer {
            id: ServerId::generate(),
            name: "Quiet".into(),
            game: "gmod".into(),
            address: None,
            groups: vec!["eu".into()],
            poll_interval_seconds: 10,
            enforced_ban_scopes: vec![BanScope::Global, BanScope::Server],
            default_ban_group: None,
            role_sync: RoleSync::default(),
            ban_log: false,
            may_lift_operator_bans: false,
            settings_version: 1,
            created_at: Timestamp::from_millis(1),
            last_poll_at: None,
        };
        store
            .insert_server(&server, &SecretHash::of("quiet"), "quiet", None)
            .await
            .unwrap();
        let absent = PlayerRef::parse("steam:1").unwrap();
        store
            .queue_executions(
                std::slice::from_ref(&server.id),
                &NewExecution {
                    kind: ActionKind::Command,
                    payload: &serde_json::json!({"command": "say hi"}),
                    player: Some(&absent),
                    require_online: true,
                    rerun_of: None,
                    enforces_ban: false,
                    action: None,
                },
                Timestamp::from_millis(1),
                None,
            )
            .await
            .unwrap();
        let mut players: Vec<(PresenceState, PlayerRef)> = (0..20)
            .map(|i| {
                let player = PlayerRef::parse(&format!("steam:{}", 100 + i)).unwrap();
                (PresenceState::Connected, player)
            })
            .collect();
        let t0 = 1_000_000_000;
        let poll = |players: Vec<(PresenceState, PlayerRef)>, at: i64| {
            let (store, server) = (store.clone(), server.clone());
            async move {
                let now = Timestamp::from_millis(at);
                store
                    .poll(&server, &players, now, now.plus_seconds(60), 100)
                    .await
                    .unwrap()
            }
        };
        let first = poll(players.clone(), t0).await;
        assert!(first.settings_due && first.executions.is_empty());

        let mut watch = AnyConnection::connect(&db.url).await.unwrap();
        let before = fingerprint(&mut watch, backend, &server.id).await;
        for i in 1..5 {
            players.reverse();
            let lease = poll(players.clone(), t0 + i * 1000).await;
            assert!(!lease.settings_due && lease.executions.is_empty());
        }
        assert_eq!(
            fingerprint(&mut watch, backend, &server.id).await,
            before,
            "polls that changed nothing wrote"
        );
        // The fingerprint does see the one write that is due half an interval later.
        poll(players.clone(), t0 + 5000).await;
        assert_ne!(fingerprint(&mut watch, backend, &server.id).await, before);
        watch.close().await.unwrap();
        store.close().await;
        db.drop_database().await;
    }

    #[tokio::test]
    async fn sqlite_a_poll_that_changes_nothing_writes_nothing() {
        a_poll_that_changes_nothing_writes_nothing(Backend::Sqlite).await
    }

    #[tokio::test]
    async fn postgres_a_poll_that_changes_nothing_writes_nothing() {
        a_poll_that_changes_nothing_writes_nothing(Backend::Postgres).await
    }

    fn reaches() -> [BanReach; 2] {
        [
            BanReach {
                global: true,
                server_groups: vec!["eu".into(), "us".into()],
            },
            BanReach {
                global: false,
                server_groups: Vec::new(),
            },
        ]
    }

    /// SQLite's plan of `sql` with `values` bound, then the server groups of `reach`.
    async fn plan(store: &SqlStore, sql: &str, values: &[i64], reach: &BanReach) -> Vec<String> {
        let sql = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query(&sql).bind("s");
        for value in values {
            query = query.bind(*value);
        }
        for group in &reach.server_groups {
            query = query.bind(group.as_str());
        }
        query
            .fetch_all(&store.read)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String, _>("detail").unwrap())
            .collect()
    }

    /// The lease statement and the poll's read, with the ban hold, read executions only
    /// through the partial index `ember_executions_pending` and scan no table (SQLite's
    /// plan): however long the queue of other servers, a poll costs the same.
    #[tokio::test]
    async fn the_poll_reads_executions_through_the_pending_index_on_sqlite() {
        let db = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
        let store = db.store().await;
        for reach in reaches() {
            for (sql, values) in [
                (lease_sql(Backend::Sqlite, &reach), &[0i64, 0, 10][..]),
                (seen_sql(&reach), &[0i64][..]),
            ] {
                let plan = plan(&store, &sql, values, &reach).await;
                assert!(
                    plan.iter()
                        .any(|d| d.contains("USING INDEX ember_executions_pending")),
                    "{plan:?}"
                );
                assert!(!plan.iter().any(|d| d.starts_with("SCAN")), "{plan:?}");
            }
        }
        store.close().await;
        db.drop_database().await;
    }
}
