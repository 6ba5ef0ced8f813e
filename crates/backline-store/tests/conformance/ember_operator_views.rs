//! What operators read of the game integration: server overviews (polling, queue depth, last
//! error), executions failed first and by action, bans by status, reach and reason, roles
//! edited, reordered and their holders.

use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::ember::actions::{ActionKind, ExecutionOrder, ExecutionStatus, PlayerRef};
use backline_domain::ember::bans::{Ban, BanIssuer, BanReach, BanScope, BanStatus};
use backline_domain::ember::roles::Role;
use backline_domain::ember::servers::{GameServer, RoleSync};
use backline_domain::ids::{ActionId, BanId, RoleId, ServerId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;
use serde_json::json;

backline_store::stories!(crate::with_store =>
    server_overviews_count_the_queue_find_the_last_failure_and_page_by_creation,
    executions_are_listed_failed_first_by_action_and_paged,
    bans_are_filtered_by_status_reach_and_reason_newest_first,
    roles_are_edited_reordered_and_their_holders_listed,
);

fn server(name: &str, groups: &[&str], created: i64) -> GameServer {
    GameServer {
        id: ServerId::generate(),
        name: name.into(),
        game: "gmod".into(),
        address: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        poll_interval_seconds: 10,
        enforced_ban_scopes: vec![BanScope::Global, BanScope::Server],
        default_ban_group: None,
        role_sync: RoleSync::default(),
        ban_log: false,
        may_lift_operator_bans: false,
        settings_version: 1,
        created_at: Timestamp::from_millis(created),
        last_poll_at: None,
    }
}

async fn insert(store: &SqlStore, s: &GameServer) {
    store
        .insert_server(s, &SecretHash::of(s.id.as_str()), "prefix", None)
        .await
        .unwrap();
}

async fn queue(store: &SqlStore, servers: &[ServerId], command: &str) -> Vec<i64> {
    store
        .queue_executions(
            servers,
            &NewExecution {
                kind: ActionKind::Command,
                payload: &json!({"command": command}),
                player: None,
                require_online: false,
                rerun_of: None,
                enforces_ban: false,
                action: None,
            },
            Timestamp::from_millis(5),
            None,
        )
        .await
        .unwrap()
        .iter()
        .map(|e| e.id.0)
        .collect()
}

async fn user(store: &SqlStore, account: &str) -> UserId {
    let id = UserId::generate();
    let user = User {
        id: id.clone(),
        username: format!("player-{account}"),
        display_name: String::new(),
        avatar_url: String::new(),
        email: None,
        disabled: false,
        sessions_revoked_before: None,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    store
        .insert_user(&user, None, &[ExternalAccount::new("steam", account)], None)
        .await
        .unwrap();
    id
}

async fn server_overviews_count_the_queue_find_the_last_failure_and_page_by_creation(
    store: SqlStore,
) {
    let eu = server("GMod EU", &["eu"], 100);
    let us = server("Rust US", &["us"], 200);
    let eu2 = server("gmod eu two", &["eu", "event"], 200);
    for s in [&eu, &us, &eu2] {
        insert(&store, s).await;
    }
    let ids = queue(&store, &[eu.id.clone(), us.id.clone()], "say 1").await;
    queue(&store, std::slice::from_ref(&eu.id), "say 2").await;
    queue(&store, std::slice::from_ref(&eu.id), "say 3").await;
    let now = Timestamp::from_millis(1_000_000);
    let lease = store
        .poll(&eu, &[], now, now.plus_seconds(60), 2)
        .await
        .unwrap();
    assert_eq!(lease.executions.len(), 2);
    store
        .finish_execution(&eu.id, lease.executions[0].id, Some("first"), now)
        .await
        .unwrap();
    store
        .finish_execution(&eu.id, lease.executions[1].id, Some("second"), now)
        .await
        .unwrap();
    store
        .finish_execution(&us.id, backline_domain::ids::ExecutionId(ids[1]), None, now)
        .await
        .unwrap();

    let all = store
        .server_overviews(&ServerFilter::default(), now, None, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].server.id, eu.id);
    let first = &all[0];
    assert_eq!((first.queue_depth, first.leased), (1, 0));
    assert!(first.polling);
    let error = first.last_error.as_ref().unwrap();
    assert_eq!(
        (error.execution_id, error.error.as_str(), error.at),
        (lease.executions[1].id, "second", now)
    );
    let us_view = all.iter().find(|o| o.server.id == us.id).unwrap();
    assert_eq!((us_view.queue_depth, us_view.polling), (0, false));
    assert!(us_view.last_error.is_none());

    let filtered = |filter: ServerFilter, at: Timestamp| {
        let store = store.clone();
        async move {
            let mut ids: Vec<ServerId> = store
                .server_overviews(&filter, at, None, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.server.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut ids: Vec<ServerId>| {
        ids.sort();
        ids
    };
    let group = |g: &str| ServerFilter {
        group: Some(g.into()),
        ..ServerFilter::default()
    };
    assert_eq!(
        filtered(group("eu"), now).await,
        sorted(vec![eu.id.clone(), eu2.id.clone()])
    );
    assert_eq!(filtered(group("even"), now).await, vec![]);
    let name = ServerFilter {
        name_contains: Some("EU".into()),
        ..ServerFilter::default()
    };
    assert_eq!(
        filtered(name, now).await,
        sorted(vec![eu.id.clone(), eu2.id.clone()])
    );
    let underscore = ServerFilter {
        name_contains: Some("_".into()),
        ..ServerFilter::default()
    };
    assert_eq!(filtered(underscore, now).await, vec![]);
    let polling = |p: bool| ServerFilter {
        polling: Some(p),
        ..ServerFilter::default()
    };
    assert_eq!(filtered(polling(true), now).await, vec![eu.id.clone()]);
    // Exactly three intervals later it still polls; a millisecond more and it stopped.
    let edge = now.plus_seconds(30);
    assert_eq!(filtered(polling(true), edge).await, vec![eu.id.clone()]);
    let after = Timestamp::from_millis(edge.millis() + 1);
    assert_eq!(filtered(polling(true), after).await, vec![]);
    assert_eq!(filtered(polling(false), after).await.len(), 3);

    // Pages by (created_at, id): the two created at 200 are told apart by id.
    let page1 = store
        .server_overviews(&ServerFilter::default(), now, None, 2)
        .await
        .unwrap();
    let last = &page1[1].server;
    let page2 = store
        .server_overviews(
            &ServerFilter::default(),
            now,
            Some(&(last.created_at, last.id.clone())),
            2,
        )
        .await
        .unwrap();
    let mut seen: Vec<ServerId> = page1
        .iter()
        .chain(&page2)
        .map(|o| o.server.id.clone())
        .collect();
    assert_eq!(seen.len(), 3);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);
}

async fn executions_are_listed_failed_first_by_action_and_paged(store: SqlStore) {
    let a = server("A", &["eu"], 1);
    let b = server("B", &["eu"], 2);
    insert(&store, &a).await;
    insert(&store, &b).await;
    let both = queue(&store, &[a.id.clone(), b.id.clone()], "say both").await;
    let single = queue(&store, std::slice::from_ref(&a.id), "say a").await;
    let now = Timestamp::from_millis(10);
    store
        .finish_execution(
            &a.id,
            backline_domain::ids::ExecutionId(both[0]),
            Some("x"),
            now,
        )
        .await
        .unwrap();
    let all = store
        .filter_executions(&ExecutionFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|e| e.id.0).collect::<Vec<_>>(),
        vec![single[0], both[1], both[0]]
    );
    // Executions queued together share their action; separate queues do not.
    assert_eq!(all[1].action_id, all[2].action_id);
    assert_ne!(all[0].action_id, all[1].action_id);
    let action: ActionId = all[1].action_id.clone().unwrap();
    let of_action = store
        .filter_executions(
            &ExecutionFilter {
                action: Some(action),
                ..ExecutionFilter::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(of_action.len(), 2);
    let failed_first = ExecutionFilter {
        order: ExecutionOrder::FailedFirst,
        ..ExecutionFilter::default()
    };
    let page1 = store
        .filter_executions(&failed_first, None, 2)
        .await
        .unwrap();
    assert_eq!(
        page1.iter().map(|e| e.id.0).collect::<Vec<_>>(),
        vec![both[0], single[0]]
    );
    let key = ExecutionKey {
        failed: page1[1].status == ExecutionStatus::Failed,
        id: page1[1].id,
    };
    let page2 = store
        .filter_executions(&failed_first, Some(key), 2)
        .await
        .unwrap();
    assert_eq!(
        page2.iter().map(|e| e.id.0).collect::<Vec<_>>(),
        vec![both[1]]
    );
    let on_b = store
        .filter_executions(
            &ExecutionFilter {
                server: Some(b.id.clone()),
                status: Some(ExecutionStatus::Queued),
                kind: Some(ActionKind::Command),
                ..ExecutionFilter::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        on_b.iter().map(|e| e.id.0).collect::<Vec<_>>(),
        vec![both[1]]
    );
}

fn ban(user: &UserId, scope: BanScope, group: Option<&str>, reason: &str, created: i64) -> Ban {
    Ban {
        id: BanId::generate(),
        user_id: user.clone(),
        source: "steam".into(),
        account_id: "1".into(),
        scope,
        server_group: group.map(str::to_owned),
        admin_user_id: None,
        issued_by: BanIssuer::Server,
        reason: reason.into(),
        created_at: Timestamp::from_millis(created),
        expires_at: None,
        lifted_at: None,
    }
}

async fn bans_are_filtered_by_status_reach_and_reason_newest_first(store: SqlStore) {
    let one = user(&store, "1").await;
    let two = user(&store, "2").await;
    let global = ban(&one, BanScope::Global, None, "Cheating", 10);
    let eu = ban(&two, BanScope::Server, Some("eu"), "Toxic_chat", 20);
    let mut expired = ban(&one, BanScope::Web, None, "Spam 100%", 30);
    expired.expires_at = Some(Timestamp::from_millis(50));
    let mut lifted = ban(&two, BanScope::Server, Some("us"), "toxic", 40);
    lifted.lifted_at = Some(Timestamp::from_millis(45));
    for b in [&global, &eu, &expired, &lifted] {
        store.insert_ban(b, None).await.unwrap();
    }
    let now = Timestamp::from_millis(100);
    let ids = |bans: Vec<Ban>| bans.into_iter().map(|b| b.id).collect::<Vec<_>>();
    let list = |filter: BanFilter| {
        let store = store.clone();
        async move { ids(store.filter_bans(&filter, now, None, 10).await.unwrap()) }
    };
    assert_eq!(
        list(BanFilter::default()).await,
        vec![
            lifted.id.clone(),
            expired.id.clone(),
            eu.id.clone(),
            global.id.clone()
        ]
    );
    for (status, expected) in [
        (BanStatus::Active, vec![eu.id.clone(), global.id.clone()]),
        (BanStatus::Expired, vec![expired.id.clone()]),
        (BanStatus::Lifted, vec![lifted.id.clone()]),
    ] {
        let filter = BanFilter {
            status: Some(status),
            ..BanFilter::default()
        };
        assert_eq!(list(filter).await, expected, "{status:?}");
        // The same rule as `Ban::status`.
        for b in [&global, &eu, &expired, &lifted] {
            assert_eq!(b.status(now) == status, expected.contains(&b.id));
        }
    }
    let reach = BanFilter {
        reach: Some(BanReach {
            global: true,
            server_groups: vec!["eu".into()],
        }),
        ..BanFilter::default()
    };
    assert_eq!(list(reach).await, vec![eu.id.clone(), global.id.clone()]);
    let nothing = BanFilter {
        reach: Some(BanReach {
            global: false,
            server_groups: vec![],
        }),
        ..BanFilter::default()
    };
    assert_eq!(list(nothing).await, vec![]);
    let of_user = BanFilter {
        user: Some(one.clone()),
        scope: Some(BanScope::Global),
        ..BanFilter::default()
    };
    assert_eq!(list(of_user).await, vec![global.id.clone()]);
    for (needle, expected) in [
        ("TOXIC", vec![lifted.id.clone(), eu.id.clone()]),
        ("c_c", vec![eu.id.clone()]),
        ("%", vec![expired.id.clone()]),
    ] {
        let filter = BanFilter {
            reason_contains: Some(needle.into()),
            ..BanFilter::default()
        };
        assert_eq!(list(filter).await, expected, "{needle}");
    }
    let page = store
        .filter_bans(
            &BanFilter::default(),
            now,
            Some(&(expired.created_at, expired.id.clone())),
            10,
        )
        .await
        .unwrap();
    assert_eq!(ids(page), vec![eu.id.clone(), global.id.clone()]);
    assert_eq!(store.get_ban(&eu.id).await.unwrap(), Some(eu.clone()));
    assert_eq!(
        store.get_ban(&BanId::from_string("nosuch")).await.unwrap(),
        None
    );
}

fn role(name: &str, position: i64) -> Role {
    Role {
        id: RoleId::generate(),
        name: name.into(),
        ingame: name.to_lowercase(),
        position,
        server_groups: vec![],
    }
}

async fn roles_are_edited_reordered_and_their_holders_listed(store: SqlStore) {
    let admin = role("Admin", 1);
    let vip = role("VIP", 2);
    store.insert_role(&admin, None).await.unwrap();
    store.insert_role(&vip, None).await.unwrap();
    let mut edited = vip.clone();
    edited.name = "Supporter".into();
    edited.server_groups = vec!["eu".into()];
    store.update_role(&edited, None).await.unwrap();
    let mut clash = edited.clone();
    clash.ingame = "admin".into();
    assert!(matches!(
        store.update_role(&clash, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.update_role(&role("Ghost", 1), None).await,
        Err(StoreError::NotFound)
    ));
    store
        .reorder_roles(&[vip.id.clone(), admin.id.clone()], None)
        .await
        .unwrap();
    let roles = store.list_roles().await.unwrap();
    assert_eq!(
        roles
            .iter()
            .map(|r| (r.name.as_str(), r.position, r.server_groups.clone()))
            .collect::<Vec<_>>(),
        vec![
            ("Supporter", 1, vec!["eu".to_owned()]),
            ("Admin", 2, vec![])
        ]
    );
    // An unknown id changes nothing.
    assert!(matches!(
        store
            .reorder_roles(&[admin.id.clone(), RoleId::from_string("nosuch")], None)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.list_roles().await.unwrap()[0].name, "Supporter");

    let mut users = vec![
        user(&store, "1").await,
        user(&store, "2").await,
        user(&store, "3").await,
    ];
    for u in &users {
        store
            .grant_role(u, &admin.id, Timestamp::from_millis(7), None)
            .await
            .unwrap();
    }
    store
        .revoke_role(&users[2], &admin.id, Timestamp::from_millis(8), None)
        .await
        .unwrap();
    let revoked = users.pop().unwrap();
    users.sort();
    let page1 = store.role_holders(&admin.id, None, 1).await.unwrap();
    assert_eq!(page1.len(), 1);
    assert_eq!(page1[0].user_id, users[0]);
    assert_eq!(page1[0].granted_at, Timestamp::from_millis(7));
    assert_eq!(page1[0].accounts.len(), 1);
    let page2 = store
        .role_holders(&admin.id, Some(&page1[0].user_id), 5)
        .await
        .unwrap();
    assert_eq!(
        page2.iter().map(|h| h.user_id.clone()).collect::<Vec<_>>(),
        vec![users[1].clone()]
    );
    assert!(!page2.iter().any(|h| h.user_id == revoked));
    let account = &page2[0].accounts[0];
    assert_eq!(account.source, "steam");
    let _: &PlayerRef = account;
}
