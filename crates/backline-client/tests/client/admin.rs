//! The admin client against a real server: every typed call, its answer, and what was stored
//! read back through another call.

use crate::game::game_server;
use crate::harness::App;
use backline_client::admin::{
    BanFilter, Kick, NewAdminBan, NewRole, NewServer, NewUser, PageRequest, RoleEdit, ServerEdit,
};
use backline_client::game::{BanScope, Player, Presence};
use backline_client::{Error, ErrorBody, Secret};
use reqwest::Method;
use serde_json::json;

backline_store::stories!(crate::harness::with_app =>
    organisations_keys_and_tokens_are_created_listed_and_revoked,
    servers_and_games_are_created_read_and_edited,
    roles_are_created_edited_reordered_granted_and_revoked,
    bans_kicks_and_reruns_act_on_players_and_executions,
    users_are_created_disabled_linked_and_grouped,
    any_route_is_reachable_untyped_and_errors_keep_the_admin_body,
);

async fn organisations_keys_and_tokens_are_created_listed_and_revoked(app: &App) {
    let admin = app.admin();
    let org = admin
        .create_org("League", Some("2099-01-01T00:00:00Z"))
        .await
        .expect("created");
    assert!(org.supporter);
    assert_eq!(org.supporter_until.as_deref(), Some("2099-01-01T00:00:00Z"));
    assert_eq!(admin.get_org(&org.id).await.expect("read"), org);
    let changed = admin
        .set_supporter(&org.id, false, None)
        .await
        .expect("changed");
    assert!(!changed.supporter);
    let page = admin
        .list_orgs(&PageRequest {
            limit: Some(1),
            cursor: None,
        })
        .await
        .expect("listed");
    assert_eq!(page.items, vec![changed]);

    let key = admin.issue_key(&org.id, None).await.expect("issued");
    assert!(key.access_key.expose().starts_with(&key.key.prefix));
    assert!(!format!("{key:?}").contains(key.access_key.expose()));
    let keys = admin
        .list_keys(&org.id, &PageRequest::default())
        .await
        .expect("listed");
    assert_eq!(keys.items, vec![key.key.clone()]);
    let revoked = admin.revoke_key(&key.key.id).await.expect("revoked");
    assert!(revoked.revoked_at.is_some());

    let token = admin
        .issue_token("spectra-stats", Some("stats"))
        .await
        .expect("issued");
    let tokens = admin
        .list_tokens(&PageRequest::default())
        .await
        .expect("listed");
    assert_eq!(tokens.items, vec![token.record.clone()]);
    let revoked = admin.revoke_token(&token.record.id).await.expect("revoked");
    assert!(revoked.revoked_at.is_some());
}

async fn servers_and_games_are_created_read_and_edited(app: &App) {
    let admin = app.admin();
    let issued = admin
        .create_server(&NewServer {
            name: "GMod EU".into(),
            game: "gmod".into(),
            groups: vec!["eu".into()],
            address: Some("203.0.113.4:27015".into()),
            poll_interval_seconds: Some(15),
        })
        .await
        .expect("created");
    assert_eq!(issued.server.poll_interval_seconds, 15);
    let read = admin.get_server(&issued.server.id).await.expect("read");
    assert_eq!(read.server, issued.server);
    assert!(!read.polling);

    let edited = admin
        .edit_server(
            &issued.server.id,
            &ServerEdit {
                name: Some("GMod EU 1".into()),
                address: Some(None),
                enforced_ban_scopes: Some(vec![BanScope::Global]),
                ban_log: Some(true),
                ..ServerEdit::default()
            },
        )
        .await
        .expect("edited");
    assert_eq!(
        (
            edited.name.as_str(),
            edited.address.as_deref(),
            edited.ban_log
        ),
        ("GMod EU 1", None, true)
    );
    assert_eq!(edited.enforced_ban_scopes, vec![BanScope::Global]);
    let listed = admin
        .list_servers(&PageRequest::default(), Some("gmod"), None)
        .await
        .expect("listed");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].server, edited);
    assert!(admin
        .list_servers(&PageRequest::default(), Some("rust"), None)
        .await
        .expect("listed")
        .items
        .is_empty());

    let games = admin
        .list_games(&PageRequest::default())
        .await
        .expect("games");
    assert!(games.items.iter().any(|g| g["id"] == "gmod"), "{games:?}");
    let gmod = admin.get_game("gmod").await.expect("a game");
    assert!(gmod.to_string().contains("kickid"), "{gmod}");
}

