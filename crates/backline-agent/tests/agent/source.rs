//! Source RCON against a server written here that behaves as SRCDS does: an empty
//! `RESPONSE_VALUE` before the login's answer, id -1 for a wrong password, answers over
//! 4096 bytes in several packets, the marker mirrored (followed by SRCDS's extra packet),
//! and on request a connection dropped mid-command or a command never answered.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backline_agent::config::Secret;
use backline_agent::console::source::SourceRcon;
use backline_agent::console::Console;
use backline_agent::AgentError;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::{long_text, packet_bytes, quick_settings, read_packet, write_in_chunks};

pub const PASSWORD: &str = "s3cret-rcon";
/// A `status` in TF2's form, with two players and a bot.
pub const STATUS: &str = "hostname: test\nplayers : 2 humans, 1 bots (24 max)\n\
# userid name                uniqueid            connected ping loss state  adr\n\
#      2 \"Scout\"             [U:1:123456789]     12:04       45    0 active 10.0.0.2:27005\n\
#      3 \"Old\"               STEAM_0:1:42        00:35       80    0 active 10.0.0.3:27005\n\
#      4 \"Bot01\"             BOT                                       active\n";

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    pub logins: usize,
    pub connections: usize,
    pub commands: Vec<String>,
}

/// A Source RCON server on 127.0.0.1.
pub struct SourceServer {
    pub address: SocketAddr,
    pub seen: Arc<Mutex<Seen>>,
    task: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl SourceServer {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    pub async fn start_on(address: SocketAddr) -> Self {
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let seen = seen.clone();
            let connections = connections.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    seen.lock().unwrap().connections += 1;
                    let connection = tokio::spawn(serve(stream, seen.clone()));
                    connections.lock().unwrap().push(connection);
                }
            }
        });
        Self {
            address,
            seen,
            task,
            connections,
        }
    }

    /// Stops listening and closes every connection (a server restart).
    pub async fn stop(self) -> Arc<Mutex<Seen>> {
        self.task.abort();
        let _ = self.task.await;
        let connections = std::mem::take(&mut *self.connections.lock().unwrap());
        for connection in connections {
            connection.abort();
            let _ = connection.await;
        }
        self.seen
    }

    pub fn commands(&self) -> Vec<String> {
        self.seen.lock().unwrap().commands.clone()
    }
}

