//! The Quake 3 console against a real game server: OpenArena from Debian's
//! `openarena-server` (ioquake3), started here on a free UDP port of 127.0.0.1.
//!
//! `scripts/test` installs it when missing. Without it this test fails under `CI=true` and
//! skips itself with a message otherwise.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backline_agent::config::Secret;
use backline_agent::console::quake3::{Quake3Rcon, Quake3Settings};
use backline_agent::console::{Console, ConsoleSettings, Reconnect};
use backline_agent::players::{PlayerOverrides, PlayerReader};
use backline_agent::AgentError;

use crate::support::eventually;

const BINARY: &str = "/usr/games/openarena-server";
pub const PASSWORD: &str = "oa-rcon-test";

/// The server process, killed when dropped, and every line it printed.
pub struct OpenArena {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    pub port: u16,
    _home: tempfile::TempDir,
}

impl Drop for OpenArena {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server binary is here; under `CI=true` its absence fails the test.
pub fn installed() -> bool {
    if Path::new(BINARY).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{BINARY} is missing under CI=true: scripts/test installs Debian's openarena-server"
    );
    eprintln!("skipped: {BINARY} is missing (scripts/test installs openarena-server)");
    false
}

impl OpenArena {
    pub fn start() -> Self {
        // A free UDP port: bound and released (the server binds it right after).
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let home = tempfile::tempdir().unwrap();
        let mut child = Command::new(BINARY)
            .args(["+set", "dedicated", "1", "+set", "net_ip", "127.0.0.1"])
            .args(["+set", "net_port", &port.to_string()])
            .args(["+set", "rconpassword", PASSWORD, "+map", "oa_dm1"])
            .env("HOME", home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        Self {
            child,
            log,
            port,
            _home: home,
        }
    }

    pub fn console(&self, password: &str) -> Console<Quake3Rcon> {
        Console::new(
            Quake3Rcon::new(
                format!("127.0.0.1:{}", self.port),
                Secret::new(password),
                Quake3Settings::default(),
            ),
            ConsoleSettings {
                command_timeout: Duration::from_millis(1000),
                connect_timeout: Duration::from_millis(1000),
                reconnect: Reconnect {
                    min_delay: Duration::from_millis(10),
                    max_delay: Duration::from_millis(40),
                    max_retries: 1,
                },
            },
        )
    }

    pub fn logged(&self, text: &str) -> bool {
        self.log
            .lock()
            .unwrap()
            .iter()
            .any(|line| line.contains(text))
    }
}

/// The players `status` lists once there are `count` of them (polled, 10 s at most).
async fn players_until(
    console: &mut Console<Quake3Rcon>,
    reader: &PlayerReader,
    count: usize,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = console.run(reader.command()).await.unwrap();
        let mut names: Vec<String> = reader
            .parse(&answer)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        names.sort();
        if names.len() == count {
            return names;
        }
        assert!(Instant::now() < deadline, "not {count} players: {answer}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn openarena_runs_commands_lists_bots_kicks_one_and_refuses_a_wrong_password() {
    if !installed() {
        return;
    }
    let server = OpenArena::start();
    let mut console = server.console(PASSWORD);
    let reader = PlayerReader::new(Some("openarena"), &PlayerOverrides::default()).unwrap();
    assert_eq!(reader.source(), "quake3");

    // Up once `status` is answered.
    let deadline = Instant::now() + Duration::from_secs(30);
    let empty = loop {
        match console.run("status").await {
            Ok(answer) => break answer,
            Err(AgentError::Unreachable { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(other) => panic!("the server never answered: {other}"),
        }
    };
    assert!(empty.starts_with("map: oa_dm1"), "{empty}");
    assert!(reader.parse(&empty).unwrap().is_empty());

    console.run("addbot sarge").await.unwrap();
    console.run("addbot grism").await.unwrap();
    assert_eq!(
        players_until(&mut console, &reader, 2).await,
        ["Grism", "Sarge"]
    );

    let kicked = console.run("kick Grism").await.unwrap();
    assert!(kicked.contains("Grism"), "{kicked}");
    assert_eq!(players_until(&mut console, &reader, 1).await, ["Sarge"]);

    let mut wrong = server.console("not-the-password");
    let error = wrong.run("status").await.unwrap_err();
    assert!(matches!(error, AgentError::PasswordRefused(_)), "{error}");

    eventually(
        Duration::from_secs(5),
        "the server logged the rcon commands",
        || {
            let server = &server;
            async move {
                (server.logged("Rcon from 127.0.0.1")
                    && server.logged("addbot sarge")
                    && server.logged("kick Grism")
                    && server.logged("Bad rcon from 127.0.0.1"))
                .then_some(())
            }
        },
    )
    .await;
}
