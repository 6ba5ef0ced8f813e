//! Quake 3 RCON against a UDP peer written here: answers in several `print` datagrams,
//! `Bad rconpassword.` for a wrong password, and silence for a command it drops.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backline_agent::config::Secret;
use backline_agent::console::quake3::{Quake3Rcon, Quake3Settings};
use backline_agent::console::Console;
use backline_agent::AgentError;
use tokio::net::UdpSocket;

use crate::support::{long_text, quick_settings};

const PASSWORD: &str = "q3-rcon";
const HEADER: &[u8] = b"\xff\xff\xff\xff";

async fn start() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap();
    let commands = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn({
        let commands = commands.clone();
        async move {
            let mut buf = vec![0u8; 65_536];
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                let datagram = &buf[..n];
                let text = String::from_utf8_lossy(datagram.strip_prefix(HEADER).unwrap());
                let rest = text.strip_prefix("rcon ").unwrap();
                let (password, command) = rest.split_once(' ').unwrap();
                let prints: Vec<String> = if password != PASSWORD {
                    vec!["Bad rconpassword.\n".to_owned()]
                } else {
                    commands.lock().unwrap().push(command.to_owned());
                    match command {
                        "silent" => Vec::new(),
                        // ioquake3 cuts its output buffer at about 1 KB per datagram.
                        "cvarlist" => long_text(3000)
                            .as_bytes()
                            .chunks(1008)
                            .map(|c| String::from_utf8(c.to_vec()).unwrap())
                            .collect(),
                        "say hi" => vec![String::new()],
                        other => vec![format!("ran {other}\n")],
                    }
                };
                for print in prints {
                    let mut answer = HEADER.to_vec();
                    answer.extend_from_slice(b"print\n");
                    answer.extend_from_slice(print.as_bytes());
                    socket.send_to(&answer, from).await.unwrap();
                }
            }
        }
    });
    (address, commands)
}

fn console(address: SocketAddr, password: &str) -> Console<Quake3Rcon> {
    let mut settings = quick_settings();
    settings.command_timeout = Duration::from_millis(500);
    Console::new(
        Quake3Rcon::new(
            address.to_string(),
            Secret::new(password),
            Quake3Settings {
                quiet: Duration::from_millis(80),
                min_interval: Duration::from_millis(20),
            },
        ),
        settings,
    )
}

#[tokio::test]
async fn an_answer_in_several_datagrams_is_collected_whole() {
    let (address, commands) = start().await;
    let mut console = console(address, PASSWORD);
    assert_eq!(console.run("cvarlist").await.unwrap(), long_text(3000));
    assert_eq!(console.run("say hi").await.unwrap(), "");
    assert_eq!(console.run("status").await.unwrap(), "ran status\n");
    assert_eq!(*commands.lock().unwrap(), ["cvarlist", "say hi", "status"]);
}

#[tokio::test]
async fn bad_rconpassword_is_a_refused_password() {
    let (address, commands) = start().await;
    let mut console = console(address, "wrong");
    let error = console.run("status").await.unwrap_err();
    assert!(matches!(error, AgentError::PasswordRefused(_)), "{error}");
    assert!(!error.to_string().contains("wrong"), "{error}");
    assert!(commands.lock().unwrap().is_empty());
}

#[tokio::test]
async fn no_answer_at_all_is_unreachable() {
    let (address, commands) = start().await;
    let mut console = console(address, PASSWORD);
    let error = console.run("silent").await.unwrap_err();
    assert!(matches!(error, AgentError::Unreachable { .. }), "{error}");
    assert_eq!(*commands.lock().unwrap(), ["silent"], "sent once");
    // The console goes on working.
    assert_eq!(console.run("status").await.unwrap(), "ran status\n");
}

#[tokio::test]
async fn a_closed_udp_port_is_unreachable() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap();
    drop(socket);
    let mut console = console(address, PASSWORD);
    let error = console.run("status").await.unwrap_err();
    assert!(matches!(error, AgentError::Unreachable { .. }), "{error}");
}
