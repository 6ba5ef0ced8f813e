//! Link tokens: a game server asks for one for a player, the player redeems it signed in
//! (Nakama's `link/redeem`), and the game account joins the user.

use crate::ember_helpers::{form, server};
use crate::helpers::TestApp;
use crate::nakama_helpers::{rpc, signed_in};
use backline_domain::ember::actions::PlayerRef;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    link_tokens_join_a_game_account_to_a_signed_in_user,
);

async fn link_tokens_join_a_game_account_to_a_signed_in_user(app: &TestApp) {
    let (_, token) = server(app, "Minecraft", &[]).await;
    let link_path = "/players/minecraft/Notch/linktoken";
    let link = form(app, &token, Method::POST, link_path, "").await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    let code = link.body["token"].as_str().unwrap().to_owned();
    assert!(link.body["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/link/{code}")));
    assert!(link.body["expires_at"].is_string());
    // A ban on the game account before linking follows it to the user.
    form(
        app,
        &token,
        Method::POST,
        "/players/minecraft/Notch/bans",
        "scope=global&reason=grief",
    )
    .await;
    let (user_id, session) = signed_in(app, "linking-user", &[]).await;
    let redeemed = rpc(app, "link/redeem", &session, json!({"token": code})).await;
    assert_eq!(
        (redeemed.status, redeemed.body.clone()),
        (
            StatusCode::OK,
            json!({"source": "minecraft", "account_id": "Notch"})
        )
    );
    let again = rpc(app, "link/redeem", &session, json!({"token": code})).await;
    again.assert_nakama_error(StatusCode::BAD_REQUEST, 9);
    rpc(app, "link/redeem", &session, json!({"token": "unknown"}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    let core = app.core().await;
    let view = core
        .account_view(core.find_user(&user_id).await.unwrap())
        .await
        .unwrap();
    assert!(view
        .external_accounts
        .iter()
        .any(|a| a.source == "minecraft" && a.account_id == "Notch"));
    let bans = core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &PlayerRef::parse("minecraft:Notch").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].user_id.as_str(), user_id);
    core.store.close().await;
    crate::nakama_helpers::rpc_http_key(app, "link/redeem", json!({"token": "x"}))
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
}

mod configured_games {
    use crate::ember_helpers::{form, poll, without_settings};
    use crate::helpers::TestApp;
    use backline_domain::ember::games::Game;
    use backline_server::core::ember::servers::NewServer;
    use backline_store::Backend;
    use reqwest::Method;
    use std::collections::BTreeMap;

    /// A game added in the configuration kicks with its own template.
    async fn a_configured_game_kicks_with_its_template(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            let commands = BTreeMap::from([(
                "kick".to_owned(),
                "sm_kick #{account_id} {reason}".to_owned(),
            )]);
            c.ember.games.insert(
                "tf2".into(),
                Game {
                    name: "Team Fortress 2".into(),
                    source: "steam".into(),
                    commands,
                },
            );
        })
        .await
        else {
            return;
        };
        let core = app.core().await;
        let issued = core
            .create_server(
                &crate::helpers::grant::<backline_server::core::access::Administer>(),
                NewServer {
                    name: "TF2".into(),
                    game: "tf2".into(),
                    address: None,
                    groups: vec![],
                    poll_interval_seconds: None,
                },
            )
            .await
            .unwrap();
        core.store.close().await;
        let token = issued.token.expose().to_owned();
        form(
            &app,
            &token,
            Method::POST,
            "/players/steam/42/bans",
            "scope=global&reason=spam",
        )
        .await;
        let actions =
            without_settings(poll(&app, &token, "players[steam][connecting][ids]=42").await);
        assert_eq!(actions[0]["payload"]["command"], "sm_kick #42 spam");
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_a_configured_game_kicks_with_its_template() {
        a_configured_game_kicks_with_its_template(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_a_configured_game_kicks_with_its_template() {
        a_configured_game_kicks_with_its_template(Backend::Postgres).await
    }
}
