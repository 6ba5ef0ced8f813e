//! Retention: each kind's old rows go in batches, its new rows and every kind that is never
//! pruned stay, and one lease holder at a time prunes.

use backline_domain::Timestamp;
use backline_store::*;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

backline_store::stories!(crate::with_database =>
    old_rows_of_each_kind_go_in_batches_and_the_rest_stays,
    what_is_never_pruned_stays_however_old,
    one_holder_at_a_time_has_the_lease,
    two_nodes_pruning_at_once_delete_each_row_once,
    storage_gauges_count_the_growing_tables,
    the_event_log_is_pruned_in_batches_and_remembers_how_far,
);

const DAY: i64 = 86_400_000;
/// The store's "now" in these stories: day 1000.
const NOW: i64 = 1000 * DAY;

async fn pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap()
}

async fn exec(pool: &AnyPool, sql: &str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

async fn count(pool: &AnyPool, table: &str, condition: &str) -> i64 {
    sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE {condition}"
    ))
    .fetch_one(pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap()
}

/// `n` audit entries written at `at`, with the action `action`, in one statement.
async fn audit_rows(pool: &AnyPool, n: i64, at: i64, action: &str) {
    exec(
        pool,
        &format!(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n}) \
             INSERT INTO audit_log (at, actor, actor_id, action, entity_type, entity_id, source) \
             SELECT {at}, 'cli', NULL, '{action}', 'bans', CAST(i AS TEXT), 'cli' FROM k"
        ),
    )
    .await;
}

/// A game server, a user, and rows of every prunable kind, old (`old`) and recent.
async fn seed(pool: &AnyPool) {
    let old = NOW - 400 * DAY;
    let recent = NOW - DAY;
    exec(
        pool,
        "INSERT INTO ember_servers (id, name, game, token_hash, token_prefix, server_groups, \
         poll_interval_seconds, enforced_ban_scopes, role_sync_send, role_sync_receive, ban_log, \
         settings_version, created_at) \
         VALUES ('s1', 'one', 'gmod', 'h1', 'p1', '[]', 10, '[]', 0, 0, 0, 1, 0)",
    )
    .await;
    exec(
        pool,
        "INSERT INTO users (id, username, created_at, updated_at) VALUES ('u1', 'one', 0, 0)",
    )
    .await;
    audit_rows(pool, 1200, old, "old").await;
    audit_rows(pool, 3, recent, "recent").await;
    // Executions: finished and failed long ago (pruned); queued and leased ones as old, and
    // one finished yesterday (kept).
    for (status, finished) in [
        ("finished", Some(old)),
        ("failed", Some(old)),
        ("queued", None),
        ("leased", None),
        ("finished", Some(recent)),
    ] {
        let finished = finished.map_or("NULL".to_owned(), |f| f.to_string());
        exec(
            pool,
            &format!(
                "INSERT INTO ember_executions (server_id, kind, payload, require_online, status, \
                 attempts, created_at, finished_at) \
                 VALUES ('s1', 'command', '{{}}', 0, '{status}', 1, {old}, {finished})"
            ),
        )
        .await;
    }
    // EVR matches: one ended long ago with a player (both pruned), one ended yesterday, one
    // created long ago and still running (kept).
    for (id, ended) in [
        ("m-old", Some(old)),
        ("m-new", Some(recent)),
        ("m-live", None),
    ] {
        let ended = ended.map_or("NULL".to_owned(), |e| e.to_string());
        let phase = if id == "m-live" { "started" } else { "ended" };
        exec(
            pool,
            &format!(
                "INSERT INTO evr_matches (id, broadcaster_id, host, broadcaster, phase, start_time, \
                 created_at, ended_at) VALUES ('{id}', 'b1', 'h', 'b', '{phase}', {old}, {old}, {ended})"
            ),
        )
        .await;
    }
    exec(
        pool,
        &format!(
            "INSERT INTO evr_match_players (match_id, session_id, user_id, username, display_name, \
             evr_id, discord_id, team, client_ip, party_id, joined_at) \
             VALUES ('m-old', 'sess', 'u1', 'one', 'One', 'OVR-ORG-1', 'd', 0, '127.0.0.1', '', {old})"
        ),
    )
    .await;
    // Link tokens: used long ago, expired unused long ago (pruned), expiring tomorrow (kept).
    for (hash, expires, redeemed) in [
        ("t-used", old + 900_000, Some(old)),
        ("t-expired", old + 900_000, None),
        ("t-live", NOW + DAY, None),
    ] {
        let redeemed = redeemed.map_or("NULL".to_owned(), |r| r.to_string());
        exec(
            pool,
            &format!(
                "INSERT INTO ember_link_tokens (token_hash, id, server_id, source, account_id, \
                 created_at, expires_at, redeemed_at) \
                 VALUES ('{hash}', '{hash}', 's1', 'steam', '1', {old}, {expires}, {redeemed})"
            ),
        )
        .await;
    }
    for (id, expires) in [("r-old", NOW - 3 * DAY), ("r-live", NOW + DAY)] {
        exec(
            pool,
            &format!(
                "INSERT INTO revoked_sessions (token_id, user_id, expires_at) \
                 VALUES ('{id}', 'u1', {expires})"
            ),
        )
        .await;
        exec(
            pool,
            &format!(
                "INSERT INTO console_sessions (id_hash, admin_token_hash, created_at, expires_at) \
                 VALUES ('{id}', 'a', 0, {expires})"
            ),
        )
        .await;
        exec(
            pool,
            &format!(
                "INSERT INTO idempotency_keys (id, fingerprint, started_at, expires_at) \
                 VALUES ('{id}', 'f', 0, {expires})"
            ),
        )
        .await;
    }
}

