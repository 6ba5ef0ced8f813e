//! An operator's EVR actions on the stream: removing a broadcaster (`broadcaster.down`) and
//! ending a match (`evr.match.ended`), from the admin API and the CLI alike.

use super::open_admin;
use crate::helpers::{cli, TestApp};
use crate::nakama_helpers::{register_broadcaster, rpc, signed_in};
use backline_domain::accounts::SystemGroup::{GlobalBots, GlobalPrivateDataAccess};
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_configured_app, crate::events::quick_events => operators_removals_and_ends_appear_on_the_stream);

async fn operators_removals_and_ends_appear_on_the_stream(app: &TestApp) {
    let (_, token) = signed_in(app, "operator-1", &[GlobalBots, GlobalPrivateDataAccess]).await;
    let (sid, idle) = register_broadcaster(app, &token, json!({})).await;
    let r = rpc(
        app,
        "match/prepare",
        &token,
        json!({"id": idle, "mode": "echo_arena_private"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut stream = open_admin(app, "?kinds=broadcaster.*,evr.match.ended").await;

    let ended = app
        .admin(Method::POST, &format!("/evr/matches/{idle}/end"), None)
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{ended:?}");
    let seen = stream.next().await;
    assert_eq!(seen.kind(), "evr.match.ended");
    assert_eq!(
        seen.data["payload"],
        json!({
            "match_id": idle,
            "sid": sid,
            "reason": "operator",
            "players_removed": 0,
            "idle_match_id": ended.body["idle_match_id"],
        })
    );

    let (ok, _, err) = cli(&app.db.url, &["broadcaster", "remove", &sid]).await;
    assert!(ok, "{err}");
    let down = stream.next().await;
    assert_eq!(
        (down.kind(), &down.data["payload"]),
        (
            "broadcaster.down",
            &json!({"sid": sid, "reason": "removed"})
        )
    );
    stream.assert_quiet().await;
}
