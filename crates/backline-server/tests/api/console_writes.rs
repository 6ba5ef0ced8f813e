//! Console writes over the game integration and the accounts: re-running a failed execution,
//! lifting a ban and managing roles, finding, disabling and linking users; each through the
//! same use cases as the admin API, checked in the store.

use crate::console::Visitor;
use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};

backline_store::stories!(crate::helpers::with_app =>
    ember_writes_from_the_console_rerun_lift_ban_and_manage_roles,
    users_are_found_disabled_and_linked_from_the_console,
);

/// A game server with one failed execution and a banned player; the server's id, token and
/// the execution's id.
pub async fn ember_world(app: &TestApp) -> (String, String, i64) {
    use crate::ember_helpers::{form, poll, server, STEAM_ID};
    let (server_id, token) = server(app, "Console Server", &["eu"]).await;
    let core = app.core().await;
    core.queue_action(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        &backline_server::core::ember::executions::Target::Server(server_id.clone()),
        backline_domain::ember::actions::ActionKind::Command,
        "say hi",
        None,
        false,
    )
    .await
    .unwrap();
    core.store.close().await;
    let delivered = poll(app, &token, "").await;
    let id = delivered
        .iter()
        .find_map(|a| a["payload"]["execution_id"].as_i64())
        .expect("the action is delivered");
    let finish = form(
        app,
        &token,
        Method::POST,
        &format!("/actions/executions/{id}/finish"),
        "_method=PATCH&error=Unknown+command",
    )
    .await;
    assert_eq!(finish.status, StatusCode::NO_CONTENT);
    let ban = form(
        app,
        &token,
        Method::POST,
        &format!("/players/steam/{STEAM_ID}/bans"),
        "scope=global&reason=griefing",
    )
    .await;
    assert!(ban.status.is_success(), "{ban:?}");
    (server_id, token, id)
}

