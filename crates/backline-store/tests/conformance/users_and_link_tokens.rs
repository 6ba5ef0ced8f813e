//! Operators' lists of users and link tokens: filters, keyset pages, revocation.

use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ids::{LinkTokenId, ServerId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    users_are_listed_by_username_with_filters_and_pages,
    link_tokens_are_listed_by_state_and_revoked_only_while_unused,
);

fn user(name: &str, display: &str, email: Option<&str>) -> User {
    User {
        id: UserId::generate(),
        username: name.into(),
        display_name: display.into(),
        avatar_url: String::new(),
        email: email.map(str::to_owned),
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    }
}

async fn names(store: &SqlStore, filter: UserFilter) -> Vec<String> {
    store
        .list_users(&filter, &Seek::first(100))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect()
}

async fn users_are_listed_by_username_with_filters_and_pages(store: SqlStore) {
    let carol = user("carol", "Carol 100%", Some("c@example.org"));
    let alice = user("alice", "Alice", None);
    let bob = user("bob", "Bobby", Some("bob@Example.org"));
    store
        .insert_user(
            &carol,
            None,
            &[ExternalAccount::new("discord", "111")],
            None,
        )
        .await
        .unwrap();
    store.insert_user(&alice, None, &[], None).await.unwrap();
    store
        .insert_user(
            &bob,
            None,
            &[
                ExternalAccount::new("discord", "222"),
                ExternalAccount::new("steam", "333"),
            ],
            None,
        )
        .await
        .unwrap();
    store
        .add_group(&bob.id, SystemGroup::GlobalBots, None)
        .await
        .unwrap();
    store
        .set_disabled(&alice.id, true, Timestamp::from_millis(2), None)
        .await
        .unwrap();

    assert_eq!(
        names(&store, UserFilter::default()).await,
        ["alice", "bob", "carol"]
    );
    let text = |t: &str| UserFilter {
        text: Some(t.into()),
        ..UserFilter::default()
    };
    assert_eq!(names(&store, text("BOB")).await, ["bob"]);
    assert_eq!(names(&store, text("example")).await, ["bob", "carol"]);
    // LIKE wildcards are searched for literally.
    assert_eq!(names(&store, text("100%")).await, ["carol"]);
    assert!(names(&store, text("_")).await.is_empty());
    let disabled = |d: bool| UserFilter {
        disabled: Some(d),
        ..UserFilter::default()
    };
    assert_eq!(names(&store, disabled(true)).await, ["alice"]);
    assert_eq!(names(&store, disabled(false)).await, ["bob", "carol"]);
    let group = UserFilter {
        group: Some(SystemGroup::GlobalBots),
        ..UserFilter::default()
    };
    assert_eq!(names(&store, group).await, ["bob"]);
    let source = UserFilter {
        source: Some("discord".into()),
        ..UserFilter::default()
    };
    assert_eq!(names(&store, source).await, ["bob", "carol"]);
    let account = UserFilter {
        source: Some("discord".into()),
        account_id: Some("111".into()),
        ..UserFilter::default()
    };
    assert_eq!(names(&store, account).await, ["carol"]);

    let first = store
        .list_users(&UserFilter::default(), &Seek::first(2))
        .await
        .unwrap();
    assert_eq!(
        first,
        vec![alice_disabled(&store, &alice).await, bob.clone()]
    );
    let rest = store
        .list_users(
            &UserFilter::default(),
            &Seek {
                after: Some("bob".into()),
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest, vec![carol.clone()]);
    // The users of several accounts in one read: those linked, none for an unknown one.
    let mut linked = store
        .user_ids_by_external(&[
            ExternalAccount::new("discord", "111"),
            ExternalAccount::new("steam", "333"),
            ExternalAccount::new("steam", "999"),
            ExternalAccount::new("discord", "222"),
        ])
        .await
        .unwrap();
    linked.sort_by(|a, b| a.0.account_id.cmp(&b.0.account_id));
    assert_eq!(
        linked,
        vec![
            (ExternalAccount::new("discord", "111"), carol.id.clone()),
            (ExternalAccount::new("discord", "222"), bob.id.clone()),
            (ExternalAccount::new("steam", "333"), bob.id.clone()),
        ]
    );
    assert!(store.user_ids_by_external(&[]).await.unwrap().is_empty());
}

async fn alice_disabled(store: &SqlStore, alice: &User) -> User {
    let stored = store.get_user(&alice.id).await.unwrap().unwrap();
    assert!(stored.disabled);
    stored
}

async fn link_tokens_are_listed_by_state_and_revoked_only_while_unused(store: SqlStore) {
    let server = ServerId::from_string("srv-1");
    let other = ServerId::from_string("srv-2");
    let player = |id: &str| PlayerRef {
        source: "steam".into(),
        account_id: id.into(),
    };
    let t = Timestamp::from_millis;
    // Created at 1, 2, 3; expiring at 100 except the second (50).
    for (hash, srv, id, created, expires) in [
        ("h-active", &server, "1", 1, 100),
        ("h-expired", &server, "2", 2, 50),
        ("h-used", &other, "3", 3, 100),
    ] {
        store
            .insert_link_token(
                &SecretHash::of(hash),
                srv,
                &player(id),
                t(created),
                t(expires),
            )
            .await
            .unwrap();
    }
    let user = user("linker", "Linker", None);
    store.insert_user(&user, None, &[], None).await.unwrap();
    store
        .redeem_link_token(&SecretHash::of("h-used"), &user.id, t(10))
        .await
        .unwrap()
        .unwrap();

    let list = |state: Option<LinkTokenState>, server: Option<ServerId>, p: Option<PlayerRef>| {
        let store = store.clone();
        async move {
            let filter = LinkTokenFilter {
                server,
                state,
                player: p,
                now: t(60),
            };
            store
                .list_link_tokens(&filter, &Seek::first(10))
                .await
                .unwrap()
        }
    };
    let all = list(None, None, None).await;
    let ids: Vec<_> = all.iter().map(|r| r.player.account_id.as_str()).collect();
    assert_eq!(ids, ["3", "2", "1"], "newest first");
    assert!(all.iter().all(|r| !r.id.as_str().is_empty()));
    assert_eq!(all[0].redeemed_by, Some(user.id.clone()));
    assert_eq!(all[0].redeemed_at, Some(t(10)));
    let state = |s| async move {
        list(Some(s), None, None)
            .await
            .into_iter()
            .map(|r| r.player.account_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(state(LinkTokenState::Active).await, ["1"]);
    assert_eq!(state(LinkTokenState::Expired).await, ["2"]);
    assert_eq!(state(LinkTokenState::Used).await, ["3"]);
    assert_eq!(list(None, Some(other.clone()), None).await.len(), 1);
    assert_eq!(list(None, None, Some(player("2"))).await.len(), 1);

    // Pages continue after the last key.
    let first = store
        .list_link_tokens(
            &LinkTokenFilter {
                server: None,
                state: None,
                player: None,
                now: t(60),
            },
            &Seek::first(2),
        )
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let after = Seek {
        after: Some(TimeKey {
            at: first[1].created_at,
            id: first[1].id.to_string(),
        }),
        limit: 10,
    };
    let rest = store
        .list_link_tokens(
            &LinkTokenFilter {
                server: None,
                state: None,
                player: None,
                now: t(60),
            },
            &after,
        )
        .await
        .unwrap();
    assert_eq!(rest, vec![all[2].clone()]);

    // A used token stays; an unused one goes and can no longer be redeemed.
    assert_eq!(
        store.revoke_link_token(&all[0].id, None).await.unwrap(),
        Err(LinkRevokeError::AlreadyRedeemed)
    );
    assert_eq!(
        store.revoke_link_token(&all[2].id, None).await.unwrap(),
        Ok(all[2].clone())
    );
    assert_eq!(
        store
            .revoke_link_token(&LinkTokenId::from_string("nope"), None)
            .await
            .unwrap(),
        Err(LinkRevokeError::Unknown)
    );
    assert_eq!(
        store
            .redeem_link_token(&SecretHash::of("h-active"), &user.id, t(20))
            .await
            .unwrap(),
        Err(LinkRedeemError::Unknown)
    );
    assert_eq!(list(None, None, None).await.len(), 2);
}
