//! Rust's WebRCON against a websocket server written here (tokio-tungstenite's accept):
//! the password is the URL's path, a wrong one gets the websocket closed right after it
//! opens (as Rust does), and every answer comes after broadcast messages (chat, log lines)
//! and an answer to another identifier.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use backline_agent::config::Secret;
use backline_agent::console::webrcon::WebRcon;
use backline_agent::console::Console;
use backline_agent::players::{PlayerOverrides, PlayerReader};
use backline_agent::AgentError;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::support::quick_settings;

const PASSWORD: &str = "rust-web-rcon";

const PLAYERLIST: &str = r#"[{"SteamID":"76561198012345678","OwnerSteamID":"0","DisplayName":"Garry","Ping":42,"Address":"203.0.113.7:51234","ConnectedSeconds":1820,"VoiationLevel":0.0,"CurrentLevel":0.0,"UnspentXp":0.0,"Health":61.5},{"SteamID":"76561198087654321","OwnerSteamID":"0","DisplayName":"naked guy","Ping":120,"Address":"198.51.100.4:60001","ConnectedSeconds":35,"VoiationLevel":0.0,"CurrentLevel":0.0,"UnspentXp":0.0,"Health":100.0}]"#;

/// What the server saw: the paths of the upgrades and the commands with their identifiers.
#[derive(Default)]
struct Seen {
    paths: Vec<String>,
    commands: Vec<(i64, String)>,
}

async fn start() -> (SocketAddr, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    tokio::spawn({
        let seen = seen.clone();
        async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, seen.clone()));
            }
        }
    });
    (address, seen)
}

fn text(value: Value) -> Message {
    Message::text(value.to_string())
}

// tungstenite's handshake callback returns its (large) `ErrorResponse` by value.
#[allow(clippy::result_large_err)]
async fn serve(stream: tokio::net::TcpStream, seen: Arc<Mutex<Seen>>) {
    let path = Arc::new(Mutex::new(String::new()));
    let upgrade_path = path.clone();
    let accepted = tokio_tungstenite::accept_hdr_async(
        stream,
        move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            *upgrade_path.lock().unwrap() = request.uri().path().to_owned();
            Ok(response)
        },
    )
    .await;
    let Ok(mut socket) = accepted else {
        return;
    };
    let path = path.lock().unwrap().clone();
    seen.lock().unwrap().paths.push(path.clone());
    if path != format!("/{PASSWORD}") {
        let _ = socket.close(None).await;
        return;
    }
    // A log line the server sends on its own as soon as someone connects.
    let _ = socket
        .send(text(json!({"Message": "Server startup complete", "Identifier": 0, "Type": "Generic", "Stacktrace": ""})))
        .await;
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(request) = message else {
            continue;
        };
        let request: Value = serde_json::from_str(request.as_str()).unwrap();
        assert_eq!(request["Name"], "backline");
        let identifier = request["Identifier"].as_i64().unwrap();
        let command = request["Message"].as_str().unwrap().to_owned();
        seen.lock()
            .unwrap()
            .commands
            .push((identifier, command.clone()));
        let answer = match command.as_str() {
            "playerlist" => PLAYERLIST.to_owned(),
            other => format!("ran {other}"),
        };
        let interleaved = [
            json!({"Message": "[CHAT] Garry : hello", "Identifier": -1, "Type": "Chat", "Stacktrace": ""}),
            json!({"Message": "Saved 1,234 ents", "Identifier": 0, "Type": "Generic", "Stacktrace": ""}),
            json!({"Message": "an answer to someone else", "Identifier": identifier + 1000, "Type": "Generic", "Stacktrace": ""}),
            json!({"Message": answer, "Identifier": identifier, "Type": "Generic", "Stacktrace": ""}),
        ];
        for message in interleaved {
            if socket.send(text(message)).await.is_err() {
                return;
            }
        }
    }
}

fn console(address: SocketAddr, password: &str) -> Console<WebRcon> {
    Console::new(
        WebRcon::new(address.to_string(), Secret::new(password)),
        quick_settings(),
    )
}

#[tokio::test]
async fn the_answer_is_the_message_with_the_commands_identifier() {
    let (address, seen) = start().await;
    let mut console = console(address, PASSWORD);
    assert_eq!(console.run("say one").await.unwrap(), "ran say one");
    assert_eq!(console.run("say two").await.unwrap(), "ran say two");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.paths, [format!("/{PASSWORD}")]);
    let identifiers: Vec<i64> = seen.commands.iter().map(|(id, _)| *id).collect();
    assert!(
        identifiers[0] > 0 && identifiers[1] != identifiers[0],
        "{identifiers:?}"
    );
}

#[tokio::test]
async fn players_are_read_from_playerlist() {
    let (address, _) = start().await;
    let mut console = console(address, PASSWORD);
    let reader = PlayerReader::new(Some("rust"), &PlayerOverrides::default()).unwrap();
    let answer = console.run(reader.command()).await.unwrap();
    let ids: Vec<String> = reader
        .parse(&answer)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["76561198012345678", "76561198087654321"]);
}

#[tokio::test]
async fn a_wrong_password_is_refused_before_any_command_is_sent() {
    let (address, seen) = start().await;
    let mut console = console(address, "wrong-one");
    let error = console.run("say hi").await.unwrap_err();
    assert!(matches!(error, AgentError::PasswordRefused(_)), "{error}");
    assert!(!error.to_string().contains("wrong-one"), "{error}");
    let seen = seen.lock().unwrap();
    assert!(seen.commands.is_empty());
    assert_eq!(seen.paths, ["/wrong-one"], "refused once, not retried");
}
