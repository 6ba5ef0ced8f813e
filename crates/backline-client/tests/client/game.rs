//! The game integration client against a real server: every call, with what it stored read
//! back through the admin API.

use crate::harness::App;
use backline_client::admin::{NewAction, NewRole, NewServer, PageRequest, ServerEdit};
use backline_client::game::{
    Action, BanIssuer, BanScope, GameClient, NewBan, Player, Presence, RoleSync, Settings,
};
use backline_client::{Error, ErrorBody, Secret};
use serde_json::json;
use std::time::Duration;

backline_store::stories!(crate::harness::with_app =>
    meta_poll_and_finish_deliver_and_acknowledge_executions,
    bans_are_created_and_lifted_and_stored,
    roles_and_the_primary_role_are_reported_and_stored,
    a_poll_delivers_a_connecting_players_roles_as_a_typed_action,
    link_tokens_are_issued_for_the_player,
    a_wrong_token_is_an_error_with_lavarels_body,
);

const STEAM_ID: &str = "76561198131926932";

/// A `rust` server: its id, its token and a client holding that token.
pub async fn game_server(app: &App, name: &str) -> (String, Secret, GameClient) {
    let issued = app
        .admin()
        .create_server(&NewServer {
            name: name.into(),
            game: "rust".into(),
            groups: vec!["eu".into()],
            poll_interval_seconds: Some(7),
            ..NewServer::default()
        })
        .await
        .expect("a server");
    let client = GameClient::new(app.transport(), issued.token.clone());
    (issued.server.id, issued.token, client)
}

