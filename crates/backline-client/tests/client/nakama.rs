//! The Nakama client against a real server: sign-ins, a session that refreshes itself, RPCs
//! wrapped and unwrapped, the password RPC and the EVR RPCs.

use crate::harness::{App, HTTP_KEY, SERVER_KEY};
use backline_client::admin::NewUser;
use backline_client::nakama::{
    JoinOutcome, LookupBy, MatchFilter, NakamaClient, PasswordUser, PrepareMatch,
    RegisterBroadcaster, SignIn, Team,
};
use backline_client::{Error, ErrorBody, Repeat, Secret};
use serde_json::{json, Value};
use std::time::Duration;

backline_store::stories!(crate::harness::with_app =>
    sign_ins_make_an_account_once_and_find_it_again,
    a_session_refreshes_itself_before_it_expires,
    the_password_rpc_signs_in_a_user_an_operator_made,
    rpcs_are_wrapped_or_unwrapped_and_errors_keep_nakamas_body,
    broadcasters_and_matches_go_through_the_evr_rpcs,
);

fn nakama(app: &App) -> NakamaClient {
    NakamaClient::new(app.transport(), SERVER_KEY).with_http_key(HTTP_KEY)
}

async fn sign_ins_make_an_account_once_and_find_it_again(app: &App) {
    let nakama = nakama(app);
    let options = SignIn {
        username: Some("customer".into()),
        ..SignIn::default()
    };
    let (first, created) = nakama
        .authenticate_custom("custom-id-123", &options)
        .await
        .expect("signed in");
    assert!(created);
    let (again, created) = nakama
        .authenticate_custom("custom-id-123", &SignIn::default())
        .await
        .expect("signed in");
    assert!(!created);
    let (first_tokens, again_tokens) = (first.tokens().await, again.tokens().await);
    assert_eq!(first_tokens.user_id, again_tokens.user_id);
    assert_eq!(first_tokens.username, "customer");
    let account = again.account().await.expect("the account");
    assert_eq!(account.custom_id.as_deref(), Some("custom-id-123"));
    let stored = app
        .admin()
        .get_user(&first_tokens.user_id)
        .await
        .expect("stored");
    assert_eq!(stored.username, "customer");

    let (device, _) = nakama
        .authenticate_device("device-id-0123456789", &SignIn::default())
        .await
        .expect("signed in");
    assert_eq!(
        device.account().await.expect("account").device_ids,
        vec!["device-id-0123456789".to_owned()]
    );
    let password = Secret::new("correct horse battery");
    let (email, created) = nakama
        .authenticate_email("someone@example.org", &password, &SignIn::default())
        .await
        .expect("signed in");
    assert!(created);
    assert_eq!(
        email.account().await.expect("account").email.as_deref(),
        Some("someone@example.org")
    );
    let refused = nakama
        .authenticate_email(
            "someone@example.org",
            &Secret::new("wrong password!"),
            &SignIn::default(),
        )
        .await
        .unwrap_err();
    match refused {
        Error::Api {
            status: 401,
            body: ErrorBody::Nakama(body),
            attempts: 1,
            ..
        } => assert_eq!(body.code, 16),
        other => panic!("expected 401/16: {other:?}"),
    }
    let no_account = nakama
        .authenticate_custom(
            "never-seen-id",
            &SignIn {
                create: Some(false),
                ..SignIn::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(no_account.status(), Some(404));

    let wrong_key = NakamaClient::new(app.transport(), "not-the-server-key");
    let error = wrong_key
        .authenticate_custom("custom-id-123", &SignIn::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401));
}

async fn a_session_refreshes_itself_before_it_expires(app: &App) {
    // A margin longer than the session's life: every call finds it about to expire.
    let nakama = nakama(app).with_refresh_margin(Duration::from_secs(3 * 24 * 3600));
    let (session, _) = nakama
        .authenticate_custom("refreshing-user", &SignIn::default())
        .await
        .expect("signed in");
    let before = session.tokens().await;
    app.clock.advance(Duration::from_secs(60));
    session
        .account()
        .await
        .expect("the account, after a refresh");
    let after = session.tokens().await;
    assert_ne!(after.token, before.token);
    assert!(after.expires_at >= before.expires_at + 60);
    assert_eq!(after.user_id, before.user_id);

    // With the default margin, a fresh session is used as it is.
    let (plain, _) = self::nakama(app)
        .authenticate_custom("steady-user-1", &SignIn::default())
        .await
        .expect("signed in");
    let before = plain.tokens().await;
    plain.account().await.expect("the account");
    assert_eq!(plain.tokens().await.token, before.token);

    // A logged-out session's refresh token is refused.
    session.logout().await.expect("logged out");
    let error = session.refresh().await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
}

async fn the_password_rpc_signs_in_a_user_an_operator_made(app: &App) {
    let admin = app.admin();
    let user = admin
        .create_user(&NewUser {
            username: "sprockee".into(),
            password: Some(Secret::new("somepassword")),
            ..NewUser::default()
        })
        .await
        .expect("a user");
    let linked = admin
        .link_account(&user.id, "discord", "695081603180789771")
        .await
        .expect("linked");
    assert_eq!(linked.external_accounts.len(), 1);

    let nakama = nakama(app);
    let session = nakama
        .authenticate_password(
            &PasswordUser::DiscordId("695081603180789771".into()),
            &Secret::new("somepassword"),
        )
        .await
        .expect("signed in");
    assert_eq!(session.tokens().await.user_id, user.id);
    let by_name = nakama
        .authenticate_password(
            &PasswordUser::Username("sprockee".into()),
            &Secret::new("somepassword"),
        )
        .await
        .expect("signed in");
    assert_eq!(by_name.tokens().await.username, "sprockee");
    let wrong = nakama
        .authenticate_password(
            &PasswordUser::UserId(user.id.clone()),
            &Secret::new("not the password"),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(401));
}

async fn rpcs_are_wrapped_or_unwrapped_and_errors_keep_nakamas_body(app: &App) {
    let nakama = nakama(app);
    let (session, _) = nakama
        .authenticate_custom("rpc-caller-1", &SignIn::default())
        .await
        .expect("signed in");
    let name = session.tokens().await.username;
    let payload = json!({ "username": name });
    let wrapped: Value = session
        .rpc("account/lookup", &payload, Repeat::Safe)
        .await
        .expect("wrapped");
    let unwrapped: Value = session
        .rpc_unwrapped("account/lookup", &payload, Repeat::Safe)
        .await
        .expect("unwrapped");
    assert_eq!(wrapped, unwrapped);
    assert_eq!(wrapped["username"], json!(name));

    let by_key = nakama
        .evr_with_http_key()
        .lookup(&LookupBy::Username(name.clone()))
        .await
        .expect("looked up");
    assert_eq!(by_key.id, session.tokens().await.user_id);

    let missing = session
        .evr()
        .lookup(&LookupBy::Username("nobody-here".into()))
        .await
        .unwrap_err();
    match missing {
        Error::Api {
            status: 404,
            body: ErrorBody::Nakama(body),
            ..
        } => assert_eq!(body.code, 5),
        other => panic!("expected 404/5: {other:?}"),
    }
    let unknown: Result<Value, _> = session.rpc("no/such/rpc", &json!({}), Repeat::Safe).await;
    assert_eq!(unknown.unwrap_err().status(), Some(404));
}

async fn broadcasters_and_matches_go_through_the_evr_rpcs(app: &App) {
    let admin = app.admin();
    let nakama = nakama(app);
    let (operator, _) = nakama
        .authenticate_custom("operator-0001", &SignIn::default())
        .await
        .expect("signed in");
    let (bot, _) = nakama
        .authenticate_custom("bot-user-0001", &SignIn::default())
        .await
        .expect("signed in");
    admin
        .add_group(&bot.tokens().await.user_id, "Global Bots")
        .await
        .expect("a bot");
    let (player, _) = nakama
        .authenticate_custom("player-0001", &SignIn::default())
        .await
        .expect("signed in");

    let registered = operator
        .evr()
        .register_broadcaster(&RegisterBroadcaster {
            server_id: 18_446_744_073_709_551_000,
            internal_ip: "10.0.0.5".into(),
            external_ip: Some("203.0.113.9".into()),
            port: 6792,
            regions: vec!["us-central-2".into()],
            version_lock: 14_280_634_968_751_745_418,
            features: vec!["ranked".into()],
            tags: vec![],
            group_ids: vec![],
        })
        .await
        .expect("registered");
    assert_eq!(registered.endpoint, "10.0.0.5:203.0.113.9:6792");
    operator
        .evr()
        .heartbeat(&registered.sid)
        .await
        .expect("a heartbeat");
    let listed = admin
        .raw(
            reqwest::Method::GET,
            &format!("/broadcasters/{}", registered.sid),
            None,
        )
        .await
        .expect("stored");
    assert_eq!(listed["state"], "idle", "{listed}");

    // The http key may not prepare.
    let refused = nakama
        .evr_with_http_key()
        .prepare(&PrepareMatch {
            id: registered.match_id.clone(),
            mode: "echo_arena_private".into(),
            ..PrepareMatch::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");

    let prepared = bot
        .evr()
        .prepare(&PrepareMatch {
            id: registered.match_id.clone(),
            mode: "echo_arena_private".into(),
            team_size: Some(2),
            ..PrepareMatch::default()
        })
        .await
        .expect("prepared");
    assert_eq!(prepared.id, registered.match_id);
    assert_eq!(prepared.label["team_size"], 2);
    let labels = nakama
        .evr_with_http_key()
        .list_matches(&MatchFilter::Ids(vec![registered.match_id.clone()]))
        .await
        .expect("listed");
    assert_eq!(labels.len(), 1);
    assert_eq!(
        labels[0]["broadcaster"]["version_lock"].as_u64(),
        Some(14_280_634_968_751_745_418)
    );

    let joined = player
        .evr()
        .join(&registered.match_id, "OVR-ORG-123", &[], Some(Team::Orange))
        .await
        .expect("answered");
    match &joined {
        JoinOutcome::Joined(j) => {
            assert_eq!(
                (j.team, j.match_id.as_str()),
                (Team::Orange, registered.match_id.as_str())
            );
            assert_eq!(j.endpoint, registered.endpoint);
        }
        other => panic!("expected a join: {other:?}"),
    }
    // The same session again is a lobby rule's refusal, still a 200.
    match player
        .evr()
        .join(&registered.match_id, "OVR-ORG-123", &[], None)
        .await
        .expect("answered")
    {
        JoinOutcome::Refused(failure) => assert_eq!(failure.code, 2, "{failure:?}"),
        other => panic!("expected a refusal: {other:?}"),
    }
    let account = admin
        .get_user(&player.tokens().await.user_id)
        .await
        .expect("stored");
    assert!(account
        .external_accounts
        .iter()
        .any(|a| a.source == "evr" && a.account_id == "OVR-ORG-123"));

    assert!(player
        .evr()
        .leave(&registered.match_id)
        .await
        .expect("left"));
    assert!(!player
        .evr()
        .leave(&registered.match_id)
        .await
        .expect("answered"));

    let allocated = bot
        .evr()
        .allocate(&PrepareMatch {
            mode: "echo_arena_private".into(),
            ..PrepareMatch::default()
        })
        .await;
    // The only broadcaster's idle match was prepared above: none is left to allocate.
    assert_eq!(allocated.unwrap_err().status(), Some(404));

    operator
        .evr()
        .unregister_broadcaster(&registered.sid)
        .await
        .expect("unregistered");
    let gone = admin
        .raw(
            reqwest::Method::GET,
            &format!("/broadcasters/{}", registered.sid),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(gone.status(), Some(404));
}
