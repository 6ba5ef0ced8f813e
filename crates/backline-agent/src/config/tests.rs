//! The configuration read from files and environments made in the test.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn environment_values_are_taken_as_written() {
    let config = AgentConfig::load(
        None,
        env(&[
            ("BACKLINE_AGENT_PROTOCOL", "source"),
            ("BACKLINE_AGENT_RCON_ADDRESS", "127.0.0.1:27015"),
            ("BACKLINE_AGENT_RCON_PASSWORD", "1.50"),
            ("BACKLINE_AGENT_GAME", "CS2"),
            ("BACKLINE_AGENT_COMMAND_TIMEOUT_MILLIS", "1500"),
            ("PATH", "/usr/bin"),
        ]),
    )
    .unwrap();
    assert_eq!(config.protocol, ProtocolKind::Source);
    assert_eq!(config.rcon_password().unwrap().expose(), "1.50");
    assert_eq!(config.game.as_deref(), Some("cs2"));
    assert_eq!(config.console.command_timeout, Duration::from_millis(1500));
}

#[test]
fn the_environment_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agent.toml");
    std::fs::write(
        &file,
        "protocol = \"minecraft\"\ngame = \"minecraft\"\n[rcon]\naddress = \"mc:25575\"\npassword = \"file\"\n[minecraft]\nend_of_answer = \"quiet\"\nquiet_millis = 80\n",
    )
    .unwrap();
    let config = AgentConfig::load(
        Some(&file),
        env(&[("BACKLINE_AGENT_RCON_PASSWORD", "environment")]),
    )
    .unwrap();
    assert_eq!(config.rcon_address().unwrap(), "mc:25575");
    assert_eq!(config.rcon_password().unwrap().expose(), "environment");
    assert_eq!(
        config.minecraft_end,
        EndOfAnswer::Quiet(Duration::from_millis(80))
    );
}

#[test]
fn secrets_never_show_in_debug_output() {
    let config = AgentConfig::load(
        None,
        env(&[
            ("BACKLINE_AGENT_PROTOCOL", "webrcon"),
            ("BACKLINE_AGENT_RCON_ADDRESS", "rust:28016"),
            ("BACKLINE_AGENT_RCON_PASSWORD", "hunter2-rcon"),
            ("BACKLINE_AGENT_TOKEN", "hunter2-token"),
        ]),
    )
    .unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("[redacted]"));
}

#[test]
fn configuration_errors_say_what_to_set() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "BACKLINE_AGENT_PROTOCOL"),
        (&[("BACKLINE_AGENT_PROTOCOL", "telnet")], "unknown protocol"),
        (
            &[("BACKLINE_AGENT_PROTOCOL", "source")],
            "BACKLINE_AGENT_RCON_ADDRESS",
        ),
        (
            &[
                ("BACKLINE_AGENT_PROTOCOL", "source"),
                ("BACKLINE_AGENT_RCON_ADDRESS", "nohost"),
            ],
            "not host:port",
        ),
        (
            &[
                ("BACKLINE_AGENT_PROTOCOL", "quake3"),
                ("BACKLINE_AGENT_RCON_ADDRESS", "q3:27960"),
            ],
            "BACKLINE_AGENT_RCON_PASSWORD",
        ),
        (
            &[("BACKLINE_AGENT_PROTOCOL", "exec")],
            "BACKLINE_AGENT_EXEC_TEMPLATE",
        ),
        (
            &[
                ("BACKLINE_AGENT_PROTOCOL", "exec"),
                ("BACKLINE_AGENT_EXEC_TEMPLATE", "tmux send-keys"),
            ],
            "{command}",
        ),
        (
            &[("BACKLINE_AGENT_RCON_PASWORD", "typo")],
            "unknown variable BACKLINE_AGENT_RCON_PASWORD",
        ),
        (
            &[("BACKLINE_AGENT_COMMAND_TIMEOUT_MILLIS", "ten")],
            "whole number",
        ),
        (
            &[
                ("BACKLINE_AGENT_PROTOCOL", "exec"),
                ("BACKLINE_AGENT_EXEC_TEMPLATE", "t {command}"),
                ("BACKLINE_AGENT_PLAYERS_PATTERN", "no id group"),
                ("BACKLINE_AGENT_PLAYERS_COMMAND", "who"),
            ],
            "id",
        ),
    ];
    for (pairs, expected) in cases {
        match AgentConfig::load(None, env(pairs)) {
            Err(AgentError::Configuration(message)) => {
                assert!(message.contains(expected), "{pairs:?}: {message}")
            }
            other => panic!("{pairs:?}: {other:?}"),
        }
    }
}

#[test]
fn a_missing_file_or_an_unknown_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.toml");
    assert!(matches!(
        AgentConfig::load(Some(&missing), Vec::new()),
        Err(AgentError::Configuration(_))
    ));
    let file = dir.path().join("agent.toml");
    std::fs::write(&file, "protocol = \"source\"\nrcon_pasword = \"x\"\n").unwrap();
    match AgentConfig::load(Some(&file), Vec::new()) {
        Err(AgentError::Configuration(message)) => {
            assert!(message.contains("rcon_pasword"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}
