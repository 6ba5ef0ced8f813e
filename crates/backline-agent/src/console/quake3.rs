//! Quake 3's RCON over UDP (ioquake3, OpenArena, Urban Terror, CoD4X and other id Tech 3
//! servers).
//!
//! A command is one out-of-band datagram: four `0xff` bytes, then
//! `rcon PASSWORD COMMAND`. The server runs it with its console printing into a buffer and
//! sends the buffer back as `0xff 0xff 0xff 0xff print\n TEXT` datagrams, about 1 KB each, so
//! a long answer is several datagrams and the last one is not marked. The agent collects
//! `print` datagrams until none has come for the quiet period ([`Quake3Settings::quiet`]).
//!
//! - The server sends at least one datagram for every command it accepts (an empty `print`
//!   when the command prints nothing), so **no answer at all** means unreachable: a wrong
//!   address, a firewall, a server that is down (Linux also reports the ICMP "port
//!   unreachable" of a closed port), or a server that dropped the datagram under its rcon
//!   rate limit.
//! - `Bad rconpassword.` (and `No rconpassword set on the server.`) is a refused password.
//! - ioquake3 takes at most 10 rcon datagrams a second from one address and drops the rest
//!   without answering (the original Quake 3 1.32 one every 500 ms, from anyone), so the
//!   agent leaves at least [`Quake3Settings::min_interval`] between two commands.
//!
//! The password travels in every datagram in clear text; that is the protocol.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::Protocol;
use crate::config::Secret;
use crate::error::AgentError;

/// The out-of-band header of every datagram.
const OUT_OF_BAND: &[u8] = b"\xff\xff\xff\xff";
/// The command word of an answer.
const PRINT: &[u8] = b"print\n";
/// The largest datagram read.
const MAX_DATAGRAM: usize = 65_536;

/// Timing of Quake 3 RCON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quake3Settings {
    /// After an answer datagram, how long without another ends the answer.
    pub quiet: Duration,
    /// The least time between two commands sent.
    pub min_interval: Duration,
}

impl Default for Quake3Settings {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(150),
            min_interval: Duration::from_millis(110),
        }
    }
}

/// Quake 3 RCON to one server.
pub struct Quake3Rcon {
    address: String,
    password: Secret,
    settings: Quake3Settings,
}

impl Quake3Rcon {
    /// A driver for the server at `address` (host:port).
    pub fn new(address: String, password: Secret, settings: Quake3Settings) -> Self {
        Self {
            address,
            password,
            settings,
        }
    }

    fn unreachable(&self, reason: String) -> AgentError {
        AgentError::Unreachable {
            address: self.address.clone(),
            reason,
        }
    }
}

/// A UDP socket connected to the server, and when the last command left.
pub struct Quake3Connection {
    socket: UdpSocket,
    last_sent: Option<Instant>,
}

impl Protocol for Quake3Rcon {
    type Connection = Quake3Connection;

    fn name(&self) -> &'static str {
        "quake3"
    }

    fn address(&self) -> String {
        self.address.clone()
    }

    async fn connect(&self) -> Result<Quake3Connection, AgentError> {
        let server = tokio::net::lookup_host(&self.address)
            .await
            .map_err(|error| self.unreachable(error.to_string()))?
            .next()
            .ok_or_else(|| self.unreachable("the name has no address".into()))?;
        let local: SocketAddr = if server.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local)
            .await
            .map_err(|error| self.unreachable(error.to_string()))?;
        socket
            .connect(server)
            .await
            .map_err(|error| self.unreachable(error.to_string()))?;
        Ok(Quake3Connection {
            socket,
            last_sent: None,
        })
    }

    async fn execute(
        &self,
        connection: &mut Quake3Connection,
        command: &str,
    ) -> Result<String, AgentError> {
        if let Some(last) = connection.last_sent {
            tokio::time::sleep_until(last + self.settings.min_interval).await;
        }
        // Datagrams still queued from an earlier command (late pieces) are not this answer.
        let mut buf = vec![0u8; MAX_DATAGRAM];
        while let Ok(n) = connection.socket.try_recv(&mut buf) {
            tracing::debug!(bytes = n, "dropped a late Quake 3 datagram");
        }
        let mut datagram = OUT_OF_BAND.to_vec();
        datagram.extend_from_slice(b"rcon ");
        datagram.extend_from_slice(self.password.expose().as_bytes());
        datagram.push(b' ');
        datagram.extend_from_slice(command.as_bytes());
        connection.last_sent = Some(Instant::now());
        connection
            .socket
            .send(&datagram)
            .await
            .map_err(|error| self.unreachable(error.to_string()))?;

        let mut answer = Vec::new();
        let mut pieces = 0usize;
        loop {
            let received = if pieces == 0 {
                // The caller's deadline bounds the wait for the first datagram.
                connection.socket.recv(&mut buf).await
            } else {
                match tokio::time::timeout(self.settings.quiet, connection.socket.recv(&mut buf))
                    .await
                {
                    Ok(received) => received,
                    Err(_) => break,
                }
            };
            let n = match received {
                Ok(n) => n,
                Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return Err(self.unreachable("nothing listens on that UDP port".into()))
                }
                Err(error) => return Err(AgentError::Dropped(error.to_string())),
            };
            let Some(payload) = buf[..n].strip_prefix(OUT_OF_BAND) else {
                return Err(AgentError::Protocol(
                    "a datagram without the out-of-band header".into(),
                ));
            };
            match payload.strip_prefix(PRINT) {
                Some(text) => {
                    answer.extend_from_slice(text);
                    pieces += 1;
                }
                None => tracing::debug!("skipped an out-of-band datagram that is not a print"),
            }
        }
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let first_line = answer.lines().next().unwrap_or_default().trim();
        if first_line == "Bad rconpassword." || first_line == "No rconpassword set on the server." {
            return Err(AgentError::PasswordRefused(first_line.to_owned()));
        }
        Ok(answer)
    }

    fn silence(&self, waited: Duration) -> AgentError {
        self.unreachable(format!(
            "no answer within {} ms (a wrong address, a firewall, a server that is down, or \
             its rcon rate limit)",
            waited.as_millis()
        ))
    }
}
