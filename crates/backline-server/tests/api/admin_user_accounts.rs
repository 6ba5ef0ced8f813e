//! Users' external accounts and system groups through the admin API: linked, unlinked,
//! joined and left as the CLI does, checked in the store.

use crate::admin_roles::{as_token, issue};
use crate::admin_users::create_user;
use crate::helpers::TestApp;
use backline_domain::accounts::{ExternalAccount, SystemGroup};
use backline_domain::ids::UserId;
use backline_store::UserStore;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    external_accounts_are_linked_and_unlinked_as_the_cli_does,
    system_groups_are_joined_and_left,
);

async fn external_accounts_are_linked_and_unlinked_as_the_cli_does(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let id = create_user(app, json!({"username": "lou"})).await;
    let other = create_user(app, json!({"username": "max"})).await;
    let links = format!("/users/{id}/links");
    let linked = app
        .admin(
            Method::POST,
            &links,
            Some(json!({"source": "evr", "external_id": "OVR-ORG-123"})),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{linked:?}");
    assert_eq!(linked.body["id"], json!(id));
    assert_eq!(
        linked.body["external_accounts"],
        json!([{"source": "evr", "account_id": "OVR-ORG-123"}])
    );
    let store = app.store().await;
    let owner = store
        .find_user_by_external(&ExternalAccount::new("evr", "OVR-ORG-123"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.id.as_str(), id);

    // Held by another account: 409; bad input: 422; a moderator: 403.
    app.admin(
        Method::POST,
        &format!("/users/{other}/links"),
        Some(json!({"source": "evr", "external_id": "OVR-ORG-123"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT);
    for body in [
        json!({"source": "Not A Source", "external_id": "1"}),
        json!({"source": "discord"}),
        json!({"source": "discord", "external_id": 5}),
    ] {
        app.admin(Method::POST, &links, Some(body))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    as_token(
        app,
        Some(&moderator),
        Method::POST,
        &links,
        Some(json!({"source": "discord", "external_id": "1"})),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);
    app.admin(
        Method::POST,
        "/users/nobody/links",
        Some(json!({"source": "discord", "external_id": "1"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);

    let unlinked = app
        .admin(Method::DELETE, &format!("{links}/evr"), None)
        .await;
    assert_eq!(unlinked.status, StatusCode::OK, "{unlinked:?}");
    assert_eq!(unlinked.body["external_accounts"], json!([]));
    assert!(store
        .find_user_by_external(&ExternalAccount::new("evr", "OVR-ORG-123"))
        .await
        .unwrap()
        .is_none());
    app.admin(Method::DELETE, &format!("{links}/evr"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND);

    // Two accounts of one source: the one to unlink must be named.
    for account in ["111", "222"] {
        app.admin(
            Method::POST,
            &links,
            Some(json!({"source": "discord", "external_id": account})),
        )
        .await;
    }
    app.admin(Method::DELETE, &format!("{links}/discord"), None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(
        Method::DELETE,
        &format!("{links}/discord?external_id=999"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    let r = app
        .admin(
            Method::DELETE,
            &format!("{links}/discord?external_id=111"),
            None,
        )
        .await;
    assert_eq!(
        r.body["external_accounts"],
        json!([{"source": "discord", "account_id": "222"}])
    );
    let accounts = store.external_accounts(&owner.id).await.unwrap();
    assert_eq!(accounts, vec![ExternalAccount::new("discord", "222")]);
    store.close().await;
}

async fn system_groups_are_joined_and_left(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let id = create_user(app, json!({"username": "gus"})).await;
    let r = app
        .admin(
            Method::PUT,
            &format!("/users/{id}/groups/global-bots"),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["groups"].clone()),
        (StatusCode::OK, json!(["Global Bots"]))
    );
    let r = app
        .admin(
            Method::PUT,
            &format!("/users/{id}/groups/Global%20Operators"),
            None,
        )
        .await;
    assert_eq!(r.body["groups"], json!(["Global Bots", "Global Operators"]));
    // Joining twice changes nothing.
    app.admin(
        Method::PUT,
        &format!("/users/{id}/groups/GLOBAL_BOTS"),
        None,
    )
    .await;
    let r = app
        .admin(
            Method::DELETE,
            &format!("/users/{id}/groups/global-bots"),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["groups"].clone()),
        (StatusCode::OK, json!(["Global Operators"]))
    );
    let store = app.store().await;
    assert_eq!(
        store.groups(&UserId::from_string(&id)).await.unwrap(),
        vec![SystemGroup::GlobalOperators]
    );
    store.close().await;

    app.admin(Method::PUT, &format!("/users/{id}/groups/admins"), None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::PUT, "/users/nobody/groups/global-bots", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    as_token(
        app,
        Some(&moderator),
        Method::PUT,
        &format!("/users/{id}/groups/global-bots"),
        None,
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);
    let shown = app.admin(Method::GET, &format!("/users/{id}"), None).await;
    assert_eq!(shown.body["groups"], json!(["Global Operators"]));
}
