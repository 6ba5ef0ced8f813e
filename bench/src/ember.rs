//! The game-integration scenario, `ember-poll`: many servers, a long queue of other servers'
//! executions, and `POST /api/game/poll` from random servers, each reporting 20 connected
//! players; measured with the queue at 1 % and at 100 % of `--ember-queue`.
//!
//! Set-up writes directly to the database Backline already migrated (the CLI creates one
//! server per process, far too slow for thousands), with the columns and encodings the store
//! uses (`crates/backline-store/src/sql/ember/servers.rs`): the token as lowercase hex SHA-256
//! in `token_hash`, its first 6 characters in `token_prefix`, JSON arrays as text, booleans as
//! 0/1, instants as unix milliseconds. The SQL is the same on SQLite and PostgreSQL.

use crate::client::{send_once, RequestSpec};
use crate::load::{closed_loop, failure, open_loop, Generator, LoadResult};
use crate::scenarios::Context;
use anyhow::{bail, Context as _};
use hyper::Method;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Connection};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Players each poll reports as connected.
pub const PLAYERS_PER_POLL: usize = 20;

/// Servers that never poll and hold the long queue (fewer when the queue is small).
const OFFLINE_SERVERS: u64 = 1000;

/// The first steam64 id of the reported players (each server has its own 20).
const FIRST_STEAM64: u64 = 76_561_198_000_000_000;

/// A player that is never connected: each polled server has one execution waiting for them,
/// looked at (and left) by every poll.
const ABSENT_STEAM64: u64 = 76_561_197_960_265_728;

/// One measurement at one queue size.
pub struct EmberRun {
    /// Executions of the offline servers waiting (`queued`) when the loops started.
    pub queue: u64,
    /// Inserting this run's executions, not measured by the loops.
    pub queued_in: Duration,
    pub closed: LoadResult,
    pub open: LoadResult,
}

/// The whole scenario.
pub struct EmberPoll {
    pub servers: usize,
    pub offline_servers: u64,
    /// Inserting the servers, not measured.
    pub seeded_in: Duration,
    /// Queue at 1 %, then at 100 %.
    pub runs: Vec<EmberRun>,
    pub ceiling: LoadResult,
    pub ceiling_open: LoadResult,
    pub body_bytes: usize,
}