/// The answer text for a command.
fn answer(command: &str) -> String {
    match command {
        "cvarlist" => long_text(10_000),
        "status" => STATUS.to_owned(),
        other => format!("ran: {other}"),
    }
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Seen>>) {
    let Some((id, kind, body)) = read_packet(&mut stream).await else {
        return;
    };
    assert_eq!(kind, 3, "the first packet is SERVERDATA_AUTH");
    seen.lock().unwrap().logins += 1;
    let mut login = packet_bytes(id, 0, b"");
    if body == PASSWORD.as_bytes() {
        login.extend(packet_bytes(id, 2, b""));
    } else {
        login.extend(packet_bytes(-1, 2, b""));
    }
    if stream.write_all(&login).await.is_err() || body != PASSWORD.as_bytes() {
        return;
    }
    while let Some((id, kind, body)) = read_packet(&mut stream).await {
        match kind {
            2 => {
                let command = String::from_utf8(body).unwrap();
                seen.lock().unwrap().commands.push(command.clone());
                match command.as_str() {
                    // Gone mid-command: the command arrived, no answer ever will.
                    "drop" => return,
                    // Busy: nothing more is handled, not even the marker.
                    "hang" => return std::future::pending().await,
                    _ => {}
                }
                let text = answer(&command);
                let mut bytes = Vec::new();
                for piece in text.as_bytes().chunks(4096) {
                    bytes.extend(packet_bytes(id, 0, piece));
                }
                if text.is_empty() {
                    bytes.extend(packet_bytes(id, 0, b""));
                }
                if write_in_chunks(&mut stream, &bytes, 1000).await.is_err() {
                    return;
                }
            }
            0 => {
                // The marker: mirrored, then SRCDS's extra packet.
                let mut bytes = packet_bytes(id, 0, b"");
                bytes.extend(packet_bytes(id, 0, &[0, 1, 0, 0]));
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            other => panic!("a client packet of type {other}"),
        }
    }
}

fn console(address: SocketAddr, password: &str) -> Console<SourceRcon> {
    Console::new(
        SourceRcon::new(address.to_string(), Secret::new(password)),
        quick_settings(),
    )
}

#[tokio::test]
async fn an_answer_over_4096_bytes_is_reassembled_from_its_packets() {
    let server = SourceServer::start().await;
    let mut console = console(server.address, PASSWORD);
    let answer = console.run("cvarlist").await.unwrap();
    assert_eq!(answer.len(), 10_000);
    assert_eq!(answer, long_text(10_000));
    // The marker's extra packet is not taken for the next answer.
    assert_eq!(console.run("echo next").await.unwrap(), "ran: echo next");
    assert_eq!(server.commands(), ["cvarlist", "echo next"]);
    assert_eq!(server.seen.lock().unwrap().connections, 1);
}

#[tokio::test]
async fn a_wrong_password_is_refused_once_and_not_retried() {
    let server = SourceServer::start().await;
    let mut console = console(server.address, "wrong");
    let error = console.run("status").await.unwrap_err();
    assert!(matches!(error, AgentError::PasswordRefused(_)), "{error}");
    assert!(!error.to_string().contains("wrong"));
    let seen = server.seen.lock().unwrap();
    assert_eq!((seen.logins, seen.commands.len()), (1, 0));
}

#[tokio::test]
async fn a_connection_dropped_mid_command_is_reported_and_the_command_not_sent_again() {
    let server = SourceServer::start().await;
    let mut console = console(server.address, PASSWORD);
    let error = console.run("drop").await.unwrap_err();
    assert!(matches!(error, AgentError::Dropped(_)), "{error}");
    assert!(error.outcome_unknown());
    assert_eq!(console.run("status").await.unwrap(), STATUS);
    assert_eq!(server.commands(), ["drop", "status"]);
    assert_eq!(server.seen.lock().unwrap().connections, 2);
}

#[tokio::test]
async fn a_command_never_answered_times_out_and_the_next_uses_a_new_connection() {
    let server = SourceServer::start().await;
    let mut settings = quick_settings();
    settings.command_timeout = Duration::from_millis(300);
    let mut console = Console::new(
        SourceRcon::new(server.address.to_string(), Secret::new(PASSWORD)),
        settings,
    );
    let error = console.run("hang").await.unwrap_err();
    assert!(matches!(error, AgentError::Timeout(_)), "{error}");
    assert_eq!(console.run("echo after").await.unwrap(), "ran: echo after");
    assert_eq!(server.seen.lock().unwrap().connections, 2);
}

#[tokio::test]
async fn the_console_reconnects_after_the_server_restarts() {
    let server = SourceServer::start().await;
    let address = server.address;
    let mut console = console(address, PASSWORD);
    assert_eq!(console.run("echo one").await.unwrap(), "ran: echo one");
    let before = server.stop().await;
    assert_eq!(before.lock().unwrap().commands, ["echo one"]);

    // While it is down: unreachable, after the configured retries.
    let error = console.run("echo lost").await.unwrap_err();
    assert!(matches!(error, AgentError::Unreachable { .. }), "{error}");

    let restarted = SourceServer::start_on(address).await;
    assert_eq!(console.run("echo two").await.unwrap(), "ran: echo two");
    assert_eq!(restarted.commands(), ["echo two"]);
}

#[tokio::test]
async fn an_idle_connection_closed_by_a_restart_is_replaced_before_the_next_command() {
    let server = SourceServer::start().await;
    let address = server.address;
    let mut console = console(address, PASSWORD);
    assert_eq!(console.run("echo one").await.unwrap(), "ran: echo one");
    server.stop().await;
    let restarted = SourceServer::start_on(address).await;
    // Written to the old connection, this would be lost (and reported as dropped).
    assert_eq!(console.run("echo two").await.unwrap(), "ran: echo two");
    assert_eq!(restarted.commands(), ["echo two"]);
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let mut console = console(address, PASSWORD);
    let error = console.run("status").await.unwrap_err();
    assert!(matches!(error, AgentError::Unreachable { .. }), "{error}");
}
