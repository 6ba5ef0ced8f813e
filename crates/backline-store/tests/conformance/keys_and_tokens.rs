use backline_domain::admin::AuditEntry;
use backline_domain::ids::{AccessKeyId, ApiTokenId, OrgId};
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::secret::SecretHash;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    organisations_are_stored_listed_and_made_supporters,
    access_keys_are_found_by_hash_and_revoked_by_id_or_hash,
    api_tokens_are_found_only_by_kind_and_while_unrevoked,
    migrating_twice_changes_nothing,
    a_revocation_that_finds_nothing_records_nothing,
);

pub fn org(name: &str, created: i64) -> Organisation {
    Organisation {
        id: OrgId::generate(),
        name: name.into(),
        supporter: false,
        supporter_until: None,
        created_at: Timestamp::from_millis(created),
    }
}

async fn organisations_are_stored_listed_and_made_supporters(store: SqlStore) {
    let a = org("Alpha", 1);
    let b = org("Beta", 2);
    store.insert_org(&a, None).await.unwrap();
    store.insert_org(&b, None).await.unwrap();
    assert_eq!(store.get_org(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.list_orgs(&Seek::first(10)).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    // The next page starts after the last key handed out.
    let first = store.list_orgs(&Seek::first(1)).await.unwrap();
    assert_eq!(first, vec![a.clone()]);
    let after = Seek {
        after: Some(TimeKey {
            at: first[0].created_at,
            id: first[0].id.to_string(),
        }),
        limit: 10,
    };
    assert_eq!(store.list_orgs(&after).await.unwrap(), vec![b.clone()]);
    let until = Timestamp::from_millis(5_000);
    let updated = store
        .set_supporter(&b.id, true, Some(until), None)
        .await
        .unwrap();
    assert!(updated.supporter);
    assert_eq!(updated.supporter_until, Some(until));
    assert_eq!(store.get_org(&b.id).await.unwrap().unwrap(), updated);
    let missing = store
        .set_supporter(&OrgId::from_string("nope"), true, None, None)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
    assert_eq!(
        store.get_org(&OrgId::from_string("nope")).await.unwrap(),
        None
    );
}

async fn access_keys_are_found_by_hash_and_revoked_by_id_or_hash(store: SqlStore) {
    let o = org("Keys", 1);
    store.insert_org(&o, None).await.unwrap();
    let key = |id: &str| AccessKey {
        id: AccessKeyId::from_string(id),
        org_id: o.id.clone(),
        prefix: "abc123".into(),
        created_at: Timestamp::from_millis(10),
        expires_at: Some(Timestamp::from_millis(99)),
        revoked_at: None,
    };
    let (k1, k2) = (key("k1"), key("k2"));
    store
        .insert_access_key(&k1, &SecretHash::of("secret-1"), None)
        .await
        .unwrap();
    store
        .insert_access_key(&k2, &SecretHash::of("secret-2"), None)
        .await
        .unwrap();
    let (found, found_org) = store
        .find_access_key(&SecretHash::of("secret-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, found_org), (k1.clone(), o.clone()));
    assert!(store
        .find_access_key(&SecretHash::of("other"))
        .await
        .unwrap()
        .is_none());

    let revoked = store
        .revoke_access_key(
            &AccessKeyRef::Id(k1.id.clone()),
            Timestamp::from_millis(50),
            None,
        )
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(Timestamp::from_millis(50)));
    // A second revocation keeps the first time.
    let again = store
        .revoke_access_key(
            &AccessKeyRef::Id(k1.id.clone()),
            Timestamp::from_millis(60),
            None,
        )
        .await
        .unwrap();
    assert_eq!(again.revoked_at, Some(Timestamp::from_millis(50)));
    let by_hash = store
        .revoke_access_key(
            &AccessKeyRef::Hash(SecretHash::of("secret-2")),
            Timestamp::from_millis(70),
            None,
        )
        .await
        .unwrap();
    assert_eq!(by_hash.id, k2.id);
    let unknown = store
        .revoke_access_key(
            &AccessKeyRef::Id(AccessKeyId::from_string("zz")),
            Timestamp::from_millis(1),
            None,
        )
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)));
    assert_eq!(
        store
            .list_access_keys(Some(&o.id), &Seek::first(10))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .list_access_keys(Some(&OrgId::from_string("none")), &Seek::first(10))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        store
            .list_access_keys(None, &Seek::first(1))
            .await
            .unwrap()
            .len(),
        1
    );

    // The same hash twice is refused by the database.
    let dup = store
        .insert_access_key(&key("k3"), &SecretHash::of("secret-1"), None)
        .await;
    assert!(dup.is_err());
}

