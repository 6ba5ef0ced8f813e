//! The player's link page `/link/{token}`: sign in (or create an account), see the game
//! account, confirm; used, expired and unknown tokens get a clear page; wrong passwords
//! count toward the guessing limit.

use crate::console::{csrf_of, Visitor};
use crate::ember_helpers::{execute_sql, form, server};
use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};

backline_store::stories!(crate::helpers::with_app =>
    a_player_signs_in_sees_the_game_account_and_links_it,
    a_new_player_creates_an_account_on_the_link_page,
    used_expired_and_unknown_links_get_a_clear_page,
    link_page_forms_need_their_token_and_wrong_passwords_are_limited,
);

/// A link token for `account` of a new Minecraft server.
async fn link_token(app: &TestApp, account: &str) -> String {
    let (_, token) = server(app, "Link Server", &[]).await;
    let link = form(
        app,
        &token,
        Method::POST,
        &format!("/players/minecraft/{account}/linktoken"),
        "",
    )
    .await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    link.body["token"].as_str().unwrap().to_owned()
}

/// A Backline account with a password, made as an operator would.
async fn account(app: &TestApp, username: &str, email: &str, password: &str) -> String {
    let core = app.core().await;
    let user = core
        .create_user(backline_server::core::accounts::NewUser {
            username: Some(username.into()),
            email: Some(email.into()),
            password: Some(password.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    core.store.close().await;
    user.id.to_string()
}

async fn linked_to(app: &TestApp, account: &str) -> Option<String> {
    let core = app.core().await;
    let user = core
        .user_for_player(&backline_domain::ember::actions::PlayerRef {
            source: "minecraft".into(),
            account_id: account.into(),
        })
        .await
        .unwrap();
    core.store.close().await;
    Some(user.id.to_string())
}

async fn a_player_signs_in_sees_the_game_account_and_links_it(app: &TestApp) {
    let token = link_token(app, "Notch").await;
    let user_id = account(app, "notch_fan", "fan@example.com", "correct horse").await;
    let mut player = Visitor::new(app);
    let path = format!("/link/{token}");
    let shown = player.get(&path).await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    assert!(shown.content_type.starts_with("text/html"));
    assert!(
        shown.text.contains("minecraft · Notch"),
        "the game account is shown"
    );
    assert!(shown.text.contains("Link Server"));
    let csrf = csrf_of(&shown.text);
    let wrong = player
        .post(
            &format!("{path}/sign-in"),
            &[
                ("csrf", &csrf),
                ("login", "notch_fan"),
                ("password", "wrong password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
    assert!(wrong.text.contains("do not match"));
    // By email this time.
    let signed = player
        .post(
            &format!("{path}/sign-in"),
            &[
                ("csrf", &csrf),
                ("login", "fan@example.com"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{signed:?}");
    let cookie = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("backline_link="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/link")
    );
    let confirm = player.get(&path).await;
    assert!(confirm.text.contains("Signed in as"), "{}", confirm.text);
    assert!(confirm.text.contains("notch_fan"));
    let before = linked_to(app, "Notch").await;
    assert_ne!(
        before.as_deref(),
        Some(user_id.as_str()),
        "not linked before confirming"
    );
    let csrf = csrf_of(&confirm.text);
    let done = player.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::OK, "{done:?}");
    assert!(done.text.contains("is now linked"));
    assert_eq!(
        linked_to(app, "Notch").await.as_deref(),
        Some(user_id.as_str())
    );
    let again = player.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.text.contains("already used"));
}

async fn a_new_player_creates_an_account_on_the_link_page(app: &TestApp) {
    let token = link_token(app, "Jeb").await;
    let mut player = Visitor::new(app);
    let path = format!("/link/{token}");
    let shown = player.get(&path).await;
    let csrf = csrf_of(&shown.text);
    let short = player
        .post(
            &format!("{path}/account"),
            &[
                ("csrf", &csrf),
                ("username", "jeb_player"),
                ("email", ""),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{short:?}");
    let created = player
        .post(
            &format!("{path}/account"),
            &[
                ("csrf", &csrf),
                ("username", "jeb_player"),
                ("email", ""),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{created:?}");
    let confirm = player.get(&path).await;
    let csrf = csrf_of(&confirm.text);
    let done = player.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::OK, "{done:?}");
    let core = app.core().await;
    let user = core.find_user("jeb_player").await.unwrap();
    core.store.close().await;
    assert_eq!(linked_to(app, "Jeb").await, Some(user.id.to_string()));
}

async fn used_expired_and_unknown_links_get_a_clear_page(app: &TestApp) {
    let mut player = Visitor::new(app);
    let unknown = player.get("/link/no-such-token").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.content_type.starts_with("text/html"));
    assert!(unknown.text.contains("This link is not valid"));
    let token = link_token(app, "Dinnerbone").await;
    execute_sql(app, "UPDATE ember_link_tokens SET expires_at = $1", 1).await;
    let expired = player.get(&format!("/link/{token}")).await;
    assert_eq!(expired.status, StatusCode::GONE, "{expired:?}");
    assert!(expired.text.contains("expired"));
}

async fn link_page_forms_need_their_token_and_wrong_passwords_are_limited(app: &TestApp) {
    let token = link_token(app, "Grumm").await;
    account(app, "grumm_fan", "grumm@example.com", "right password").await;
    let path = format!("/link/{token}");
    let mut player = Visitor::new(app);
    player.get(&path).await;
    let forged = player
        .post(
            &format!("{path}/sign-in"),
            &[
                ("csrf", "forged"),
                ("login", "grumm_fan"),
                ("password", "right password"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{forged:?}");
    let page = player.get(&path).await;
    let csrf = csrf_of(&page.text);
    let max = app.config.guess_limit.max_failures;
    for _ in 0..max {
        let wrong = player
            .post(
                &format!("{path}/sign-in"),
                &[
                    ("csrf", &csrf),
                    ("login", "grumm_fan"),
                    ("password", "guess"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let limited = player
        .post(
            &format!("{path}/sign-in"),
            &[
                ("csrf", &csrf),
                ("login", "grumm_fan"),
                ("password", "right password"),
            ],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{limited:?}");
    assert!(limited.content_type.starts_with("text/html"));
    assert!(limited.text.contains("Too many"));
}
