//! Ember link tokens through the admin API: listed by id with their state (never the token),
//! filtered and paged; an unused one revoked by a moderator, a used one kept.

use crate::admin_roles::{as_token, issue};
use crate::ember_helpers::{execute_sql, form, server};
use crate::helpers::{Reply, TestApp};
use crate::nakama_helpers::{rpc, signed_in};
use backline_domain::secret::SecretHash;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    link_tokens_are_listed_by_state_without_the_token_and_paged,
    an_unused_link_token_is_revoked_and_can_no_longer_be_redeemed,
);

/// Asks the game integration API for a link token for `player` (`minecraft` account); the
/// token.
async fn link_token(app: &TestApp, server_token: &str, player: &str) -> String {
    let r = form(
        app,
        server_token,
        Method::POST,
        &format!("/players/minecraft/{player}/linktoken"),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["token"].as_str().unwrap().to_owned()
}

fn items(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["items"].as_array().unwrap().clone()
}

fn players(r: &Reply) -> Vec<String> {
    items(r)
        .iter()
        .map(|t| t["player"]["account_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn link_tokens_are_listed_by_state_without_the_token_and_paged(app: &TestApp) {
    let (server_a, token_a) = server(app, "A", &[]).await;
    let (server_b, token_b) = server(app, "B", &[]).await;
    let active = link_token(app, &token_a, "Active").await;
    let expired = link_token(app, &token_a, "Expired").await;
    let used = link_token(app, &token_b, "Used").await;
    execute_sql(
        app,
        "UPDATE ember_link_tokens SET expires_at = $1 WHERE account_id = 'Expired'",
        1,
    )
    .await;
    let (user_id, session) = signed_in(app, "redeemer", &[]).await;
    let redeemed = rpc(app, "link/redeem", &session, json!({"token": used})).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{redeemed:?}");

    let all = app.admin(Method::GET, "/link-tokens", None).await;
    assert_eq!(players(&all), ["Used", "Expired", "Active"], "newest first");
    for secret in [&active, &expired, &used] {
        assert!(!all.text.contains(secret.as_str()));
        assert!(!all.text.contains(SecretHash::of(secret).as_str()));
    }
    let listed = items(&all);
    assert_eq!(listed[0]["state"], "used");
    assert_eq!(listed[0]["redeemed_by"], json!(user_id));
    assert!(listed[0]["redeemed_at"].is_string());
    assert_eq!(listed[0]["server_id"], json!(server_b));
    assert_eq!(
        listed[0]["player"],
        json!({"source": "minecraft", "account_id": "Used"})
    );
    assert_eq!(listed[1]["state"], "expired");
    assert_eq!(listed[2]["state"], "active");
    assert!(listed[2]["redeemed_by"].is_null());
    assert!(listed
        .iter()
        .all(|t| t["id"].as_str().is_some_and(|id| !id.is_empty())
            && t["created_at"].is_string()
            && t["expires_at"].is_string()));

    let list = |query: String| async move {
        players(
            &app.admin(Method::GET, &format!("/link-tokens{query}"), None)
                .await,
        )
    };
    assert_eq!(list("?state=active".into()).await, ["Active"]);
    assert_eq!(list("?state=expired".into()).await, ["Expired"]);
    assert_eq!(list("?state=used".into()).await, ["Used"]);
    assert_eq!(
        list(format!("?server={server_a}")).await,
        ["Expired", "Active"]
    );
    assert_eq!(
        list(format!("?server={server_b}&state=active")).await,
        Vec::<String>::new()
    );
    assert_eq!(list("?player=minecraft:Expired".into()).await, ["Expired"]);
    assert_eq!(
        list("?player=steam:Expired".into()).await,
        Vec::<String>::new()
    );

    // Pages of two: no repeats, nothing missed.
    let first = app.admin(Method::GET, "/link-tokens?limit=2", None).await;
    assert_eq!(players(&first), ["Used", "Expired"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .admin(
            Method::GET,
            &format!("/link-tokens?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(players(&second), ["Active"]);
    assert!(second.body["next_cursor"].is_null());

    for (query, status) in [
        ("?limit=abc", StatusCode::BAD_REQUEST),
        ("?token=x", StatusCode::BAD_REQUEST),
        ("?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("?state=revoked", StatusCode::UNPROCESSABLE_ENTITY),
        ("?player=Notch", StatusCode::UNPROCESSABLE_ENTITY),
        ("?cursor=42", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = app
            .admin(Method::GET, &format!("/link-tokens{query}"), None)
            .await;
        r.assert_error(status);
        assert!(r.content_type.starts_with("application/json"), "{query}");
    }
    // Every role reads; no admin token, no read.
    let viewer = issue(app, "view", "viewer").await;
    assert_eq!(
        as_token(app, Some(&viewer), Method::GET, "/link-tokens", None)
            .await
            .status,
        StatusCode::OK
    );
    as_token(app, None, Method::GET, "/link-tokens", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
}

async fn an_unused_link_token_is_revoked_and_can_no_longer_be_redeemed(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let revoked_admin = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let (_, token) = server(app, "A", &[]).await;
    let unused = link_token(app, &token, "Unused").await;
    let used = link_token(app, &token, "Used").await;
    let (_, session) = signed_in(app, "redeemer", &[]).await;
    rpc(app, "link/redeem", &session, json!({"token": used})).await;
    let listed = items(&app.admin(Method::GET, "/link-tokens", None).await);
    let id_of = |player: &str| {
        listed
            .iter()
            .find(|t| t["player"]["account_id"] == player)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (unused_id, used_id) = (id_of("Unused"), id_of("Used"));
    let path = format!("/link-tokens/{unused_id}");

    for token in [
        None,
        Some(revoked_admin.as_str()),
        Some(access_key.as_str()),
    ] {
        as_token(app, token, Method::DELETE, &path, None)
            .await
            .assert_error(StatusCode::UNAUTHORIZED);
    }
    as_token(app, Some(&viewer), Method::DELETE, &path, None)
        .await
        .assert_error(StatusCode::FORBIDDEN);
    assert_eq!(
        items(&app.admin(Method::GET, "/link-tokens", None).await).len(),
        2
    );

    let revoked = as_token(app, Some(&moderator), Method::DELETE, &path, None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    assert_eq!(revoked.body["id"], json!(unused_id));
    assert_eq!(revoked.body["state"], "active");
    assert!(!revoked.text.contains(&unused));
    rpc(app, "link/redeem", &session, json!({"token": unused}))
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    let left = app.admin(Method::GET, "/link-tokens", None).await;
    assert_eq!(players(&left), ["Used"]);

    app.admin(Method::DELETE, &path, None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::DELETE, &format!("/link-tokens/{used_id}"), None)
        .await
        .assert_error(StatusCode::CONFLICT);
    assert_eq!(
        players(&app.admin(Method::GET, "/link-tokens", None).await),
        ["Used"]
    );

    let log = app
        .admin(Method::GET, "/audit?entity_type=link-tokens", None)
        .await;
    let entries = log.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log:?}");
    assert_eq!(
        entries[0]["action"],
        "DELETE /admin/v1/link-tokens/{token_id}"
    );
    assert_eq!(entries[0]["entity_id"], json!(unused_id));
    assert_eq!(entries[0]["actor"], "mod");
}
