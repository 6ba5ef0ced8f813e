//! The caching decorator over the SQL store: a write through it is seen at once; a write by
//! another connection (another node, the CLI) once the change counters are read again; a
//! poll's own writes bump no counter; the maps stay within their capacity.

use crate::keys_and_tokens::org;
use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::ember::bans::BanScope;
use backline_domain::ember::servers::{GameServer, RoleSync};
use backline_domain::ids::{AccessKeyId, ApiTokenId, ServerId, UserId};
use backline_domain::org::AccessKey;
use backline_domain::secret::SecretHash;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::Timestamp;
use backline_store::*;
use std::time::Duration;

backline_store::stories!(crate::with_store =>
    a_revocation_through_the_cache_is_seen_at_once,
    changes_by_another_connection_are_seen_once_the_counters_are_read,
    a_poll_and_its_sweep_bump_no_counter,
    cached_maps_stay_within_their_capacity,
    a_cache_whose_counters_were_not_read_lately_reads_the_database,
);

/// A cache that re-reads the counters only when told (the test calls `check_counters`).
async fn cache(store: &SqlStore, capacity: usize) -> CachedStore<SqlStore> {
    let options = CacheOptions {
        enabled: true,
        recheck: Duration::from_secs(60),
        capacity,
        ..CacheOptions::default()
    };
    CachedStore::start(store.clone(), options).await.unwrap()
}

fn user(name: &str) -> User {
    User {
        id: UserId::generate(),
        username: name.into(),
        display_name: name.into(),
        avatar_url: String::new(),
        email: None,
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    }
}

fn server(name: &str) -> GameServer {
    GameServer {
        id: ServerId::generate(),
        name: name.into(),
        game: "gmod".into(),
        address: None,
        groups: vec!["eu".into()],
        poll_interval_seconds: 10,
        enforced_ban_scopes: vec![BanScope::Global],
        default_ban_group: None,
        role_sync: RoleSync::default(),
        ban_log: false,
        may_lift_operator_bans: false,
        settings_version: 1,
        created_at: Timestamp::from_millis(1),
        last_poll_at: None,
    }
}

/// An organisation with one key; the key's hash.
async fn key(store: &impl Store) -> (AccessKey, SecretHash) {
    let o = org("Cached", 1);
    store.insert_org(&o, None).await.unwrap();
    let key = AccessKey {
        id: AccessKeyId::generate(),
        org_id: o.id.clone(),
        prefix: "abcd".into(),
        created_at: Timestamp::from_millis(2),
        expires_at: None,
        revoked_at: None,
    };
    let hash = SecretHash::of(&format!("key-{}", key.id));
    store.insert_access_key(&key, &hash, None).await.unwrap();
    (key, hash)
}

async fn token(store: &impl Store, kind: ApiTokenKind) -> (ApiToken, SecretHash) {
    let token = ApiToken {
        id: ApiTokenId::generate(),
        kind,
        name: "t".into(),
        prefix: "abcd".into(),
        created_at: Timestamp::from_millis(1),
        revoked_at: None,
    };
    let hash = SecretHash::of(&format!("token-{}", token.id));
    store.insert_api_token(&token, &hash, None).await.unwrap();
    (token, hash)
}

async fn revoked_at(cached: &impl Store, hash: &SecretHash) -> Option<Timestamp> {
    cached
        .find_access_key(hash)
        .await
        .unwrap()
        .unwrap()
        .0
        .revoked_at
}

async fn a_revocation_through_the_cache_is_seen_at_once(store: SqlStore) {
    let cached = cache(&store, 100).await;
    let (key, hash) = key(&cached).await;
    assert_eq!(revoked_at(&cached, &hash).await, None);
    assert_eq!(cached.cached_entries(CacheArea::SpectraKeys), 1);
    let now = Timestamp::from_millis(10);
    cached
        .revoke_access_key(&AccessKeyRef::Id(key.id.clone()), now, None)
        .await
        .unwrap();
    assert_eq!(revoked_at(&cached, &hash).await, Some(now));

    let (t, hash) = token(&cached, ApiTokenKind::SpectraBackend).await;
    let kind = ApiTokenKind::SpectraBackend;
    assert!(cached
        .find_active_api_token(kind, &hash)
        .await
        .unwrap()
        .is_some());
    cached.revoke_api_token(&t.id, now, None).await.unwrap();
    assert_eq!(
        cached.find_active_api_token(kind, &hash).await.unwrap(),
        None
    );

    // A cached "not found" goes with the insert that makes it found.
    let s = server("EU 1");
    let old = SecretHash::of("old-server-token");
    assert_eq!(cached.server_by_token(&old).await.unwrap(), None);
    cached.insert_server(&s, &old, "old", None).await.unwrap();
    assert_eq!(
        cached.server_by_token(&old).await.unwrap().unwrap().id,
        s.id
    );
    let new = SecretHash::of("new-server-token");
    cached
        .set_server_token(&s.id, &new, "new", None)
        .await
        .unwrap();
    assert_eq!(cached.server_by_token(&old).await.unwrap(), None);
    assert_eq!(
        cached.server_by_token(&new).await.unwrap().unwrap().id,
        s.id
    );
    cached.stop();
}