/// The cutoffs of the defaults at [`NOW`]: audit 365 days, executions 90, EVR matches 30,
/// link tokens 7, expired sessions a day, idempotency keys at expiry.
fn cutoff(kind: PruneKind) -> Timestamp {
    let days = match kind {
        PruneKind::Audit => 365,
        PruneKind::Executions => 90,
        PruneKind::EvrMatches => 30,
        PruneKind::LinkTokens => 7,
        PruneKind::Revocations | PruneKind::ConsoleSessions => 1,
        PruneKind::IdempotencyKeys => 0,
    };
    Timestamp::from_millis(NOW - days * DAY)
}

async fn old_rows_of_each_kind_go_in_batches_and_the_rest_stays(url: String, store: SqlStore) {
    let db = pool(&url).await;
    seed(&db).await;
    // The audit log's 1200 old rows take three batches of 500: 500, 500, 200.
    let mut batches = Vec::new();
    loop {
        let n = store
            .prune(PruneKind::Audit, cutoff(PruneKind::Audit), 500)
            .await
            .unwrap();
        batches.push(n);
        if n < 500 {
            break;
        }
    }
    assert_eq!(batches, [500, 500, 200]);
    assert_eq!(count(&db, "audit_log", "action = 'old'").await, 0);
    assert_eq!(count(&db, "audit_log", "action = 'recent'").await, 3);

    let expected = [
        (PruneKind::Executions, 2),
        (PruneKind::EvrMatches, 1),
        (PruneKind::LinkTokens, 2),
        (PruneKind::Revocations, 1),
        (PruneKind::ConsoleSessions, 1),
        (PruneKind::IdempotencyKeys, 1),
    ];
    for (kind, n) in expected {
        assert_eq!(
            store.prune(kind, cutoff(kind), 500).await.unwrap(),
            n,
            "{kind:?}"
        );
        assert_eq!(store.prune(kind, cutoff(kind), 500).await.unwrap(), 0);
    }
    assert_eq!(
        count(&db, "ember_executions", "1 = 1").await,
        3,
        "queued, leased and yesterday's stay"
    );
    assert_eq!(
        count(&db, "ember_executions", "status IN ('queued', 'leased')").await,
        2
    );
    assert_eq!(
        count(&db, "evr_matches", "id IN ('m-new', 'm-live')").await,
        2
    );
    assert_eq!(count(&db, "evr_matches", "1 = 1").await, 2);
    assert_eq!(
        count(&db, "evr_match_players", "1 = 1").await,
        0,
        "the pruned match's players went with it"
    );
    assert_eq!(
        count(&db, "ember_link_tokens", "token_hash = 't-live'").await,
        1
    );
    assert_eq!(count(&db, "ember_link_tokens", "1 = 1").await, 1);
    for table in ["revoked_sessions", "idempotency_keys"] {
        assert_eq!(count(&db, table, "1 = 1").await, 1, "{table}");
    }
    assert_eq!(
        count(&db, "console_sessions", "id_hash = 'r-live'").await,
        1
    );
    assert_eq!(count(&db, "console_sessions", "1 = 1").await, 1);
    db.close().await;
}

async fn what_is_never_pruned_stays_however_old(url: String, store: SqlStore) {
    let db = pool(&url).await;
    seed(&db).await;
    // Everything here is from day 0, a thousand days before now.
    exec(
        &db,
        "INSERT INTO ember_bans (id, user_id, source, account_id, scope, reason, created_at, \
         expires_at) VALUES ('ban1', 'u1', 'steam', '1', 'global', 'cheating', 0, 1)",
    )
    .await;
    exec(
        &db,
        "INSERT INTO ember_roles (id, name, ingame, position, server_groups) \
         VALUES ('role1', 'admin', 'superadmin', 0, '[]')",
    )
    .await;
    exec(
        &db,
        "INSERT INTO ember_user_roles (user_id, role_id, granted_at) VALUES ('u1', 'role1', 0)",
    )
    .await;
    exec(
        &db,
        "INSERT INTO spectra_matches (match_id, group_code, state, is_final, round_number, \
         round_phase, snapshot, first_seen_at, updated_at, completed_at) \
         VALUES ('sm1', 'g', 'completed', 1, 24, 'end', '{}', 0, 0, 0)",
    )
    .await;
    // Everything prunable, with every cutoff now (nothing is kept for its age).
    for kind in PruneKind::ALL {
        while store
            .prune(kind, Timestamp::from_millis(NOW + 10 * DAY), 100)
            .await
            .unwrap()
            == 100
        {}
    }
    for (table, n) in [
        ("users", 1),
        ("ember_bans", 1),
        ("ember_roles", 1),
        ("ember_user_roles", 1),
        ("spectra_matches", 1),
        ("ember_servers", 1),
        ("ember_executions", 2),
        ("evr_matches", 1),
    ] {
        assert_eq!(count(&db, table, "1 = 1").await, n, "{table}");
    }
    assert_eq!(
        count(&db, "ember_executions", "status IN ('queued', 'leased')").await,
        2,
        "pending executions are never pruned"
    );
    assert_eq!(count(&db, "evr_matches", "id = 'm-live'").await, 1);
    assert_eq!(count(&db, "audit_log", "1 = 1").await, 0);
    db.close().await;
}

