//! Minecraft RCON against a server written here that behaves as vanilla does: no empty
//! packet around the login, id -1 for a wrong password, answers cut into pieces of 4096
//! characters, and nothing that marks the last piece.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backline_agent::config::Secret;
use backline_agent::console::minecraft::{EndOfAnswer, MinecraftRcon};
use backline_agent::console::Console;
use backline_agent::players::{PlayerOverrides, PlayerReader};
use backline_agent::AgentError;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::support::{long_text, packet_bytes, quick_settings, read_packet, write_in_chunks};

const PASSWORD: &str = "minecraft-rcon";

/// Starts the server; returns its address and the commands it ran.
async fn start() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let commands = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn({
        let commands = commands.clone();
        async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, commands.clone()));
            }
        }
    });
    (address, commands)
}

fn answer(command: &str) -> String {
    match command {
        "list" => "There are 2 of a max of 20 players online: Notch, jeb_".to_owned(),
        // Two full pieces and a short one.
        "help" => long_text(4096 * 2 + 100),
        // Exactly one full piece: the agent must wait for the quiet period to know.
        "exact" => long_text(4096),
        "" => String::new(),
        other => format!("ran {other}"),
    }
}

async fn serve(mut stream: TcpStream, commands: Arc<Mutex<Vec<String>>>) {
    let Some((id, 3, body)) = read_packet(&mut stream).await else {
        return;
    };
    let answer_id = if body == PASSWORD.as_bytes() { id } else { -1 };
    if stream
        .write_all(&packet_bytes(answer_id, 2, b""))
        .await
        .is_err()
        || answer_id == -1
    {
        return;
    }
    while let Some((id, kind, body)) = read_packet(&mut stream).await {
        let text = if kind == 2 {
            let command = String::from_utf8(body).unwrap();
            commands.lock().unwrap().push(command.clone());
            answer(&command)
        } else {
            format!("Unknown request {kind:x}")
        };
        let mut bytes = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(4096) {
            let piece: String = piece.iter().collect();
            bytes.extend(packet_bytes(id, 0, piece.as_bytes()));
        }
        if chars.is_empty() {
            bytes.extend(packet_bytes(id, 0, b""));
        }
        if write_in_chunks(&mut stream, &bytes, 1500).await.is_err() {
            return;
        }
    }
}

fn console(address: SocketAddr, password: &str, end: EndOfAnswer) -> Console<MinecraftRcon> {
    Console::new(
        MinecraftRcon::new(address.to_string(), Secret::new(password), end),
        quick_settings(),
    )
}

#[tokio::test]
async fn a_short_last_piece_ends_the_answer_at_once() {
    let (address, commands) = start().await;
    let mut console = console(
        address,
        PASSWORD,
        EndOfAnswer::ShortPacket {
            quiet: Duration::from_secs(3),
        },
    );
    let started = Instant::now();
    let answer = console.run("help").await.unwrap();
    assert_eq!(answer, long_text(4096 * 2 + 100));
    // Ended by the short piece, not by waiting out the quiet period.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(console.run("say hi").await.unwrap(), "ran say hi");
    assert_eq!(*commands.lock().unwrap(), ["help", "say hi"]);
}

#[tokio::test]
async fn a_full_last_piece_ends_the_answer_after_the_quiet_period() {
    let (address, _) = start().await;
    let mut console = console(
        address,
        PASSWORD,
        EndOfAnswer::ShortPacket {
            quiet: Duration::from_millis(60),
        },
    );
    assert_eq!(console.run("exact").await.unwrap(), long_text(4096));
    assert_eq!(console.run("say after").await.unwrap(), "ran say after");
}

#[tokio::test]
async fn the_quiet_rule_collects_every_piece() {
    let (address, _) = start().await;
    let mut console = console(
        address,
        PASSWORD,
        EndOfAnswer::Quiet(Duration::from_millis(60)),
    );
    assert_eq!(
        console.run("help").await.unwrap(),
        long_text(4096 * 2 + 100)
    );
}

#[tokio::test]
async fn players_are_read_with_list() {
    let (address, _) = start().await;
    let mut console = console(address, PASSWORD, EndOfAnswer::default());
    let reader = PlayerReader::new(Some("minecraft"), &PlayerOverrides::default()).unwrap();
    let answer = console.run(reader.command()).await.unwrap();
    let players = reader.parse(&answer).unwrap();
    let names: Vec<_> = players
        .iter()
        .map(|p| (p.source.as_str(), p.id.as_str()))
        .collect();
    assert_eq!(names, [("minecraft", "Notch"), ("minecraft", "jeb_")]);
}

#[tokio::test]
async fn a_wrong_password_is_refused() {
    let (address, commands) = start().await;
    let mut console = console(address, "nope", EndOfAnswer::default());
    let error = console.run("list").await.unwrap_err();
    assert!(matches!(error, AgentError::PasswordRefused(_)), "{error}");
    assert!(commands.lock().unwrap().is_empty());
}