async fn changes_by_another_connection_are_seen_once_the_counters_are_read(store: SqlStore) {
    let cached = cache(&store, 100).await;
    let (key, key_hash) = key(&store).await;
    let (backend, backend_hash) = token(&store, ApiTokenKind::SpectraBackend).await;
    let (stats, stats_hash) = token(&store, ApiTokenKind::SpectraStats).await;
    let s = server("EU 1");
    let old = SecretHash::of("old-server-token");
    store.insert_server(&s, &old, "old", None).await.unwrap();
    let u = user("cached-player");
    let custom = ExternalAccount::new("custom", "cached-player-id");
    store
        .insert_user(&u, None, std::slice::from_ref(&custom), None)
        .await
        .unwrap();
    let other = user("logged-out-player");
    store.insert_user(&other, None, &[], None).await.unwrap();

    // Warm every cached read, then change each row through the plain store: the cache still
    // answers the old rows, which shows they came from memory…
    let warm = || async {
        (
            revoked_at(&cached, &key_hash).await,
            cached
                .find_active_api_token(ApiTokenKind::SpectraBackend, &backend_hash)
                .await
                .unwrap()
                .is_some(),
            cached
                .find_active_api_token(ApiTokenKind::SpectraStats, &stats_hash)
                .await
                .unwrap()
                .is_some(),
            cached.server_by_token(&old).await.unwrap().is_some(),
            cached
                .find_user_by_external(&custom)
                .await
                .unwrap()
                .unwrap()
                .disabled,
            cached
                .find_user_by_username("cached-player")
                .await
                .unwrap()
                .unwrap()
                .disabled,
            cached
                .session_status(&u.id, "tid-1")
                .await
                .unwrap()
                .unwrap(),
            cached
                .session_status(&other.id, "tid-2")
                .await
                .unwrap()
                .unwrap(),
        )
    };
    let before = warm().await;
    let now = Timestamp::from_millis(50_000);
    store
        .revoke_access_key(&AccessKeyRef::Id(key.id.clone()), now, None)
        .await
        .unwrap();
    store
        .revoke_api_token(&backend.id, now, None)
        .await
        .unwrap();
    store.revoke_api_token(&stats.id, now, None).await.unwrap();
    store
        .set_server_token(&s.id, &SecretHash::of("new-server-token"), "new", None)
        .await
        .unwrap();
    store.set_disabled(&u.id, true, now, None).await.unwrap();
    store
        .revoke_tokens(
            &u.id,
            &[("tid-1".into(), Timestamp::from_millis(i64::MAX / 2))],
        )
        .await
        .unwrap();
    store.revoke_all_tokens(&other.id, now).await.unwrap();
    assert_eq!(warm().await, before);

    // …until the counters are read.
    cached.check_counters().await.unwrap();
    let (key, backend, stats, server, by_external, by_name, status, other_status) = warm().await;
    assert_eq!(key, Some(now));
    assert!(!backend && !stats && !server);
    assert!(by_external && by_name);
    assert!(status.disabled && status.token_revoked);
    assert_eq!(other_status.revoked_before, Some(now));
    cached.stop();
}

async fn counters(store: &SqlStore) -> Vec<(String, i64)> {
    let mut counters = store.change_counters().await.unwrap();
    counters.sort();
    counters
}

async fn a_poll_and_its_sweep_bump_no_counter(store: SqlStore) {
    let s = server("EU 1");
    store
        .insert_server(&s, &SecretHash::of("t"), "t", None)
        .await
        .unwrap();
    let before = counters(&store).await;
    let now = Timestamp::now();
    store
        .poll(&s, &[], now, now.plus_seconds(30), 10)
        .await
        .unwrap();
    store.mark_settings_delivered(&s.id, 1).await.unwrap();
    store.sweep_polling(now).await.unwrap();
    assert_eq!(counters(&store).await, before);
    // A change of settings does.
    store.update_server(&s, None).await.unwrap();
    let after = counters(&store).await;
    let servers = |c: &[(String, i64)]| c.iter().find(|(a, _)| a == "game_servers").unwrap().1;
    assert!(servers(&after) > servers(&before), "{before:?} {after:?}");
}

async fn cached_maps_stay_within_their_capacity(store: SqlStore) {
    let cached = cache(&store, 16).await;
    for i in 0..100 {
        let unknown = SecretHash::of(&format!("random-key-{i}"));
        assert_eq!(cached.find_access_key(&unknown).await.unwrap(), None);
        assert!(cached.cached_entries(CacheArea::SpectraKeys) <= 16);
    }
    assert!(cached.cached_entries(CacheArea::SpectraKeys) > 0);
    cached.stop();
}

async fn a_cache_whose_counters_were_not_read_lately_reads_the_database(store: SqlStore) {
    let clock = backline_domain::Clock::adjustable();
    let cached = CachedStore::start(
        store.clone(),
        CacheOptions {
            enabled: true,
            recheck: Duration::from_millis(100),
            capacity: 100,
            clock: clock.clone(),
        },
    )
    .await
    .unwrap();
    let (key, hash) = key(&store).await;
    assert_eq!(revoked_at(&cached, &hash).await, None);
    // Its task stopped, the cache is trusted for the bound (twice `recheck`) after the last
    // read of the counters, then reads go to the store.
    cached.stop();
    let now = Timestamp::from_millis(10);
    store
        .revoke_access_key(&AccessKeyRef::Id(key.id.clone()), now, None)
        .await
        .unwrap();
    assert_eq!(revoked_at(&cached, &hash).await, None, "served from memory");
    clock.advance(cached.options().bound() + Duration::from_millis(1));
    assert_eq!(revoked_at(&cached, &hash).await, Some(now));
}