async fn api_tokens_are_found_only_by_kind_and_while_unrevoked(store: SqlStore) {
    let token = ApiToken {
        id: ApiTokenId::from_string("t1"),
        kind: ApiTokenKind::SpectraBackend,
        name: "main".into(),
        prefix: "abcdef".into(),
        created_at: Timestamp::from_millis(1),
        revoked_at: None,
    };
    let hash = SecretHash::of("tok");
    store.insert_api_token(&token, &hash, None).await.unwrap();
    assert_eq!(
        store
            .find_active_api_token(ApiTokenKind::SpectraBackend, &hash)
            .await
            .unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        store
            .find_active_api_token(ApiTokenKind::SpectraStats, &hash)
            .await
            .unwrap(),
        None
    );
    store
        .revoke_api_token(&token.id, Timestamp::from_millis(2), None)
        .await
        .unwrap();
    assert_eq!(
        store
            .find_active_api_token(ApiTokenKind::SpectraBackend, &hash)
            .await
            .unwrap(),
        None
    );
    let listed = store.list_api_tokens(&Seek::first(10)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(Timestamp::from_millis(2)));
    assert!(matches!(
        store
            .revoke_api_token(
                &ApiTokenId::from_string("nope"),
                Timestamp::from_millis(3),
                None,
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn migrating_twice_changes_nothing(store: SqlStore) {
    store.migrate().await.unwrap();
    let states = store.migration_status().await.unwrap();
    assert!(!states.is_empty());
    assert!(states.iter().all(|m| m.applied), "{states:?}");
}

fn revocation(at: i64, entity_type: &str, entity_id: &str) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at: Timestamp::from_millis(at),
        actor: "alice".into(),
        actor_id: None,
        action: "revoke".into(),
        entity_type: entity_type.into(),
        entity_id: Some(entity_id.into()),
        source: "cli".into(),
    }
}

/// The core tries an operator's argument as a key's id first, with an entry naming that
/// argument, which may be the key itself: when no key has that id, the entry must not be
/// stored. Likewise for an unknown token or organisation.
async fn a_revocation_that_finds_nothing_records_nothing(store: SqlStore) {
    let all = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    let o = org("Org", 1);
    store.insert_org(&o, None).await.unwrap();
    let key = AccessKey {
        id: AccessKeyId::from_string("k1"),
        org_id: o.id.clone(),
        prefix: "abc123".into(),
        created_at: Timestamp::from_millis(1),
        expires_at: None,
        revoked_at: None,
    };
    store
        .insert_access_key(&key, &SecretHash::of("the-key"), None)
        .await
        .unwrap();
    let by_secret_as_id = store
        .revoke_access_key(
            &AccessKeyRef::Id(AccessKeyId::from_string("the-key")),
            Timestamp::from_millis(2),
            Some(&revocation(2, "keys", "the-key")),
        )
        .await;
    assert!(matches!(by_secret_as_id, Err(StoreError::NotFound)));
    let missing_token = store
        .revoke_api_token(
            &ApiTokenId::from_string("nope"),
            Timestamp::from_millis(2),
            Some(&revocation(2, "tokens", "nope")),
        )
        .await;
    assert!(matches!(missing_token, Err(StoreError::NotFound)));
    let missing_org = store
        .set_supporter(
            &OrgId::from_string("nope"),
            true,
            None,
            Some(&revocation(2, "orgs", "nope")),
        )
        .await;
    assert!(matches!(missing_org, Err(StoreError::NotFound)));
    assert!(store.list_audit(&all).await.unwrap().is_empty());

    let revoked = store
        .revoke_access_key(
            &AccessKeyRef::Hash(SecretHash::of("the-key")),
            Timestamp::from_millis(3),
            Some(&revocation(3, "keys", "k1")),
        )
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(Timestamp::from_millis(3)));
    let entries = store.list_audit(&all).await.unwrap();
    let seen: Vec<_> = entries
        .iter()
        .map(|e| (e.entity_type.as_str(), e.entity_id.as_deref()))
        .collect();
    assert_eq!(seen, [("keys", Some("k1"))]);
}
