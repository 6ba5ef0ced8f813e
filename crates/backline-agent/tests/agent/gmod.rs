//! A Garry's Mod server as its console is seen over Source RCON, written here: players who
//! come and go, `status` listing them with their `[U:1:N]` ids, `kickid STEAM_X:Y:Z "reason"`
//! removing one, `say` and other commands echoed, `code_unknown` answered as SRCDS answers a
//! command it does not know. Every command received is kept in order, to count what arrived.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::{packet_bytes, read_packet};

pub const PASSWORD: &str = "gmod-rcon-pass";

/// The server's state: who is on it and what it was told.
#[derive(Default)]
pub struct State {
    /// (Steam64 id, name).
    pub players: Vec<(u64, String)>,
    pub commands: Vec<String>,
    /// Whether a `say` takes 40 ms to answer (a busy server).
    pub slow_say: bool,
}

pub struct GmodServer {
    pub address: SocketAddr,
    pub state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for GmodServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GmodServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let task = tokio::spawn({
            let state = state.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, state.clone()));
                }
            }
        });
        Self {
            address,
            state,
            task,
        }
    }

    pub fn join(&self, steam64: u64, name: &str) {
        self.state
            .lock()
            .unwrap()
            .players
            .push((steam64, name.to_owned()));
    }

    pub fn commands(&self) -> Vec<String> {
        self.state.lock().unwrap().commands.clone()
    }

    /// The commands received other than the player listing.
    pub fn sent(&self) -> Vec<String> {
        self.commands()
            .into_iter()
            .filter(|c| c != "status")
            .collect()
    }

    pub fn players(&self) -> Vec<u64> {
        self.state
            .lock()
            .unwrap()
            .players
            .iter()
            .map(|p| p.0)
            .collect()
    }
}

const STEAM64_BASE: u64 = 76_561_197_960_265_728;

fn status(players: &[(u64, String)]) -> String {
    let mut text = format!(
        "hostname: Backline test\nplayers : {} humans, 0 bots (24 max)\n\
         # userid name                uniqueid            connected ping loss state  adr\n",
        players.len()
    );
    for (i, (id, name)) in players.iter().enumerate() {
        text.push_str(&format!(
            "#      {} \"{name}\"     [U:1:{}]     00:10       40    0 active 10.0.0.{}:27005\n",
            i + 2,
            id - STEAM64_BASE,
            i + 2
        ));
    }
    text
}

/// What the server does with `command`; its answer.
fn run(command: &str, state: &mut State) -> String {
    state.commands.push(command.to_owned());
    if command == "status" {
        return status(&state.players);
    }
    if let Some(rest) = command.strip_prefix("kickid ") {
        let steam2 = rest.split_whitespace().next().unwrap_or("");
        let parts: Vec<&str> = steam2.trim_start_matches("STEAM_").split(':').collect();
        if let [_, y, z] = parts[..] {
            let id = STEAM64_BASE + z.parse::<u64>().unwrap() * 2 + y.parse::<u64>().unwrap();
            state.players.retain(|p| p.0 != id);
            return format!("Kicked {steam2}\n");
        }
    }
    if command.starts_with("code_unknown") {
        return format!("Unknown command \"{command}\"\n");
    }
    format!("ran: {command}\n")
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some((id, _, body)) = read_packet(&mut stream).await else {
        return;
    };
    let mut login = packet_bytes(id, 0, b"");
    let ok = body == PASSWORD.as_bytes();
    login.extend(packet_bytes(if ok { id } else { -1 }, 2, b""));
    if stream.write_all(&login).await.is_err() || !ok {
        return;
    }
    while let Some((id, kind, body)) = read_packet(&mut stream).await {
        let mut bytes = Vec::new();
        if kind == 2 {
            let command = String::from_utf8(body).unwrap();
            let (text, delay) = {
                let mut state = state.lock().unwrap();
                (run(&command, &mut state), state.slow_say)
            };
            if command.starts_with("say ") && delay {
                tokio::time::sleep(std::time::Duration::from_millis(40)).await;
            }
            for piece in text.as_bytes().chunks(4096) {
                bytes.extend(packet_bytes(id, 0, piece));
            }
        } else {
            bytes.extend(packet_bytes(id, 0, b""));
            bytes.extend(packet_bytes(id, 0, &[0, 1, 0, 0]));
        }
        if stream.write_all(&bytes).await.is_err() {
            return;
        }
    }
}
