//! Minecraft's RCON (vanilla, Paper, Spigot, Fabric; `enable-rcon=true` in
//! `server.properties`).
//!
//! The packets and login are Source RCON's ([`source::open`](super::source)), but the end of
//! an answer is not marked: a Minecraft server answers a packet type it does not know with an
//! "Unknown request" text rather than mirroring it. So the end is a rule, [`EndOfAnswer`]:
//!
//! - **`short-packet`** (the default): the answer ends with the first packet whose body is
//!   shorter than 4096 characters. Vanilla writes an answer in one go, cut into pieces of
//!   exactly 4096 characters (`RconClient.sendCmdResponse`), so only the last piece is
//!   shorter. A piece of exactly 4096 characters may be the last one too (an answer whose
//!   length is a multiple of 4096), so after a full piece the agent waits at most the quiet
//!   period for another. Most answers are one short packet and cost no waiting at all.
//! - **`quiet`**: the answer ends when no packet has come for the quiet period. For servers
//!   or proxies that cut answers differently; every command then costs the quiet period.
//!
//! Bodies are counted in characters (vanilla cuts a Java string), and a piece of 4096
//! multi-byte characters is longer than 4096 bytes, so the codec accepts bodies up to four
//! times that.

use std::time::Duration;

use super::frame::{Packet, EXEC_COMMAND, MAX_BODY, RESPONSE_VALUE};
use super::source::{open, RconConnection};
use super::Protocol;
use crate::config::Secret;
use crate::error::AgentError;

/// The largest body the agent accepts from a Minecraft server: 4096 characters of up to four
/// UTF-8 bytes.
const MAX_BODY_BYTES: usize = MAX_BODY * 4;

/// How the agent knows a Minecraft answer is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndOfAnswer {
    /// A packet shorter than 4096 characters is the last; after a full one, wait `quiet`.
    ShortPacket {
        /// How long to wait for more after a full packet.
        quiet: Duration,
    },
    /// The answer ends after `0` with no packet.
    Quiet(Duration),
}

impl Default for EndOfAnswer {
    fn default() -> Self {
        EndOfAnswer::ShortPacket {
            quiet: Duration::from_millis(250),
        }
    }
}

/// Minecraft RCON to one server.
pub struct MinecraftRcon {
    address: String,
    password: Secret,
    end: EndOfAnswer,
}

impl MinecraftRcon {
    /// A driver for the server at `address` (host:port).
    pub fn new(address: String, password: Secret, end: EndOfAnswer) -> Self {
        Self {
            address,
            password,
            end,
        }
    }
}

impl Protocol for MinecraftRcon {
    type Connection = RconConnection;

    fn name(&self) -> &'static str {
        "minecraft"
    }

    fn address(&self) -> String {
        self.address.clone()
    }

    async fn connect(&self) -> Result<RconConnection, AgentError> {
        open(&self.address, &self.password, MAX_BODY_BYTES).await
    }

    async fn execute(
        &self,
        connection: &mut RconConnection,
        command: &str,
    ) -> Result<String, AgentError> {
        // Upstream: servers read requests into small buffers (vanilla's is under 1.5 KB);
        // the limit here is the protocol's, and the server's own answer tells the rest.
        if command.len() > MAX_BODY {
            return Err(AgentError::InvalidCommand(format!(
                "{} bytes; RCON takes at most {MAX_BODY}",
                command.len()
            )));
        }
        let id = connection.next_id();
        connection
            .send(Packet::new(id, EXEC_COMMAND, command))
            .await?;
        let quiet = match self.end {
            EndOfAnswer::ShortPacket { quiet } | EndOfAnswer::Quiet(quiet) => quiet,
        };
        let mut answer = String::new();
        let mut received_any = false;
        loop {
            // The first packet may take as long as the command does (the caller's deadline);
            // later ones only the quiet period.
            let packet = if received_any {
                match tokio::time::timeout(quiet, connection.receive()).await {
                    Ok(packet) => packet?,
                    Err(_) => return Ok(answer),
                }
            } else {
                connection.receive().await?
            };
            if packet.id != id || packet.kind != RESPONSE_VALUE {
                tracing::debug!(
                    kind = packet.kind,
                    id = packet.id,
                    "skipped a packet of another request"
                );
                continue;
            }
            received_any = true;
            let piece = String::from_utf8_lossy(&packet.body);
            let short = piece.chars().count() < MAX_BODY;
            answer.push_str(&piece);
            if short && matches!(self.end, EndOfAnswer::ShortPacket { .. }) {
                return Ok(answer);
            }
        }
    }

    fn is_open(&self, connection: &mut RconConnection) -> bool {
        super::tcp_is_open(connection.framed.get_ref())
    }
}