/// splitmix64: a small, good-enough generator for picking servers and making tokens.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A 40-character alphanumeric token, like `backline server create` issues.
fn token(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..40u64)
        .map(|i| ALPHABET[(mix(seed ^ (i << 56)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A connection to Backline's database for the set-up.
struct Seeder {
    conn: AnyConnection,
}

impl Seeder {
    async fn connect(url: &str, postgres: bool) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(url)
            .await
            .with_context(|| format!("cannot open {url} for the ember-poll set-up"))?;
        if !postgres {
            // Backline holds the database open; wait for its writer instead of failing.
            sqlx::raw_sql("PRAGMA busy_timeout = 10000")
                .execute(&mut conn)
                .await?;
        }
        Ok(Self { conn })
    }

    async fn execute(&mut self, sql: &str) -> anyhow::Result<u64> {
        let done = sqlx::raw_sql(sql)
            .execute(&mut self.conn)
            .await
            .with_context(|| format!("set-up SQL failed: {}", &sql[..sql.len().min(200)]))?;
        Ok(done.rows_affected())
    }

    async fn count(&mut self, sql: &str) -> anyhow::Result<u64> {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut self.conn).await?;
        Ok(n.max(0) as u64)
    }

    /// Inserts servers named `"{name} {i}"` with the given ids and tokens, 500 a statement.
    async fn insert_servers(
        &mut self,
        name: &str,
        servers: &[(String, String)],
    ) -> anyhow::Result<()> {
        let now = now_millis();
        for (chunk_index, chunk) in servers.chunks(500).enumerate() {
            let rows: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, (id, token))| {
                    let hash = hex::encode(Sha256::digest(token.as_bytes()));
                    let prefix: String = token.chars().take(6).collect();
                    format!(
                        "('{id}', '{name} {}', 'gmod', NULL, '{hash}', '{prefix}', '[]', 10, \
                         '[\"global\",\"server\"]', NULL, 1, 1, 1, 1, 0, {now}, NULL)",
                        chunk_index * 500 + i
                    )
                })
                .collect();
            self.execute(&format!(
                "INSERT INTO ember_servers (id, name, game, address, token_hash, token_prefix, server_groups, \
                 poll_interval_seconds, enforced_ban_scopes, default_ban_group, role_sync_send, \
                 role_sync_receive, ban_log, settings_version, settings_delivered, created_at, last_poll_at) \
                 VALUES {}",
                rows.join(", ")
            ))
            .await?;
        }
        Ok(())
    }

    /// Queues `per_server` executions for each server whose name starts with `name`, as
    /// operators' `command` actions would be (optionally for a player that must be online).
    async fn queue(
        &mut self,
        name: &str,
        per_server: u64,
        command: &str,
        player: Option<u64>,
    ) -> anyhow::Result<u64> {
        let (source, account, online) = match player {
            Some(id) => ("'steam'".to_owned(), format!("'{id}'"), 1),
            None => ("NULL".to_owned(), "NULL".to_owned(), 0),
        };
        let payload = serde_json::json!({ "command": command }).to_string();
        self.execute(&format!(
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {per_server}) \
             INSERT INTO ember_executions (server_id, kind, payload, player_source, player_account_id, \
             require_online, status, attempts, created_at) \
             SELECT s.id, 'command', '{payload}', {source}, {account}, {online}, 'queued', 0, {now} \
             FROM seq CROSS JOIN ember_servers s WHERE s.name LIKE '{name} %'",
            now = now_millis()
        ))
        .await
    }

    async fn close(self) -> anyhow::Result<()> {
        self.conn.close().await?;
        Ok(())
    }
}

/// The form a plugin posts: `players[steam][connected][ids]=<20 steam64 ids>`, encoded.
fn poll_body(server: usize) -> String {
    let ids: Vec<String> = (0..PLAYERS_PER_POLL)
        .map(|j| (FIRST_STEAM64 + (server * PLAYERS_PER_POLL + j) as u64).to_string())
        .collect();
    format!(
        "players%5Bsteam%5D%5Bconnected%5D%5Bids%5D={}",
        ids.join("%2C")
    )
}

fn poll_spec(token: &str, server: usize) -> RequestSpec {
    RequestSpec::with_body(Method::POST, "/api/game/poll", poll_body(server).into())
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/x-www-form-urlencoded")
}

