//! Valve's Source RCON (Source Dedicated Server: CS2, CS:GO, TF2, Garry's Mod; also ARK,
//! Palworld and others that copied it).
//!
//! TCP, packets of [`frame`](super::frame). The client logs in with `SERVERDATA_AUTH` and
//! the password; the server answers `SERVERDATA_AUTH_RESPONSE` with the same id, or with id
//! -1 when the password is wrong (SRCDS sends an empty `RESPONSE_VALUE` before it, which is
//! skipped).
//!
//! An answer longer than 4096 bytes arrives as several `RESPONSE_VALUE` packets with the
//! command's id, and nothing says which is the last. Valve's page gives the way to know:
//! after the command, send an empty `RESPONSE_VALUE` packet with a second id. The server
//! handles packets in order and mirrors that one back after the whole answer, so the answer
//! ends when the marker's id comes back. (SRCDS follows the mirror with one more packet of
//! the marker's id, body `00 01 00 00`; packets of ids the agent is not waiting for are
//! skipped, and ids only grow, so it never matters.)

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::frame::{
    Packet, RconCodec, AUTH, AUTH_RESPONSE, EXEC_COMMAND, MAX_BODY, RESPONSE_VALUE,
};
use super::Protocol;
use crate::config::Secret;
use crate::error::AgentError;

/// Source RCON to one server.
pub struct SourceRcon {
    address: String,
    password: Secret,
}

impl SourceRcon {
    /// A driver for the server at `address` (host:port).
    pub fn new(address: String, password: Secret) -> Self {
        Self { address, password }
    }
}

/// An open, logged-in RCON connection (Source or Minecraft).
pub struct RconConnection {
    pub(crate) framed: Framed<TcpStream, RconCodec>,
    next_id: i32,
}

impl RconConnection {
    /// A fresh request id: positive, growing, never -1.
    pub(crate) fn next_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id = if self.next_id >= i32::MAX - 1 {
            1
        } else {
            self.next_id + 1
        };
        id
    }

    /// Sends one packet.
    pub(crate) async fn send(&mut self, packet: Packet) -> Result<(), AgentError> {
        self.framed.send(packet).await.map_err(mid_command)
    }

    /// The next packet, or the error that ended the connection.
    pub(crate) async fn receive(&mut self) -> Result<Packet, AgentError> {
        match self.framed.next().await {
            Some(Ok(packet)) => Ok(packet),
            Some(Err(error)) => Err(mid_command(error)),
            None => Err(AgentError::Dropped(
                "the game closed the connection before the answer was complete".into(),
            )),
        }
    }
}

/// An I/O error after a command was written: a protocol violation or a dropped connection.
fn mid_command(error: std::io::Error) -> AgentError {
    if error.kind() == std::io::ErrorKind::InvalidData {
        AgentError::Protocol(error.to_string())
    } else {
        AgentError::Dropped(error.to_string())
    }
}

/// Connects to `address` and logs in with `password` (Source and Minecraft alike).
pub(crate) async fn open(
    address: &str,
    password: &Secret,
    max_body: usize,
) -> Result<RconConnection, AgentError> {
    let unreachable = |reason: String| AgentError::Unreachable {
        address: address.to_owned(),
        reason,
    };
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| unreachable(error.to_string()))?;
    stream
        .set_nodelay(true)
        .map_err(|error| unreachable(error.to_string()))?;
    let mut connection = RconConnection {
        framed: Framed::new(stream, RconCodec::new(max_body)),
        next_id: 1,
    };
    let id = connection.next_id();
    connection
        .framed
        .send(Packet::new(id, AUTH, password.expose()))
        .await
        .map_err(|error| unreachable(error.to_string()))?;
    loop {
        let packet = match connection.framed.next().await {
            Some(Ok(packet)) => packet,
            Some(Err(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
                return Err(AgentError::Protocol(format!("during login: {error}")))
            }
            Some(Err(error)) => return Err(unreachable(format!("during login: {error}"))),
            None => {
                return Err(unreachable(
                    "the game closed the connection during login".into(),
                ))
            }
        };
        match (packet.kind, packet.id) {
            (AUTH_RESPONSE, -1) => {
                return Err(AgentError::PasswordRefused(
                    "the login was answered with id -1".into(),
                ))
            }
            (AUTH_RESPONSE, answered) if answered == id => return Ok(connection),
            (RESPONSE_VALUE, _) => continue,
            (kind, answered) => {
                return Err(AgentError::Protocol(format!(
                    "login answered with a packet of type {kind} and id {answered}"
                )))
            }
        }
    }
}

impl Protocol for SourceRcon {
    type Connection = RconConnection;

    fn name(&self) -> &'static str {
        "source"
    }

    fn address(&self) -> String {
        self.address.clone()
    }

    async fn connect(&self) -> Result<RconConnection, AgentError> {
        open(&self.address, &self.password, MAX_BODY).await
    }

    async fn execute(
        &self,
        connection: &mut RconConnection,
        command: &str,
    ) -> Result<String, AgentError> {
        if command.len() > MAX_BODY {
            return Err(AgentError::InvalidCommand(format!(
                "{} bytes; Source RCON takes at most {MAX_BODY}",
                command.len()
            )));
        }
        let id = connection.next_id();
        let marker = connection.next_id();
        connection
            .send(Packet::new(id, EXEC_COMMAND, command))
            .await?;
        connection
            .send(Packet::new(marker, RESPONSE_VALUE, ""))
            .await?;
        let mut answer = Vec::new();
        loop {
            let packet = connection.receive().await?;
            if packet.id == marker {
                return Ok(String::from_utf8_lossy(&answer).into_owned());
            }
            match (packet.kind, packet.id) {
                (RESPONSE_VALUE, answered) if answered == id => {
                    answer.extend_from_slice(&packet.body)
                }
                (AUTH_RESPONSE, -1) => {
                    return Err(AgentError::PasswordRefused(
                        "the game ended the login while a command ran".into(),
                    ))
                }
                (kind, answered) => {
                    tracing::debug!(kind, id = answered, "skipped a packet of another request")
                }
            }
        }
    }

    fn is_open(&self, connection: &mut RconConnection) -> bool {
        super::tcp_is_open(connection.framed.get_ref())
    }
}