async fn roles_are_created_edited_reordered_granted_and_revoked(app: &App) {
    let admin = app.admin();
    let a = admin
        .create_role(&NewRole {
            name: "A".into(),
            ingame: "a".into(),
            position: Some(1),
            groups: vec!["eu".into()],
        })
        .await
        .expect("created");
    let b = admin
        .create_role(&NewRole {
            name: "B".into(),
            ingame: "b".into(),
            ..NewRole::default()
        })
        .await
        .expect("created");
    assert_eq!(
        (b.position, a.server_groups.clone()),
        (100, vec!["eu".to_owned()])
    );
    let edited = admin
        .edit_role(
            &b.id,
            &RoleEdit {
                ingame: Some("b group".into()),
                ..RoleEdit::default()
            },
        )
        .await
        .expect("edited");
    assert_eq!(admin.get_role(&b.id).await.expect("read"), edited);
    let order = admin
        .reorder_roles(&[b.id.as_str(), a.id.as_str()])
        .await
        .expect("reordered");
    assert_eq!(
        order
            .iter()
            .map(|r| (r.name.as_str(), r.position))
            .collect::<Vec<_>>(),
        vec![("B", 1), ("A", 2)]
    );
    let listed = admin
        .list_roles(&PageRequest::default())
        .await
        .expect("listed");
    assert_eq!(listed.items, order);

    let player = Player::new("steam", "76561198131926932");
    let grant = admin.grant_role(&a.id, &player).await.expect("granted");
    assert!(grant.held && grant.changed);
    let again = admin.grant_role(&a.id, &player).await.expect("granted");
    assert!(again.held && !again.changed);
    let holders = admin
        .list_role_holders(&a.id, &PageRequest::default())
        .await
        .expect("holders");
    assert_eq!(holders.items[0].user_id, grant.user_id);
    let revoked = admin.revoke_role(&a.id, &player).await.expect("revoked");
    assert!(!revoked.held && revoked.changed);
    assert!(admin
        .list_role_holders(&a.id, &PageRequest::default())
        .await
        .expect("holders")
        .items
        .is_empty());
}

async fn bans_kicks_and_reruns_act_on_players_and_executions(app: &App) {
    let admin = app.admin();
    let (server_id, _, game) = game_server(app, "Kicks").await;
    let mut players = Presence::new();
    players.connected("steam", "76561198131926932");
    game.poll(&players).await.expect("present");

    let kick = admin
        .kick(&Kick {
            source: "steam".into(),
            account_id: "76561198131926932".into(),
            reason: "afk".into(),
            server: None,
        })
        .await
        .expect("kicked");
    assert_eq!(kick.executions.len(), 1);
    assert_eq!(kick.executions[0].server_id, server_id);
    let command = kick.executions[0].payload["command"]
        .as_str()
        .unwrap_or_default();
    assert!(
        command.contains("76561198131926932") && command.contains("afk"),
        "{command}"
    );

    let poll = game.poll(&players).await.expect("a poll");
    let id = poll.actions[0].execution_id().expect("the kick");
    game.finish(id, Some("player gone")).await.expect("failed");
    let rerun = admin.rerun_execution(id.0).await.expect("rerun");
    assert_eq!(
        (rerun.rerun_of, rerun.status.as_str()),
        (Some(id.0), "queued")
    );
    let listed = admin
        .list_executions(
            &PageRequest::default(),
            Some(&server_id),
            Some("failed"),
            None,
        )
        .await
        .expect("listed");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].error.as_deref(), Some("player gone"));

    let ban = admin
        .create_ban(&NewAdminBan {
            source: "steam".into(),
            account_id: "76561198131926932".into(),
            scope: BanScope::Global,
            group: None,
            duration_minutes: None,
            reason: "operator ban".into(),
        })
        .await
        .expect("banned");
    assert_eq!(ban.status, "active");
    assert!(ban.ban.expires_at.is_none());
    let found = admin
        .list_bans(
            &PageRequest::default(),
            &BanFilter {
                player: Some("steam:76561198131926932".into()),
                status: Some("active".into()),
                ..BanFilter::default()
            },
        )
        .await
        .expect("listed");
    assert_eq!(found.items, vec![ban.clone()]);
    // A game server may not lift an operator's ban by default.
    game.lift_bans(&Player::new("steam", "76561198131926932"))
        .await
        .expect("204");
    assert_eq!(
        admin.get_ban(&ban.ban.id).await.expect("read").status,
        "active"
    );
    let lifted = admin.lift_ban(&ban.ban.id).await.expect("lifted");
    assert_eq!(lifted.status, "lifted");
    assert_eq!(
        admin.lift_ban(&ban.ban.id).await.expect("again").status,
        "lifted"
    );

    let bad = admin
        .kick(&Kick {
            source: "steam".into(),
            account_id: "7656; rm -rf".into(),
            reason: "x".into(),
            server: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(422), "{bad:?}");
}

