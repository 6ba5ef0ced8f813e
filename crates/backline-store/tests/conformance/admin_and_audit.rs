//! Operators' admin tokens and the audit log.

use backline_domain::admin::{AdminRole, AdminToken, AuditEntry};
use backline_domain::ids::AdminTokenId;
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    admin_tokens_are_stored_once_per_name_found_by_hash_and_revoked_by_id_or_name,
    an_admin_token_secret_is_replaced_and_its_revocation_cleared,
    the_audit_log_is_filtered_and_paged_newest_first,
);

fn token(name: &str, role: AdminRole, created: i64) -> AdminToken {
    AdminToken {
        id: AdminTokenId::generate(),
        name: name.into(),
        role,
        prefix: "abcdef".into(),
        created_at: Timestamp::from_millis(created),
        revoked_at: None,
    }
}

async fn admin_tokens_are_stored_once_per_name_found_by_hash_and_revoked_by_id_or_name(
    store: SqlStore,
) {
    let owner = token("root", AdminRole::Owner, 1);
    let viewer = token("eyes", AdminRole::Viewer, 2);
    assert!(store
        .insert_admin_token_if_absent(&owner, &SecretHash::of("o"))
        .await
        .unwrap());
    assert!(store
        .insert_admin_token_if_absent(&viewer, &SecretHash::of("v"))
        .await
        .unwrap());
    let same_name = token("root", AdminRole::Viewer, 3);
    assert!(!store
        .insert_admin_token_if_absent(&same_name, &SecretHash::of("x"))
        .await
        .unwrap());
    assert_eq!(
        store.list_admin_tokens(&Seek::first(10)).await.unwrap(),
        vec![owner.clone(), viewer.clone()]
    );
    assert_eq!(
        store
            .find_active_admin_token(&SecretHash::of("v"))
            .await
            .unwrap(),
        Some(viewer.clone())
    );
    assert_eq!(
        store
            .find_active_admin_token(&SecretHash::of("x"))
            .await
            .unwrap(),
        None
    );

    let revoked = store
        .revoke_admin_token(
            &AdminTokenRef::Name("eyes".into()),
            Timestamp::from_millis(10),
        )
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(Timestamp::from_millis(10)));
    // Revoking again keeps the first time.
    let again = store
        .revoke_admin_token(
            &AdminTokenRef::Id(viewer.id.clone()),
            Timestamp::from_millis(20),
        )
        .await
        .unwrap();
    assert_eq!(again.revoked_at, Some(Timestamp::from_millis(10)));
    assert_eq!(
        store
            .find_active_admin_token(&SecretHash::of("v"))
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store
            .revoke_admin_token(
                &AdminTokenRef::Name("nobody".into()),
                Timestamp::from_millis(1)
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn an_admin_token_secret_is_replaced_and_its_revocation_cleared(store: SqlStore) {
    let owner = token("bootstrap", AdminRole::Owner, 1);
    store
        .insert_admin_token_if_absent(&owner, &SecretHash::of("old"))
        .await
        .unwrap();
    store
        .revoke_admin_token(
            &AdminTokenRef::Id(owner.id.clone()),
            Timestamp::from_millis(5),
        )
        .await
        .unwrap();
    let replaced = store
        .replace_admin_token_secret("bootstrap", &SecretHash::of("new"), "newpre")
        .await
        .unwrap();
    assert_eq!(
        (replaced.prefix.as_str(), replaced.revoked_at),
        ("newpre", None)
    );
    assert_eq!(
        store
            .find_active_admin_token(&SecretHash::of("old"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_active_admin_token(&SecretHash::of("new"))
            .await
            .unwrap()
            .map(|t| t.id),
        Some(owner.id)
    );
    assert!(matches!(
        store
            .replace_admin_token_secret("nobody", &SecretHash::of("n"), "n")
            .await,
        Err(StoreError::NotFound)
    ));
}

fn entry(at: i64, actor: &str, entity_type: &str, entity_id: &str) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at: Timestamp::from_millis(at),
        actor: actor.into(),
        actor_id: None,
        action: format!("{entity_type} write"),
        entity_type: entity_type.into(),
        entity_id: Some(entity_id.into()),
        source: "cli".into(),
    }
}

async fn the_audit_log_is_filtered_and_paged_newest_first(store: SqlStore) {
    store
        .insert_audit(&entry(100, "alice", "orgs", "o1"))
        .await
        .unwrap();
    store
        .insert_audit(&entry(200, "bob", "players", "p1"))
        .await
        .unwrap();
    store
        .insert_audit(&entry(300, "alice", "players", "p2"))
        .await
        .unwrap();
    let all = |f: AuditFilter| {
        let store = store.clone();
        async move {
            store
                .list_audit(&AuditFilter { limit: 10, ..f })
                .await
                .unwrap()
        }
    };
    let everything = all(AuditFilter::default()).await;
    let ids: Vec<_> = everything
        .iter()
        .map(|e| e.entity_id.clone().unwrap())
        .collect();
    assert_eq!(ids, vec!["p2", "p1", "o1"]);
    assert!(everything[0].seq > everything[1].seq && everything[1].seq > everything[2].seq);
    assert_eq!(everything[2].at, Timestamp::from_millis(100));
    assert_eq!(everything[2].action, "orgs write");

    let alice_players = all(AuditFilter {
        actor: Some("alice".into()),
        entity_type: Some("players".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(alice_players.len(), 1);
    assert_eq!(alice_players[0].entity_id.as_deref(), Some("p2"));
    let window = all(AuditFilter {
        since: Some(Timestamp::from_millis(200)),
        until: Some(Timestamp::from_millis(300)),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(window.len(), 1);
    assert_eq!(window[0].actor, "bob");
    let by_action = all(AuditFilter {
        action: Some("orgs write".into()),
        entity_id: Some("o1".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_action.len(), 1);

    let first = store
        .list_audit(&AuditFilter {
            limit: 2,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let rest = all(AuditFilter {
        before_seq: Some(first[1].seq),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].entity_id.as_deref(), Some("o1"));
}