async fn one_holder_at_a_time_has_the_lease(_url: String, store: SqlStore) {
    let t = |s: i64| Timestamp::from_millis(s * 1000);
    assert!(store
        .claim_lease("retention", "a", t(0), t(60))
        .await
        .unwrap());
    assert!(!store
        .claim_lease("retention", "b", t(30), t(90))
        .await
        .unwrap());
    // The holder renews it; another lease name is another lease.
    assert!(store
        .claim_lease("retention", "a", t(50), t(110))
        .await
        .unwrap());
    assert!(store
        .claim_lease("other", "b", t(50), t(110))
        .await
        .unwrap());
    assert!(!store
        .claim_lease("retention", "b", t(109), t(200))
        .await
        .unwrap());
    // Once it lapses, another takes it, and the first no longer has it.
    assert!(store
        .claim_lease("retention", "b", t(110), t(200))
        .await
        .unwrap());
    assert!(!store
        .claim_lease("retention", "a", t(120), t(200))
        .await
        .unwrap());
    // Of many claiming a free lease at once, exactly one gets it.
    let claims = futures::future::join_all((0..8).map(|i| {
        let store = store.clone();
        async move {
            store
                .claim_lease("race", &format!("node-{i}"), t(0), t(60))
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(claims.iter().filter(|c| **c).count(), 1, "{claims:?}");
}

async fn two_nodes_pruning_at_once_delete_each_row_once(url: String, store: SqlStore) {
    let db = pool(&url).await;
    audit_rows(&db, 2000, NOW - 400 * DAY, "old").await;
    audit_rows(&db, 5, NOW, "recent").await;
    // Two stores (two nodes' pools) prune the same rows at once, batch after batch.
    let other = SqlStore::connect(&url, &PoolOptions::default())
        .await
        .unwrap();
    let node = |store: SqlStore| async move {
        let mut total = 0;
        loop {
            let n = store
                .prune(PruneKind::Audit, cutoff(PruneKind::Audit), 300)
                .await
                .unwrap();
            total += n;
            if n < 300 {
                return total;
            }
        }
    };
    let (a, b) = tokio::join!(node(store.clone()), node(other.clone()));
    assert_eq!(a + b, 2000, "each row deleted once: {a} + {b}");
    assert_eq!(count(&db, "audit_log", "1 = 1").await, 5);
    other.close().await;
    db.close().await;
}

async fn storage_gauges_count_the_growing_tables(url: String, store: SqlStore) {
    let db = pool(&url).await;
    seed(&db).await;
    if store.backend() == Backend::Postgres {
        // The counts are the planner's estimates, current after ANALYZE.
        exec(&db, "ANALYZE").await;
    }
    let gauges = store.storage_gauges().await.unwrap();
    let rows = |table: &str| {
        gauges
            .rows
            .iter()
            .find(|(t, _)| *t == table)
            .unwrap_or_else(|| panic!("{table} counted"))
            .1
    };
    assert_eq!(gauges.rows.len(), COUNTED_TABLES.len());
    assert_eq!(rows("audit_log"), 1203);
    assert_eq!(rows("ember_executions"), 5);
    assert_eq!(rows("users"), 1);
    assert!(gauges.database_bytes > 0);
    db.close().await;
}

async fn the_event_log_is_pruned_in_batches_and_remembers_how_far(url: String, store: SqlStore) {
    let db = pool(&url).await;
    // More old events than a batch (1000) twice over, then three recent ones.
    for (n, at) in [(2500, 1_000), (3, 9_000)] {
        exec(
            &db,
            &format!(
                "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n}) \
                 INSERT INTO events (kind, at, org_id, payload) \
                 SELECT 'ban.created', {at}, NULL, '{{}}' FROM k"
            ),
        )
        .await;
    }
    let newest_old: i64 = sqlx::query("SELECT MAX(id) AS id FROM events WHERE at = 1000")
        .fetch_one(&db)
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let deleted = store
        .prune_events(Timestamp::from_millis(5_000))
        .await
        .unwrap();
    assert_eq!(deleted, 2500);
    assert_eq!(
        store.events_pruned_through().await.unwrap(),
        backline_domain::events::EventId(newest_old)
    );
    assert_eq!(count(&db, "events", "1 = 1").await, 3);
    assert_eq!(
        store
            .prune_events(Timestamp::from_millis(5_000))
            .await
            .unwrap(),
        0
    );
    db.close().await;
}