async fn users_are_created_disabled_linked_and_grouped(app: &App) {
    let admin = app.admin();
    let user = admin
        .create_user(&NewUser {
            username: "moderator1".into(),
            email: Some("mod@example.org".into()),
            password: Some(Secret::new("a long password")),
            display_name: Some("Mod One".into()),
        })
        .await
        .expect("created");
    assert_eq!(user.display_name, "Mod One");
    assert!(!user.disabled);
    assert!(
        admin
            .disable_user("moderator1")
            .await
            .expect("disabled")
            .disabled
    );
    assert!(admin.get_user(&user.id).await.expect("read").disabled);
    assert!(!admin.enable_user(&user.id).await.expect("enabled").disabled);
    admin
        .set_password(&user.id, &Secret::new("another long one"))
        .await
        .expect("set");
    let linked = admin
        .link_account(&user.id, "steam", "76561198131926932")
        .await
        .expect("linked");
    assert_eq!(linked.external_accounts.len(), 1);
    let unlinked = admin
        .unlink_account(&user.id, "steam", Some("76561198131926932"))
        .await
        .expect("unlinked");
    assert!(unlinked.external_accounts.is_empty());
    let grouped = admin
        .add_group(&user.id, "global-bots")
        .await
        .expect("joined");
    assert_eq!(grouped.groups, vec!["Global Bots".to_owned()]);
    let left = admin
        .remove_group(&user.id, "Global Bots")
        .await
        .expect("left");
    assert!(left.groups.is_empty());
    let found = admin
        .list_users(&PageRequest::default(), Some("MOD ONE"))
        .await
        .expect("listed");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, user.id);
}

async fn any_route_is_reachable_untyped_and_errors_keep_the_admin_body(app: &App) {
    let admin = app.admin();
    let org = admin.create_org("Untyped", None).await.expect("org");
    let audit = admin
        .raw(Method::GET, "/audit?limit=5", None)
        .await
        .expect("the audit log");
    assert_eq!(audit["items"][0]["entity_id"], json!(org.id), "{audit}");
    assert_eq!(
        audit["items"][0]["action"], "POST /admin/v1/orgs",
        "{audit}"
    );
    let session = admin
        .raw(
            Method::POST,
            &format!("/orgs/{}/playercam-sessions", org.id),
            Some(&json!({})),
        )
        .await
        .expect("created");
    assert!(session["secret"].is_string(), "{session}");

    let missing = admin.get_org("no-such-org").await.unwrap_err();
    match missing {
        Error::Api {
            status: 404,
            body: ErrorBody::Backline(body),
            ..
        } => assert_eq!(body.error, "not_found"),
        other => panic!("expected a 404: {other:?}"),
    }
    let invalid = admin.create_org("   ", None).await.unwrap_err();
    assert_eq!(invalid.status(), Some(422));
    let stranger = backline_client::admin::AdminClient::new(app.transport(), "wrong");
    assert_eq!(
        stranger
            .list_orgs(&PageRequest::default())
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
}
