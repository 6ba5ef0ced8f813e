//! The `backline-agent` binary as a process: `check` against the Source RCON server of
//! `source.rs`, its exit codes, and secrets kept out of its output.

use std::process::Output;

use crate::source::{SourceServer, PASSWORD};

/// Runs the binary with only `env` (and `PATH`) in its environment.
async fn agent(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline-agent"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("BACKLINE_AGENT_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn check_lists_the_players_and_exits_0() {
    let server = SourceServer::start().await;
    let address = server.address.to_string();
    let output = agent(
        &["check"],
        &[
            ("BACKLINE_AGENT_PROTOCOL", "source"),
            ("BACKLINE_AGENT_RCON_ADDRESS", &address),
            ("BACKLINE_AGENT_RCON_PASSWORD", PASSWORD),
            ("BACKLINE_AGENT_GAME", "tf2"),
        ],
    )
    .await;
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("2 player(s) of source steam"), "{stdout}");
    assert!(stdout.contains("76561198083722517"), "{stdout}");
    assert!(stdout.contains("76561197960265813"), "{stdout}");
    assert_eq!(server.commands(), ["status"]);
}

#[tokio::test]
async fn check_exits_4_for_a_refused_password_without_printing_it() {
    let server = SourceServer::start().await;
    let address = server.address.to_string();
    let output = agent(
        &["check"],
        &[
            ("BACKLINE_AGENT_PROTOCOL", "source"),
            ("BACKLINE_AGENT_RCON_ADDRESS", &address),
            ("BACKLINE_AGENT_RCON_PASSWORD", "very-wrong-password"),
            ("BACKLINE_AGENT_GAME", "cs2"),
            ("BACKLINE_AGENT_LOG", "debug"),
        ],
    )
    .await;
    let everything = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(4), "{everything}");
    assert!(
        everything.contains("refused the RCON password"),
        "{everything}"
    );
    assert!(!everything.contains("very-wrong-password"), "{everything}");
}

#[tokio::test]
async fn check_exits_4_when_the_game_is_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let output = agent(
        &["check"],
        &[
            ("BACKLINE_AGENT_PROTOCOL", "source"),
            ("BACKLINE_AGENT_RCON_ADDRESS", &address),
            ("BACKLINE_AGENT_RCON_PASSWORD", PASSWORD),
            ("BACKLINE_AGENT_GAME", "cs2"),
            ("BACKLINE_AGENT_RECONNECT_MAX_RETRIES", "1"),
            ("BACKLINE_AGENT_RECONNECT_MIN_DELAY_MILLIS", "10"),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("game unreachable"));
}

#[tokio::test]
async fn configuration_errors_exit_2_and_say_what_to_set() {
    let output = agent(&["check"], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("BACKLINE_AGENT_PROTOCOL"));

    let output = agent(
        &["check"],
        &[
            ("BACKLINE_AGENT_PROTOCOL", "source"),
            ("BACKLINE_AGENT_RCON_ADDRESS", "127.0.0.1:1"),
            ("BACKLINE_AGENT_RCON_PASSWORD", "x"),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "no game, no player command");
    assert!(
        text(&output.stderr).contains("BACKLINE_AGENT_GAME")
            || text(&output.stderr).contains("PLAYERS_COMMAND")
    );
}

#[tokio::test]
async fn run_without_backline_settings_exits_2_naming_them() {
    let output = agent(
        &["run", "--once"],
        &[
            ("BACKLINE_AGENT_PROTOCOL", "exec"),
            (
                "BACKLINE_AGENT_EXEC_TEMPLATE",
                "tmux send-keys -t srv {command} Enter",
            ),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("BACKLINE_AGENT_URL"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn an_agent_variable_that_is_not_utf8_is_a_configuration_error() {
    use std::os::unix::ffi::OsStrExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline-agent"));
    let output = command
        .arg("check")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("BACKLINE_AGENT_PROTOCOL", "source")
        .env("BACKLINE_AGENT_RCON_ADDRESS", "127.0.0.1:1")
        .env(
            "BACKLINE_AGENT_RCON_PASSWORD",
            std::ffi::OsStr::from_bytes(b"pass\xffword"),
        )
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("BACKLINE_AGENT_RCON_PASSWORD is not UTF-8"),
        "{stderr}"
    );
}