/// `ember-poll` (see the module comment).
pub async fn ember_poll(ctx: &Context) -> anyhow::Result<EmberPoll> {
    let settings = &ctx.settings;
    let servers = settings.ember_servers;
    let offline_servers = OFFLINE_SERVERS.min(settings.ember_queue / 100).max(1);
    let small_per_server = (settings.ember_queue / 100 / offline_servers).max(1);
    let full_per_server = (settings.ember_queue / offline_servers).max(small_per_server);
    let polled_name = "bench polled";
    let offline_name = "bench offline";

    let started = Instant::now();
    let seed = u64::from(ctx.run_tag) << 32;
    let polled: Vec<(String, String)> = (0..servers)
        .map(|i| {
            let id = format!("{:08x}-5e7e-4000-8000-{i:012x}", ctx.run_tag);
            (id, token(mix(seed ^ i as u64)))
        })
        .collect();
    let offline: Vec<(String, String)> = (0..offline_servers)
        .map(|i| {
            let id = format!("{:08x}-0ff1-4000-8000-{i:012x}", ctx.run_tag);
            (id, token(mix(seed ^ (1 << 31) ^ i)))
        })
        .collect();
    let mut db = Seeder::connect(&ctx.database_url, ctx.postgres).await?;
    db.insert_servers(polled_name, &polled).await?;
    db.insert_servers(offline_name, &offline).await?;
    // Each polled server waits for a player who never comes: every poll looks at it.
    db.queue(
        polled_name,
        1,
        "say waiting for a player",
        Some(ABSENT_STEAM64),
    )
    .await?;
    let seeded_in = started.elapsed();

    let specs: Arc<Vec<RequestSpec>> = Arc::new(
        polled
            .iter()
            .enumerate()
            .map(|(i, (_, token))| poll_spec(token, i))
            .collect(),
    );
    let body_bytes = specs[0].body.len();
    let pick = |salt: u64| -> Generator {
        let specs = specs.clone();
        Arc::new(move |stream, seq| {
            let r = mix(salt ^ ((stream as u64) << 40) ^ seq);
            specs[(r % specs.len() as u64) as usize].clone()
        })
    };

    let mut runs = Vec::new();
    let mut per_server_now = 0;
    for (step, target) in [small_per_server, full_per_server].into_iter().enumerate() {
        let started = Instant::now();
        // At most ~100,000 rows a statement: on SQLite one statement holds the write lock
        // for its whole duration, and Backline's own writers give up after 5 s.
        let step_per_server = (100_000 / offline_servers).max(1);
        while target > per_server_now {
            let add = (target - per_server_now).min(step_per_server);
            db.queue(offline_name, add, "say queued for an offline server", None)
                .await?;
            per_server_now += add;
        }
        // One execution for each polled server, delivered by its first poll of this run.
        db.queue(polled_name, 1, &format!("say run {step}"), None)
            .await?;
        let queue = db
            .count(&format!(
                "SELECT COUNT(*) FROM ember_executions e JOIN ember_servers s ON s.id = e.server_id \
                 WHERE e.status = 'queued' AND s.name LIKE '{offline_name} %'"
            ))
            .await?;
        let queued_in = started.elapsed();
        eprintln!(
            "  ember-poll: {servers} polled servers, {queue} executions queued for {offline_servers} others (set-up {:.1} s)",
            queued_in.as_secs_f64() + if step == 0 { seeded_in.as_secs_f64() } else { 0.0 }
        );
        if step == 0 {
            let probe = &specs[0];
            let result = send_once(ctx.backline, probe, settings.timeout).await;
            if let Some(message) = failure(probe, &result) {
                bail!("set-up poll failed: {message}");
            }
            let answer: serde_json::Value = serde_json::from_slice(&result?.body)?;
            if !answer["actions"].is_array() {
                bail!("the poll answered {answer}");
            }
        }
        let closed = closed_loop(ctx.backline, ctx.closed(), pick(0x0e01 + step as u64)).await;
        let open = open_loop(
            ctx.backline,
            ctx.open(settings.poll_rate),
            pick(0x0e11 + step as u64),
        )
        .await;
        runs.push(EmberRun {
            queue,
            queued_in,
            closed,
            open,
        });
    }
    db.close().await?;
    let ceiling = closed_loop(ctx.ceiling, ctx.closed(), pick(0x0c21)).await;
    let ceiling_open = open_loop(ctx.ceiling, ctx.open(settings.poll_rate), pick(0x0c22)).await;
    Ok(EmberPoll {
        servers,
        offline_servers,
        seeded_in,
        runs,
        ceiling,
        ceiling_open,
        body_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_40_alphanumeric_characters_and_differ() {
        let (a, b) = (token(1), token(2));
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_poll_body_reports_20_connected_steam_players() {
        let body = poll_body(1);
        let (key, ids) = body.split_once('=').unwrap();
        assert_eq!(key, "players%5Bsteam%5D%5Bconnected%5D%5Bids%5D");
        let ids: Vec<&str> = ids.split("%2C").collect();
        assert_eq!(ids.len(), PLAYERS_PER_POLL);
        assert_eq!(ids[0], "76561198000000020");
        assert!(ids.iter().all(|id| id.len() == 17));
    }
}
