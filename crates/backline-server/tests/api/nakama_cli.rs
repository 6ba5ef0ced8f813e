//! The Nakama side of the command line and of start-up: users, groups, keys.

use crate::helpers::TestApp;
use crate::nakama_helpers::{basic, rpc_http_key};
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

backline_store::stories!(crate::helpers::with_app => cli_users_log_in_and_join_groups_the_server_honours);

async fn backline(url: &str, args: &[&str]) -> (bool, Value, String) {
    crate::helpers::cli(url, args).await
}

async fn cli_users_log_in_and_join_groups_the_server_honours(app: &TestApp) {
    let url = &app.db.url;
    let (ok, user, err) = backline(
        url,
        &[
            "user",
            "create",
            "sprockee",
            "--password",
            "somepassword",
            "--email",
            "s@example.org",
            "--discord-id",
            "695081603180789771",
            "--json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    let user_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        user["external_accounts"],
        json!([{"source": "discord", "account_id": "695081603180789771"}])
    );
    assert!(!user.to_string().contains("somepassword"));
    let login = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"discord_id": "695081603180789771", "password": "somepassword"}),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    let token = login.body["token"].as_str().unwrap().to_owned();

    // Not a bot yet: prepare is refused; after `user group add`, it is allowed past the check.
    let prepare = |token: String| async move {
        app.send(
            Method::POST,
            "/v2/rpc/match/prepare?unwrap",
            &[("authorization", &format!("Bearer {token}"))],
            Some(br#"{"id": "none.backline", "mode": "echo_arena"}"#.to_vec()),
        )
        .await
    };
    prepare(token.clone())
        .await
        .assert_nakama_error(StatusCode::FORBIDDEN, 7);
    let (ok, view, err) = backline(
        url,
        &["user", "group", "add", "sprockee", "Global Bots", "--json"],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(view["groups"], json!(["Global Bots"]));
    prepare(token.clone())
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    let (ok, view, _) = backline(
        url,
        &["user", "group", "remove", &user_id, "Global Bots", "--json"],
    )
    .await;
    assert!(ok);
    assert_eq!(view["groups"], json!([]));
    let (ok, _, err) = backline(url, &["user", "group", "add", "sprockee", "Admins"]).await;
    assert!(!ok && err.contains("unknown group"), "{err}");

    // Password, links, disable.
    assert!(
        backline(url, &["user", "password", "sprockee", "newpassword1"])
            .await
            .0
    );
    let old = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"username": "sprockee", "password": "somepassword"}),
    )
    .await;
    old.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let (ok, view, _) = backline(
        url,
        &["user", "link", "sprockee", "evr", "OVR-ORG-123", "--json"],
    )
    .await;
    assert!(ok);
    assert_eq!(view["external_accounts"].as_array().unwrap().len(), 2);
    let (ok, _, err) = backline(
        url,
        &[
            "user",
            "create",
            "other",
            "--discord-id",
            "695081603180789771",
        ],
    )
    .await;
    assert!(!ok && err.contains("already"), "{err}");
    let (ok, _, err) = backline(url, &["user", "link", "other-missing", "evr", "X"]).await;
    assert!(!ok && err.contains("not found"), "{err}");
    assert!(
        backline(url, &["user", "unlink", "sprockee", "evr", "OVR-ORG-123"])
            .await
            .0
    );
    assert!(backline(url, &["user", "disable", "sprockee"]).await.0);
    let account = app
        .get(
            "/v2/account",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    account.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let (ok, view, _) = backline(url, &["user", "enable", "sprockee", "--json"]).await;
    assert!(ok && view["disabled"] == false);

    // The keys the server uses are the ones the CLI prints.
    let (ok, keys, _) = backline(url, &["nakama", "keys", "--json"]).await;
    assert!(ok);
    // The test server's keys come from its configuration; the database holds generated ones
    // that a server without configured keys would use.
    assert!(
        keys["server_key"].as_str().is_some_and(|k| k.len() >= 20),
        "{keys}"
    );
    assert!(
        keys["http_key"].as_str().is_some_and(|k| k.len() >= 20),
        "{keys}"
    );
}

/// Starts `backline serve` on `url` with no configured keys; the printed lines and the child.
async fn serve(url: &str) -> (Vec<String>, String, tokio::process::Child) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let done = line.contains("admin token");
        printed.push(line);
        if done {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let address = printed[0]
        .trim_start_matches("Backline listening on ")
        .to_owned();
    (printed, address, child)
}

async fn keys_are_generated_once_printed_once_and_shared(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let (first, first_address, mut first_child) = serve(&db.url).await;
    let server_key = first.iter().find_map(|l| l.strip_prefix("  Nakama server key (generated, shown once; `backline nakama keys` shows it again): ")).unwrap().to_owned();
    let http_key = first
        .iter()
        .find_map(|l| l.strip_prefix("  Nakama http key (generated, shown once): "))
        .unwrap()
        .to_owned();
    let (second, second_address, mut second_child) = serve(&db.url).await;
    assert!(
        !second.iter().any(|l| l.contains("Nakama")),
        "keys are printed once: {second:?}"
    );
    let (_, keys, _) = backline(&db.url, &["nakama", "keys", "--json"]).await;
    assert_eq!(
        keys,
        json!({"server_key": server_key, "http_key": http_key})
    );
    // A session from the first node is good on the second: the signing keys agree.
    let client = reqwest::Client::new();
    let auth = client
        .post(format!(
            "{first_address}/v2/account/authenticate/custom?create=true"
        ))
        .header("authorization", basic(&server_key))
        .json(&json!({"id": "shared-custom-id"}))
        .send()
        .await
        .unwrap();
    assert_eq!(auth.status(), 200);
    let token = auth.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let account = client
        .get(format!("{second_address}/v2/account"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    let lookup = client
        .get(format!(
            "{second_address}/v2/rpc/account/lookup?http_key={http_key}&username=nobody"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        lookup.status(),
        404,
        "the http key is accepted (and the user is unknown)"
    );
    let _ = first_child.kill().await;
    let _ = second_child.kill().await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keys_are_generated_once_printed_once_and_shared() {
    keys_are_generated_once_printed_once_and_shared(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keys_are_generated_once_printed_once_and_shared() {
    keys_are_generated_once_printed_once_and_shared(Backend::Postgres).await
}