async fn ember_writes_from_the_console_rerun_lift_ban_and_manage_roles(app: &TestApp) {
    let (server_id, _, failed) = ember_world(app).await;
    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&app.admin_token).await;
    let rerun = visitor
        .post(
            &format!("/console/executions/{failed}/rerun"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(rerun.status, StatusCode::SEE_OTHER, "{rerun:?}");
    let core = app.core().await;
    let executions = core
        .list_executions(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            Some(&server_id),
            None,
            10,
        )
        .await
        .unwrap();
    let again = executions
        .iter()
        .find(|e| e.rerun_of.map(|id| id.0) == Some(failed))
        .expect("a re-run");
    assert_eq!(
        rerun.location.as_deref(),
        Some(format!("/console/executions?rerun={}", again.id).as_str())
    );
    let running = visitor
        .post(
            &format!("/console/executions/{}/rerun", again.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        running.status,
        StatusCode::CONFLICT,
        "a queued execution is not re-run"
    );

    let player = backline_domain::ember::actions::PlayerRef::parse(&format!(
        "steam:{}",
        crate::ember_helpers::STEAM_ID
    ))
    .unwrap();
    let ban_id = core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &player,
        )
        .await
        .unwrap()[0]
        .id
        .to_string();
    let lifted = visitor
        .post(&format!("/console/bans/{ban_id}/lift"), &[("csrf", &csrf)])
        .await;
    assert_eq!(lifted.status, StatusCode::SEE_OTHER, "{lifted:?}");
    assert!(core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &player
        )
        .await
        .unwrap()[0]
        .lifted_at
        .is_some());
    let confirmed = visitor.get(lifted.location.as_deref().unwrap()).await;
    assert!(
        confirmed.text.contains("id=\"ban-notice\"")
            && confirmed.text.contains("Lifted the ban of"),
        "the page confirms the lift: {}",
        confirmed.text
    );
    let created = visitor
        .post(
            "/console/bans",
            &[
                ("csrf", &csrf),
                ("player", "steam:76561190000000001"),
                ("scope", "global"),
                ("group", ""),
                ("duration_minutes", "60"),
                ("reason", "spam"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{created:?}");
    let confirmed = visitor.get(created.location.as_deref().unwrap()).await;
    assert!(
        confirmed
            .text
            .contains("Banned <span class=\"mono\">steam:76561190000000001</span>"),
        "the page confirms the ban: {}",
        confirmed.text
    );
    // A player id off its source's format is refused on the form's page; nothing is stored.
    let store = app.store().await;
    let all_bans = || async {
        backline_store::BanStore::filter_bans(
            &store,
            &backline_store::BanFilter::default(),
            backline_domain::Timestamp::from_millis(0),
            None,
            100,
        )
        .await
        .unwrap()
        .len()
    };
    let users = || async {
        backline_store::UserStore::list_users(
            &store,
            &backline_store::UserFilter::default(),
            &backline_store::Seek::first(1000),
        )
        .await
        .unwrap()
        .len()
    };
    let before = (all_bans().await, users().await);
    for player in ["steam:1\"; quit; \"", "minecraft:Steve\nop Mallory x"] {
        let refused = visitor
            .post(
                "/console/bans",
                &[
                    ("csrf", &csrf),
                    ("player", player),
                    ("scope", "global"),
                    ("group", ""),
                    ("duration_minutes", ""),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{refused:?}"
        );
        assert!(refused.text.contains("account id"), "{}", refused.text);
    }
    assert_eq!((all_bans().await, users().await), before, "nothing stored");
    store.close().await;
    let spam = visitor
        .get("/console/bans?player=steam%3A76561190000000001")
        .await;
    assert!(
        spam.text.contains("spam") && spam.text.contains("active"),
        "{}",
        spam.text
    );

    for (name, ingame) in [("Admin", "admin"), ("VIP", "vip")] {
        let role = visitor
            .post(
                "/console/roles",
                &[
                    ("csrf", &csrf),
                    ("name", name),
                    ("ingame", ingame),
                    ("position", "10"),
                    ("groups", ""),
                ],
            )
            .await;
        assert_eq!(role.status, StatusCode::SEE_OTHER, "{role:?}");
    }
    let roles = core
        .list_roles(&crate::helpers::grant::<backline_server::core::access::View>())
        .await
        .unwrap();
    let vip = roles
        .iter()
        .find(|r| r.name == "VIP")
        .unwrap()
        .id
        .to_string();
    let up = visitor
        .post(&format!("/console/roles/{vip}/up"), &[("csrf", &csrf)])
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER);
    let mut roles = core
        .list_roles(&crate::helpers::grant::<backline_server::core::access::View>())
        .await
        .unwrap();
    roles.sort_by_key(|r| r.position);
    assert_eq!(roles[0].name, "VIP", "moved up: {roles:?}");
    let edited = visitor
        .post(
            &format!("/console/roles/{vip}"),
            &[("csrf", &csrf), ("ingame", "vip_plus"), ("groups", "eu")],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let granted = visitor
        .post(
            &format!("/console/roles/{vip}/grants"),
            &[
                ("csrf", &csrf),
                ("player", "steam:76561190000000001"),
                ("granted", "true"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{granted:?}");
    let holders = visitor.get(&format!("/console/roles/{vip}")).await;
    assert!(holders.text.contains("vip_plus"));
    assert!(
        holders.text.contains("76561190000000001"),
        "the grant is listed"
    );
    core.store.close().await;

    let audit = app.admin(Method::GET, "/audit?limit=50", None).await;
    for action in [
        "console: re-run execution",
        "console: lift ban",
        "console: create ban",
        "console: create role",
        "console: reorder roles",
        "console: edit role",
        "console: grant or revoke role",
    ] {
        assert!(audit.text.contains(action), "{action} audited");
    }
}

async fn users_are_found_disabled_and_linked_from_the_console(app: &TestApp) {
    let core = app.core().await;
    let user = core
        .create_user(backline_server::core::accounts::NewUser {
            username: Some("console_user".into()),
            email: Some("cu@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&app.admin_token).await;
    let found = visitor.get("/console/users?text=console_u").await;
    assert!(
        found.text.contains(&format!("/console/users/{}", user.id)),
        "{}",
        found.text
    );
    let page_path = format!("/console/users/{}", user.id);
    let linked = visitor
        .post(
            &format!("{page_path}/link"),
            &[
                ("csrf", &csrf),
                ("source", "steam"),
                ("account_id", "76561190000000042"),
            ],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{linked:?}");
    let shown = visitor.get(&page_path).await;
    assert!(shown.text.contains("76561190000000042"));
    let by_account = visitor
        .get("/console/users?source=steam&account_id=76561190000000042")
        .await;
    assert!(by_account.text.contains("console_user"));
    let disabled = visitor
        .post(&format!("{page_path}/disable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert!(core.find_user("console_user").await.unwrap().disabled);
    let unlinked = visitor
        .post(
            &format!("{page_path}/unlink"),
            &[
                ("csrf", &csrf),
                ("source", "steam"),
                ("account_id", "76561190000000042"),
            ],
        )
        .await;
    assert_eq!(unlinked.status, StatusCode::SEE_OTHER);
    let view = core
        .account_view(core.find_user("console_user").await.unwrap())
        .await
        .unwrap();
    assert!(view.external_accounts.is_empty());
    core.store.close().await;
    let audit = app.admin(Method::GET, "/audit?limit=20", None).await;
    for action in [
        "console: link external account",
        "console: disable user",
        "console: unlink external account",
    ] {
        assert!(audit.text.contains(action), "{action}");
    }
}
