//! The admin API's actions, kicks and executions: queued to a server, a group or all (what
//! each server's poll then delivers), listed failed first and by action, re-run.

use crate::admin_roles::{as_token, issue};
use crate::admin_servers::{all_pages, audit_trail, create_server};
use crate::ember_helpers::{form, poll, without_settings, STEAM_ID};
use crate::helpers::TestApp;
use backline_domain::ember::actions::ExecutionStatus;
use backline_domain::ids::ExecutionId;
use backline_store::ExecutionStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    actions_go_to_a_server_a_group_or_all_and_are_listed_failed_first,
    a_failed_execution_is_rerun_and_delivered_again,
    kicks_go_to_the_servers_where_the_player_is_connected,
    bad_action_and_execution_input_is_refused_in_the_admin_shape,
    moderators_kick_and_rerun_but_only_owners_queue_actions,
);

async fn queue(app: &TestApp, body: Value) -> Value {
    let r = app.admin(Method::POST, "/actions", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body
}

async fn finish(app: &TestApp, token: &str, execution: i64, error: Option<&str>) {
    let body = error.map_or_else(String::new, |e| format!("error={e}"));
    let r = form(
        app,
        token,
        Method::PATCH,
        &format!("/actions/executions/{execution}/finish"),
        &body,
    )
    .await;
    assert_eq!(r.status, 204, "{r:?}");
}

fn execution_ids(actions: &[Value]) -> Vec<i64> {
    actions
        .iter()
        .map(|a| a["payload"]["execution_id"].as_i64().unwrap())
        .collect()
}

async fn actions_go_to_a_server_a_group_or_all_and_are_listed_failed_first(app: &TestApp) {
    let (a, a_token) = create_server(app, "EU A", "gmod", &["eu"]).await;
    let (b, b_token) = create_server(app, "EU B", "gmod", &["eu"]).await;
    let (c, c_token) = create_server(app, "US C", "rust", &["us"]).await;
    let to_group = queue(
        app,
        json!({"group": "eu", "type": "command", "text": "say eu"}),
    )
    .await;
    let group_servers: Vec<&str> = to_group["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["server_id"].as_str().unwrap())
        .collect();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    let mut got = group_servers.clone();
    got.sort();
    assert_eq!(got, expected);
    let action = to_group["id"].as_str().unwrap().to_owned();
    assert!(to_group["executions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action_id"] == json!(action) && e["status"] == "queued"));
    let to_all = queue(
        app,
        json!({"all": true, "type": "code", "text": "print(1)"}),
    )
    .await;
    assert_eq!(to_all["executions"].as_array().unwrap().len(), 3);
    let to_one = queue(
        app,
        json!({"server": c, "type": "command", "text": "say us"}),
    )
    .await;
    assert_eq!(to_one["executions"].as_array().unwrap().len(), 1);

    // What each server's poll delivers.
    let on_a = without_settings(poll(app, &a_token, "").await);
    assert_eq!(
        on_a.iter()
            .map(|x| x["payload"].clone())
            .map(|mut p| {
                p.as_object_mut().unwrap().remove("execution_id");
                p
            })
            .collect::<Vec<_>>(),
        vec![json!({"command": "say eu"}), json!({"code": "print(1)"})]
    );
    let on_c = without_settings(poll(app, &c_token, "").await);
    assert_eq!(on_c.len(), 2);
    let on_b = without_settings(poll(app, &b_token, "").await);
    assert_eq!(on_b.len(), 2);
    let a_ids = execution_ids(&on_a);
    finish(app, &a_token, a_ids[0], Some("no+such+command")).await;
    finish(app, &a_token, a_ids[1], None).await;
    let c_ids = execution_ids(&on_c);
    finish(app, &c_token, c_ids[1], Some("boom")).await;

    let of_action = app
        .admin(Method::GET, &format!("/executions?action={action}"), None)
        .await;
    assert_eq!(of_action.body["items"].as_array().unwrap().len(), 2);
    let failed = app
        .admin(Method::GET, "/executions?status=failed", None)
        .await;
    let failed: Vec<i64> = failed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(failed, vec![c_ids[1], a_ids[0]]);
    let on_server = app
        .admin(
            Method::GET,
            &format!("/executions?server={a}&kind=code"),
            None,
        )
        .await;
    let on_server = on_server.body["items"].as_array().unwrap();
    assert_eq!(on_server.len(), 1);
    assert_eq!(on_server[0]["status"], "finished");

    let (items, pages) = all_pages(app, "/executions?order=failed_first", 2).await;
    assert_eq!((items.len(), pages), (6, 3));
    let statuses: Vec<&str> = items
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(&statuses[..2], &["failed", "failed"]);
    assert!(!statuses[2..].contains(&"failed"));
    let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(&ids[..2], &[c_ids[1], a_ids[0]]);
    assert!(ids[2..].windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let (newest, _) = all_pages(app, "/executions", 4).await;
    let newest: Vec<i64> = newest.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(newest.len(), 6);
    assert!(newest.windows(2).all(|w| w[0] > w[1]), "{newest:?}");

    let trail: Vec<_> = audit_trail(app)
        .await
        .into_iter()
        .filter(|(_, entity, _)| entity == "actions")
        .collect();
    assert_eq!(trail.len(), 3);
    assert_eq!(
        trail[0],
        (
            "POST /admin/v1/actions".into(),
            "actions".into(),
            json!(action)
        )
    );
    assert_eq!(trail[2].2, to_one["id"]);
}

async fn a_failed_execution_is_rerun_and_delivered_again(app: &TestApp) {
    let (id, token) = create_server(app, "EU", "gmod", &["eu"]).await;
    queue(
        app,
        json!({"server": id, "type": "command", "text": "say again"}),
    )
    .await;
    let delivered = without_settings(poll(app, &token, "").await);
    let first = execution_ids(&delivered)[0];
    // Not done yet: refused.
    app.admin(Method::POST, &format!("/executions/{first}/rerun"), None)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    finish(app, &token, first, Some("server+busy")).await;
    let shown = app
        .admin(Method::GET, &format!("/executions/{first}"), None)
        .await;
    assert_eq!(
        (
            &shown.body["status"],
            &shown.body["error"],
            &shown.body["attempts"]
        ),
        (&json!("failed"), &json!("server busy"), &json!(1))
    );
    let rerun = app
        .admin(Method::POST, &format!("/executions/{first}/rerun"), None)
        .await;
    assert_eq!(rerun.status, StatusCode::CREATED, "{rerun:?}");
    assert_eq!(
        (&rerun.body["rerun_of"], &rerun.body["status"]),
        (&json!(first), &json!("queued"))
    );
    let second = rerun.body["id"].as_i64().unwrap();
    let store = app.store().await;
    let stored = store
        .get_execution(ExecutionId(second))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.status, stored.rerun_of),
        (ExecutionStatus::Queued, Some(ExecutionId(first)))
    );
    store.close().await;
    let again = without_settings(poll(app, &token, "").await);
    assert_eq!(execution_ids(&again), vec![second]);
    assert_eq!(again[0]["payload"]["command"], "say again");
    let trail = audit_trail(app).await;
    assert_eq!(
        trail.last().unwrap(),
        &(
            "POST /admin/v1/executions/{execution_id}/rerun".into(),
            "executions".into(),
            json!(second.to_string())
        )
    );
}