async fn meta_poll_and_finish_deliver_and_acknowledge_executions(app: &App) {
    let (server_id, _, game) = game_server(app, "EU 1").await;
    let admin = app.admin();

    // A new server's settings: role sync both ways, bans logged.
    let meta = game.meta().await.expect("meta");
    assert_eq!(
        meta,
        vec![Action::Settings(Settings {
            role_sync: RoleSync {
                send: true,
                receive: true
            },
            ban_log: true,
            poll_interval: 7,
        })]
    );

    let ok = admin
        .queue_action(&NewAction::command(&server_id, "say hello"))
        .await
        .expect("queued");
    let failing = admin
        .queue_action(&NewAction::command(&server_id, "broken"))
        .await
        .expect("queued");
    let ok_id = ok.executions[0].id;
    let failing_id = failing.executions[0].id;

    let mut players = Presence::new();
    players.connected("steam", STEAM_ID);
    let poll = game.poll(&players).await.expect("a poll");
    assert_eq!(poll.next_poll, Some(Duration::from_secs(7)));
    let commands: Vec<_> = poll
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Command {
                execution_id: Some(id),
                command,
            } => Some((id.0, command.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(commands, vec![(ok_id, "say hello"), (failing_id, "broken")]);
    assert_eq!(
        admin.get_execution(ok_id).await.expect("shown").status,
        "leased"
    );

    let executions: Vec<_> = poll
        .actions
        .iter()
        .filter_map(Action::execution_id)
        .collect();
    game.finish(executions[0], None).await.expect("finished");
    game.finish(executions[1], Some("no such command"))
        .await
        .expect("failed");
    // Finishing twice is harmless: the server answers 204 again.
    game.finish(executions[0], None).await.expect("again");

    let done = admin.get_execution(ok_id).await.expect("shown");
    assert_eq!((done.status.as_str(), done.error), ("finished", None));
    let failed = admin.get_execution(failing_id).await.expect("shown");
    assert_eq!(
        (failed.status.as_str(), failed.error.as_deref()),
        ("failed", Some("no such command"))
    );
    let overview = admin.get_server(&server_id).await.expect("the server");
    assert!(overview.polling);
    assert_eq!(overview.queue_depth, 0);
    assert_eq!(
        overview.last_error.map(|e| (e.execution_id, e.error)),
        Some((failing_id, "no such command".to_owned()))
    );

    // Nothing is left to deliver.
    let again = game.poll(&players).await.expect("a poll");
    assert!(again.actions.is_empty(), "{again:?}");
}

async fn bans_are_created_and_lifted_and_stored(app: &App) {
    let (_, _, game) = game_server(app, "EU 2").await;
    let player = Player::new("steam", STEAM_ID);
    let ban = game
        .ban(
            &player,
            &NewBan {
                scope: Some(BanScope::Global),
                duration_minutes: Some(60),
                reason: "cheating".into(),
                admin_account_id: Some("76561198000000001".into()),
            },
        )
        .await
        .expect("banned");
    assert_eq!(
        (
            ban.scope,
            ban.issued_by,
            ban.reason.as_str(),
            ban.account_id.as_str()
        ),
        (BanScope::Global, BanIssuer::Server, "cheating", STEAM_ID)
    );
    assert!(ban.expires_at.is_some() && ban.lifted_at.is_none());
    assert!(ban.admin_user_id.is_some());

    let admin = app.admin();
    let stored = admin.get_ban(&ban.id).await.expect("stored");
    assert_eq!((stored.status.as_str(), &stored.ban), ("active", &ban));

    game.lift_bans(&player).await.expect("lifted");
    let lifted = admin.get_ban(&ban.id).await.expect("stored");
    assert_eq!(lifted.status, "lifted");
    assert!(lifted.ban.lifted_at.is_some());
}

async fn roles_and_the_primary_role_are_reported_and_stored(app: &App) {
    let (server_id, _, game) = game_server(app, "EU 3").await;
    let admin = app.admin();
    let player = Player::new("steam", STEAM_ID);
    let moderator = admin
        .create_role(&NewRole {
            name: "Moderator".into(),
            ingame: "mod".into(),
            position: Some(2),
            ..NewRole::default()
        })
        .await
        .expect("a role");
    admin
        .create_role(&NewRole {
            name: "Admin".into(),
            ingame: "admin group".into(),
            position: Some(1),
            ..NewRole::default()
        })
        .await
        .expect("a role");

    // Without role sync `send`, reports are refused (403 in Laravel's shape).
    admin
        .edit_server(
            &server_id,
            &ServerEdit {
                role_sync: Some(json!({"send": false})),
                ..ServerEdit::default()
            },
        )
        .await
        .expect("edited");
    let refused = game.grant_role(&player, "mod").await.unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");
    assert!(matches!(refused.body(), Some(ErrorBody::Game(_))));
    assert!(admin
        .list_role_holders(&moderator.id, &PageRequest::default())
        .await
        .expect("holders")
        .items
        .is_empty());

    admin
        .edit_server(
            &server_id,
            &ServerEdit {
                role_sync: Some(json!({"send": true})),
                ..ServerEdit::default()
            },
        )
        .await
        .expect("edited");
    game.grant_role(&player, "mod").await.expect("granted");
    let holders = admin
        .list_role_holders(&moderator.id, &PageRequest::default())
        .await
        .expect("holders");
    assert_eq!(holders.items.len(), 1);
    assert_eq!(holders.items[0].accounts[0].account_id, STEAM_ID);
    assert_eq!(
        game.primary_role(&player).await.expect("read"),
        Some("mod".to_owned())
    );

    // An in-game name with a space travels percent-encoded.
    game.set_primary_role(&player, "admin group")
        .await
        .expect("set");
    assert_eq!(
        game.primary_role(&player).await.expect("read"),
        Some("admin group".to_owned())
    );
    game.revoke_role(&player, "admin group")
        .await
        .expect("revoked");
    // `primaryrole` granted the admin role and revoked the ones below it.
    assert_eq!(game.primary_role(&player).await.expect("read"), None);

    let unknown = game.grant_role(&player, "nobody").await.unwrap_err();
    match unknown {
        Error::Api {
            status: 422,
            body: ErrorBody::Game(body),
            ..
        } => assert!(body.errors.contains_key("name"), "{body:?}"),
        other => panic!("expected a 422 naming the field: {other:?}"),
    }
}

async fn a_poll_delivers_a_connecting_players_roles_as_a_typed_action(app: &App) {
    let (server_id, _, game) = game_server(app, "EU 4").await;
    let admin = app.admin();
    let role = admin
        .create_role(&NewRole {
            name: "VIP".into(),
            ingame: "vip".into(),
            ..NewRole::default()
        })
        .await
        .expect("a role");
    let player = Player::new("steam", STEAM_ID);
    admin.grant_role(&role.id, &player).await.expect("granted");
    admin
        .edit_server(
            &server_id,
            &ServerEdit {
                role_sync: Some(json!({"receive": true})),
                ..ServerEdit::default()
            },
        )
        .await
        .expect("edited");
    let mut players = Presence::new();
    players.connecting("steam", STEAM_ID);
    let poll = game.poll(&players).await.expect("a poll");
    let roles: Vec<_> = poll
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Roles { change, .. } if change.exhaustive => Some(change.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(roles.len(), 1, "{poll:?}");
    assert_eq!(roles[0].player, player);
    assert_eq!(roles[0].grant, vec!["vip".to_owned()]);
    // The settings changed (receive), so they come first.
    assert!(matches!(
        poll.actions.first(),
        Some(Action::Settings(Settings {
            role_sync: RoleSync { receive: true, .. },
            ..
        }))
    ));
}

async fn link_tokens_are_issued_for_the_player(app: &App) {
    let (_, _, game) = game_server(app, "EU 5").await;
    let token = game
        .link_token(&Player::new("minecraft", "Notch"))
        .await
        .expect("a token");
    assert!(token.token.expose().len() >= 16);
    assert!(token.url.expose().ends_with(token.token.expose()));
    assert!(!format!("{token:?}").contains(token.token.expose()));
    let listed = app
        .admin()
        .raw(
            reqwest::Method::GET,
            "/link-tokens?player=minecraft:Notch",
            None,
        )
        .await
        .expect("listed");
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    assert!(!listed.to_string().contains(token.token.expose()));
}

async fn a_wrong_token_is_an_error_with_lavarels_body(app: &App) {
    let game = GameClient::new(app.transport(), "not-a-token");
    let error = game.meta().await.unwrap_err();
    match &error {
        Error::Api {
            status: 401,
            body: ErrorBody::Game(body),
            attempts: 1,
            ..
        } => assert_eq!(body.message, "Unauthenticated."),
        other => panic!("expected 401: {other:?}"),
    }
    assert!(!error.is_transient());
}
