//! Passwords given to the CLI on standard input (`--password-stdin`) rather than as
//! arguments, through the real binary, then used to log in over HTTP.

use crate::helpers::TestApp;
use crate::nakama_helpers::rpc_http_key;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Output;
use tokio::io::AsyncWriteExt;

backline_store::stories!(crate::helpers::with_app =>
    user_create_reads_the_password_from_stdin_and_it_works_for_login,
    user_password_reads_the_new_password_from_stdin_and_only_it_works,
    a_missing_or_empty_password_on_stdin_fails_and_changes_nothing,
);

/// Runs `backline --database … args` with `stdin` as its standard input.
async fn backline_with_stdin(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .arg("--database")
        .arg(&app.db.url)
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

async fn login(app: &TestApp, username: &str, password: &str) -> StatusCode {
    let r = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"username": username, "password": password}),
    )
    .await;
    if r.status == StatusCode::OK {
        assert!(r.body["token"].is_string(), "{r:?}");
    }
    r.status
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn user_create_reads_the_password_from_stdin_and_it_works_for_login(app: &TestApp) {
    let out = backline_with_stdin(
        app,
        &["user", "create", "stdin-user", "--password-stdin", "--json"],
        "correct horse battery\n",
    )
    .await;
    assert_success(&out);
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(user["username"], "stdin-user", "{user}");
    assert_eq!(
        login(app, "stdin-user", "correct horse battery").await,
        StatusCode::OK
    );
    assert_eq!(
        login(app, "stdin-user", "correct horse battery\n").await,
        StatusCode::UNAUTHORIZED,
        "the line ending is not part of the password"
    );
    // The argument form still works, and cannot be combined with --password-stdin.
    let out = backline_with_stdin(
        app,
        &[
            "user",
            "create",
            "arg-user",
            "--password",
            "argument-password",
        ],
        "",
    )
    .await;
    assert_success(&out);
    assert_eq!(
        login(app, "arg-user", "argument-password").await,
        StatusCode::OK
    );
    let out = backline_with_stdin(
        app,
        &[
            "user",
            "create",
            "both-user",
            "--password",
            "x-password",
            "--password-stdin",
        ],
        "y-password\n",
    )
    .await;
    assert!(!out.status.success());
}

async fn user_password_reads_the_new_password_from_stdin_and_only_it_works(app: &TestApp) {
    let out = backline_with_stdin(
        app,
        &["user", "create", "rotating", "--password", "old-password-1"],
        "",
    )
    .await;
    assert_success(&out);
    let out = backline_with_stdin(
        app,
        &["user", "password", "rotating", "--password-stdin"],
        "new-password-2\r\nignored second line\n",
    )
    .await;
    assert_success(&out);
    assert_eq!(
        login(app, "rotating", "new-password-2").await,
        StatusCode::OK
    );
    assert_eq!(
        login(app, "rotating", "old-password-1").await,
        StatusCode::UNAUTHORIZED
    );
    // The positional argument still works.
    let out = backline_with_stdin(
        app,
        &["user", "password", "rotating", "third-password-3"],
        "",
    )
    .await;
    assert_success(&out);
    assert_eq!(
        login(app, "rotating", "third-password-3").await,
        StatusCode::OK
    );
}

async fn a_missing_or_empty_password_on_stdin_fails_and_changes_nothing(app: &TestApp) {
    let out = backline_with_stdin(
        app,
        &["user", "create", "keeper", "--password", "keeper-password"],
        "",
    )
    .await;
    assert_success(&out);
    for (args, stdin, says) in [
        (
            &["user", "password", "keeper", "--password-stdin"][..],
            "\n",
            "no password",
        ),
        (
            &["user", "password", "keeper", "--password-stdin"][..],
            "",
            "no password",
        ),
        // No terminal and no password: refused, with a hint.
        (&["user", "password", "keeper"][..], "", "--password-stdin"),
        (
            &["user", "create", "nobody-yet", "--password-stdin"][..],
            "",
            "no password",
        ),
    ] {
        let out = backline_with_stdin(app, args, stdin).await;
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(
        login(app, "keeper", "keeper-password").await,
        StatusCode::OK
    );
    let r = rpc_http_key(app, "account/lookup", json!({"username": "nobody-yet"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
}