async fn kicks_go_to_the_servers_where_the_player_is_connected(app: &TestApp) {
    let (here, here_token) = create_server(app, "EU", "gmod", &["eu"]).await;
    let (_, there_token) = create_server(app, "US", "rust", &["us"]).await;
    poll(
        app,
        &here_token,
        &format!("players[steam][connected][ids]={STEAM_ID}"),
    )
    .await;
    poll(app, &there_token, "").await;
    let kick = app
        .admin(
            Method::POST,
            "/kicks",
            Some(json!({"source": "steam", "account_id": STEAM_ID, "reason": "AFK"})),
        )
        .await;
    assert_eq!(kick.status, StatusCode::CREATED, "{kick:?}");
    let executions = kick.body["executions"].as_array().unwrap();
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0]["server_id"], json!(here));
    assert_eq!(executions[0]["require_online"], true);
    let actions = without_settings(
        poll(
            app,
            &here_token,
            &format!("players[steam][connected][ids]={STEAM_ID}"),
        )
        .await,
    );
    assert_eq!(
        actions[0]["payload"]["command"],
        "kickid STEAM_0:0:85830602 \"AFK\""
    );
    assert!(without_settings(poll(app, &there_token, "").await).is_empty());
    // Nobody by that id is connected anywhere.
    app.admin(
        Method::POST,
        "/kicks",
        Some(json!({"source": "steam", "account_id": "1", "reason": "AFK"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    let trail = audit_trail(app).await;
    assert_eq!(
        trail.last().unwrap(),
        &(
            "POST /admin/v1/kicks".into(),
            "actions".into(),
            kick.body["id"].clone()
        )
    );
}

async fn bad_action_and_execution_input_is_refused_in_the_admin_shape(app: &TestApp) {
    let (id, _) = create_server(app, "EU", "gmod", &["eu"]).await;
    let auth = format!("Bearer {}", app.admin_token);
    app.send(
        Method::POST,
        "/admin/v1/actions",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(b"{\"all\": tru".to_vec()),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST);
    for body in [
        json!({"server": id, "group": "eu", "type": "command", "text": "x"}),
        json!({"type": "command", "text": "x"}),
        json!({"all": true, "type": "roles", "text": "x"}),
        json!({"all": true, "type": "launch", "text": "x"}),
        json!({"all": true, "type": "command", "text": "  "}),
        json!({"all": true, "type": "command", "text": 5}),
        json!({"all": true, "type": "command", "text": "x", "online": true}),
        json!({"all": "yes", "type": "command", "text": "x"}),
    ] {
        app.admin(Method::POST, "/actions", Some(body.clone()))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    app.admin(
        Method::POST,
        "/actions",
        Some(json!({"server": "nosuch", "type": "command", "text": "x"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    app.admin(
        Method::POST,
        "/actions",
        Some(json!({"group": "mars", "type": "command", "text": "x"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    app.admin(
        Method::POST,
        "/kicks",
        Some(json!({"source": "steam", "account_id": "1", "reason": "", "server": id})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::GET, "/executions/999999", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::POST, "/executions/999999/rerun", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/executions/abc", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    for query in [
        "limit=abc",
        "status=delivered",
        "kind=launch",
        "order=oldest",
        "bogus=1",
        "cursor=abc",
        "order=failed_first&cursor=2:5",
        "order=failed_first&cursor=WyJub25lIiwiNSJd",
    ] {
        let r = app
            .admin(Method::GET, &format!("/executions?{query}"), None)
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {r:?}"
        );
        r.assert_error(r.status);
    }
    let listed = app.admin(Method::GET, "/executions", None).await;
    assert_eq!(listed.body["items"], json!([]));
}

async fn moderators_kick_and_rerun_but_only_owners_queue_actions(app: &TestApp) {
    let (id, token) = create_server(app, "EU", "gmod", &["eu"]).await;
    poll(
        app,
        &token,
        &format!("players[steam][connected][ids]={STEAM_ID}"),
    )
    .await;
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let queued = queue(
        app,
        json!({"server": id, "type": "command", "text": "say hi"}),
    )
    .await;
    let execution = queued["executions"][0]["id"].as_i64().unwrap();
    let delivered = without_settings(poll(app, &token, "").await);
    finish(app, &token, execution_ids(&delivered)[0], Some("nope")).await;

    let action = json!({"server": id, "type": "command", "text": "quit"});
    let kick = json!({"source": "steam", "account_id": STEAM_ID, "reason": "AFK", "server": id});
    let rerun = format!("/executions/{execution}/rerun");
    for token in [&moderator, &viewer] {
        as_token(
            app,
            Some(token),
            Method::POST,
            "/actions",
            Some(action.clone()),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN);
    }
    for (path, body) in [("/kicks", Some(kick.clone())), (rerun.as_str(), None)] {
        as_token(app, Some(&viewer), Method::POST, path, body.clone())
            .await
            .assert_error(StatusCode::FORBIDDEN);
        for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
            as_token(app, token, Method::POST, path, body.clone())
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    let listed = app.admin(Method::GET, "/executions", None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    for (path, body) in [("/kicks", Some(kick)), (rerun.as_str(), None)] {
        let r = as_token(app, Some(&moderator), Method::POST, path, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {r:?}");
    }
    let listed = as_token(
        app,
        Some(&viewer),
        Method::GET,
        "/executions?order=failed_first",
        None,
    )
    .await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["status"], "failed");
}
