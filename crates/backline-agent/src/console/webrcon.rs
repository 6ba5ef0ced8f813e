//! Rust's WebRCON (`+rcon.web 1`): a websocket at `ws://host:port/PASSWORD`.
//!
//! A command is the text message `{"Identifier": n, "Message": "command", "Name": "backline"}`;
//! its answer is the message carrying the same `Identifier`, with the answer text in
//! `Message`. The same socket also carries the server's own traffic (chat, log lines,
//! reports) with `Identifier` 0 or -1; those are skipped.
//!
//! A wrong password is not an HTTP error: Rust accepts the websocket and closes it at once.
//! So after the handshake the agent listens for [`LOGIN_GRACE`]; a close in that window is a
//! refused password, reported before any command is sent. (A server that answers the
//! upgrade with 401 or 403 is refused too.)

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Protocol;
use crate::config::Secret;
use crate::error::AgentError;

/// How long after the handshake a close still means "wrong password".
pub const LOGIN_GRACE: Duration = Duration::from_millis(250);

/// Characters of a password escaped in the URL's path: those that would end or split it.
const PASSWORD_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// WebRCON to one Rust server.
pub struct WebRcon {
    address: String,
    password: Secret,
}

impl WebRcon {
    /// A driver for the server at `address` (host:port).
    pub fn new(address: String, password: Secret) -> Self {
        Self { address, password }
    }

    fn unreachable(&self, reason: String) -> AgentError {
        AgentError::Unreachable {
            address: self.address.clone(),
            reason,
        }
    }
}

/// An open WebRCON socket and the next identifier to use.
pub struct WebRconConnection {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_identifier: i32,
}

/// The fields of a server message the agent reads.
#[derive(Deserialize)]
struct Incoming {
    #[serde(rename = "Identifier")]
    identifier: i64,
    #[serde(rename = "Message", default)]
    message: String,
}

impl Protocol for WebRcon {
    type Connection = WebRconConnection;

    fn name(&self) -> &'static str {
        "webrcon"
    }

    fn address(&self) -> String {
        self.address.clone()
    }

    async fn connect(&self) -> Result<WebRconConnection, AgentError> {
        // The URL holds the password: it never reaches a log or an error message.
        let url = format!(
            "ws://{}/{}",
            self.address,
            utf8_percent_encode(self.password.expose(), PASSWORD_ESCAPES)
        );
        let (mut socket, _) = match tokio_tungstenite::connect_async(url).await {
            Ok(connected) => connected,
            Err(tungstenite::Error::Http(response))
                if matches!(response.status().as_u16(), 401 | 403) =>
            {
                return Err(AgentError::PasswordRefused(format!(
                    "the websocket upgrade was answered {}",
                    response.status()
                )))
            }
            Err(tungstenite::Error::Http(response)) => {
                return Err(AgentError::Protocol(format!(
                    "the websocket upgrade was answered {}",
                    response.status()
                )))
            }
            Err(tungstenite::Error::Io(error)) => return Err(self.unreachable(error.to_string())),
            Err(other) => {
                return Err(
                    self.unreachable(format!("websocket handshake failed: {}", describe(&other)))
                )
            }
        };
        let deadline = tokio::time::Instant::now() + LOGIN_GRACE;
        loop {
            match tokio::time::timeout_at(deadline, socket.next()).await {
                Err(_) => break,
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                    return Err(AgentError::PasswordRefused(
                        "the server closed the websocket right after it opened \
                         (what Rust does with a wrong password)"
                            .into(),
                    ))
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
        Ok(WebRconConnection {
            socket,
            next_identifier: 1,
        })
    }

    async fn execute(
        &self,
        connection: &mut WebRconConnection,
        command: &str,
    ) -> Result<String, AgentError> {
        let identifier = connection.next_identifier;
        connection.next_identifier = if identifier >= i32::MAX - 1 {
            1
        } else {
            identifier + 1
        };
        let request = serde_json::json!({
            "Identifier": identifier,
            "Message": command,
            "Name": "backline",
        });
        connection
            .socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|error| AgentError::Dropped(describe(&error)))?;
        loop {
            let message = match connection.socket.next().await {
                Some(Ok(message)) => message,
                Some(Err(error)) => return Err(AgentError::Dropped(describe(&error))),
                None => {
                    return Err(AgentError::Dropped(
                        "the server closed the websocket before answering".into(),
                    ))
                }
            };
            let text = match &message {
                Message::Text(text) => text.as_str(),
                Message::Close(_) => {
                    return Err(AgentError::Dropped(
                        "the server closed the websocket before answering".into(),
                    ))
                }
                _ => continue,
            };
            match serde_json::from_str::<Incoming>(text) {
                Ok(incoming) if incoming.identifier == i64::from(identifier) => {
                    return Ok(incoming.message)
                }
                Ok(incoming) => {
                    tracing::trace!(
                        identifier = incoming.identifier,
                        "skipped a WebRCON message of another request"
                    )
                }
                Err(error) => {
                    tracing::debug!(%error, "skipped a WebRCON message that is not the JSON expected")
                }
            }
        }
    }

    fn is_open(&self, connection: &mut WebRconConnection) -> bool {
        match connection.socket.get_ref() {
            MaybeTlsStream::Plain(stream) => super::tcp_is_open(stream),
            _ => true,
        }
    }
}

/// A websocket error in words, without anything of the URL (it holds the password).
fn describe(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Io(error) => error.to_string(),
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            "the websocket is closed".into()
        }
        tungstenite::Error::Protocol(error) => format!("websocket protocol: {error}"),
        tungstenite::Error::Capacity(error) => format!("websocket capacity: {error}"),
        tungstenite::Error::Utf8 => "a websocket message that is not UTF-8".into(),
        tungstenite::Error::Http(response) => format!("HTTP {}", response.status()),
        _ => "websocket error".into(),
    }
}
