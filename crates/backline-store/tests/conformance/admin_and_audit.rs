//! Operators' admin tokens and the audit log.

use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
use backline_domain::admin::{AdminRole, AdminToken, AuditEntry};
use backline_domain::ember::bans::{Ban, BanIssuer, BanScope};
use backline_domain::ids::{AdminTokenId, BanId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    admin_tokens_are_stored_once_per_name_found_by_hash_and_revoked_by_id_or_name,
    an_admin_token_secret_is_replaced_and_its_revocation_cleared,
    the_audit_log_is_filtered_and_paged_newest_first,
    an_audited_change_and_its_entry_are_stored_together_or_not_at_all,
    an_operator_change_that_does_not_happen_records_nothing,
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
        .insert_admin_token_if_absent(&owner, &SecretHash::of("o"), None)
        .await
        .unwrap());
    assert!(store
        .insert_admin_token_if_absent(&viewer, &SecretHash::of("v"), None)
        .await
        .unwrap());
    let same_name = token("root", AdminRole::Viewer, 3);
    assert!(!store
        .insert_admin_token_if_absent(&same_name, &SecretHash::of("x"), None)
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
            None,
        )
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(Timestamp::from_millis(10)));
    // Revoking again keeps the first time.
    let again = store
        .revoke_admin_token(
            &AdminTokenRef::Id(viewer.id.clone()),
            Timestamp::from_millis(20),
            None,
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
                Timestamp::from_millis(1),
                None,
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn an_admin_token_secret_is_replaced_and_its_revocation_cleared(store: SqlStore) {
    let owner = token("bootstrap", AdminRole::Owner, 1);
    store
        .insert_admin_token_if_absent(&owner, &SecretHash::of("old"), None)
        .await
        .unwrap();
    store
        .revoke_admin_token(
            &AdminTokenRef::Id(owner.id.clone()),
            Timestamp::from_millis(5),
            None,
        )
        .await
        .unwrap();
    let replaced = store
        .replace_admin_token_secret("bootstrap", &SecretHash::of("new"), "newpre", None)
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
            .replace_admin_token_secret("nobody", &SecretHash::of("n"), "n", None)
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

/// The transaction of an operator's change holds its audit entry: a change that is refused
/// (here a ban whose user does not exist, refused by the foreign key) leaves no entry, one
/// that is stored has exactly one.
async fn an_audited_change_and_its_entry_are_stored_together_or_not_at_all(store: SqlStore) {
    let ban = |user: UserId| Ban {
        id: BanId::generate(),
        user_id: user,
        source: "steam".into(),
        account_id: "7656".into(),
        scope: BanScope::Global,
        server_group: None,
        admin_user_id: None,
        issued_by: BanIssuer::Operator,
        reason: "cheating".into(),
        created_at: Timestamp::from_millis(1),
        expires_at: None,
        lifted_at: None,
    };
    let all = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    let orphan = ban(UserId::generate());
    let refused = store
        .insert_ban(
            &orphan,
            Some(&entry(10, "alice", "bans", orphan.id.as_str())),
        )
        .await;
    assert!(refused.is_err(), "a ban of no user is refused");
    assert!(store.list_audit(&all).await.unwrap().is_empty());

    let user = User {
        id: UserId::generate(),
        username: "player".into(),
        display_name: String::new(),
        avatar_url: String::new(),
        email: None,
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    store
        .insert_user(&user, None, &[ExternalAccount::new("steam", "7656")], None)
        .await
        .unwrap();
    let stored = ban(user.id);
    store
        .insert_ban(
            &stored,
            Some(&entry(20, "alice", "bans", stored.id.as_str())),
        )
        .await
        .unwrap();
    store
        .lift_bans(
            std::slice::from_ref(&stored.id),
            Timestamp::from_millis(30),
            Some(&entry(30, "bob", "bans", stored.id.as_str())),
        )
        .await
        .unwrap();
    let entries = store.list_audit(&all).await.unwrap();
    let seen: Vec<_> = entries
        .iter()
        .map(|e| (e.actor.as_str(), e.entity_id.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("bob", Some(stored.id.as_str())),
            ("alice", Some(stored.id.as_str()))
        ]
    );
    let lifted = store.get_ban(&stored.id).await.unwrap().unwrap();
    assert_eq!(lifted.lifted_at, Some(Timestamp::from_millis(30)));
}

/// Writes that may not happen (a name taken, an account linked to someone else, an unknown
/// user) record their operator's entry only when they do; a write that changes nothing but
/// succeeds (linking an account the user has) is recorded. An admin token is found by id or
/// name, revoked or not.
async fn an_operator_change_that_does_not_happen_records_nothing(store: SqlStore) {
    let all = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    let owner = token("root", AdminRole::Owner, 1);
    let taken = token("root", AdminRole::Viewer, 2);
    assert!(store
        .insert_admin_token_if_absent(
            &owner,
            &SecretHash::of("o"),
            Some(&entry(1, "cli", "admin-tokens", owner.id.as_str())),
        )
        .await
        .unwrap());
    assert!(!store
        .insert_admin_token_if_absent(
            &taken,
            &SecretHash::of("t"),
            Some(&entry(2, "cli", "admin-tokens", taken.id.as_str())),
        )
        .await
        .unwrap());
    store
        .revoke_admin_token(
            &AdminTokenRef::Id(owner.id.clone()),
            Timestamp::from_millis(3),
            None,
        )
        .await
        .unwrap();
    for by in [
        AdminTokenRef::Id(owner.id.clone()),
        AdminTokenRef::Name("root".into()),
    ] {
        let found = store.find_admin_token(&by).await.unwrap().unwrap();
        assert_eq!(
            (found.id, found.revoked_at),
            (owner.id.clone(), Some(Timestamp::from_millis(3)))
        );
    }
    assert_eq!(
        store
            .find_admin_token(&AdminTokenRef::Name("nobody".into()))
            .await
            .unwrap(),
        None
    );

    let user = |name: &str| User {
        id: UserId::generate(),
        username: name.into(),
        display_name: String::new(),
        avatar_url: String::new(),
        email: None,
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    let (alice, bob) = (user("alice"), user("bob"));
    let steam = ExternalAccount::new("steam", "7656");
    store
        .insert_user(
            &alice,
            None,
            std::slice::from_ref(&steam),
            Some(&entry(4, "cli", "users", alice.id.as_str())),
        )
        .await
        .unwrap();
    store.insert_user(&bob, None, &[], None).await.unwrap();
    let now = Timestamp::from_millis(5);
    let refused = store
        .link_external(
            &bob.id,
            &steam,
            now,
            Some(&entry(5, "cli", "users", bob.id.as_str())),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let unknown = UserId::generate();
    let refused = store
        .set_disabled(
            &unknown,
            true,
            now,
            Some(&entry(6, "cli", "users", unknown.as_str())),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    store
        .link_external(
            &alice.id,
            &steam,
            now,
            Some(&entry(7, "cli", "users", alice.id.as_str())),
        )
        .await
        .unwrap();
    store
        .add_group(
            &alice.id,
            SystemGroup::GlobalBots,
            Some(&entry(8, "cli", "users", alice.id.as_str())),
        )
        .await
        .unwrap();

    let recorded: Vec<_> = store
        .list_audit(&all)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.at.millis())
        .collect();
    assert_eq!(recorded, [8, 7, 4, 1]);
    assert_eq!(
        store.groups(&alice.id).await.unwrap(),
        [SystemGroup::GlobalBots]
    );
}
