//! What the test peers share: RCON packets written and read byte by byte (not with the
//! agent's codec, so a mistake there cannot hide itself), quick console settings, and
//! polling with a deadline.

use std::future::Future;
use std::time::Duration;

use backline_agent::console::{ConsoleSettings, Reconnect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Console settings for tests: short deadlines, quick and few reconnects.
pub fn quick_settings() -> ConsoleSettings {
    ConsoleSettings {
        command_timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_millis(1000),
        reconnect: Reconnect {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_retries: 2,
        },
    }
}

/// One RCON packet as read from the wire: (id, type, body without its NULs).
pub type RawPacket = (i32, i32, Vec<u8>);

/// Reads one packet, or `None` when the peer closed the connection.
pub async fn read_packet(stream: &mut TcpStream) -> Option<RawPacket> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).await.ok()?;
    let size = i32::from_le_bytes(size);
    assert!(
        (10..=4106).contains(&size),
        "a client packet of size {size}"
    );
    let mut rest = vec![0u8; size as usize];
    stream.read_exact(&mut rest).await.ok()?;
    let id = i32::from_le_bytes(rest[0..4].try_into().unwrap());
    let kind = i32::from_le_bytes(rest[4..8].try_into().unwrap());
    assert_eq!(
        &rest[rest.len() - 2..],
        b"\0\0",
        "body and empty string end in NULs"
    );
    Some((id, kind, rest[8..rest.len() - 2].to_vec()))
}

/// The bytes of one packet.
pub fn packet_bytes(id: i32, kind: i32, body: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(body.len() + 14);
    bytes.extend_from_slice(&((body.len() + 10) as i32).to_le_bytes());
    bytes.extend_from_slice(&id.to_le_bytes());
    bytes.extend_from_slice(&kind.to_le_bytes());
    bytes.extend_from_slice(body);
    bytes.extend_from_slice(b"\0\0");
    bytes
}

/// Writes `bytes` in pieces of `chunk` bytes, flushing each, so the reader sees packets
/// split across reads and several packets in one read.
pub async fn write_in_chunks(
    stream: &mut TcpStream,
    bytes: &[u8],
    chunk: usize,
) -> std::io::Result<()> {
    for piece in bytes.chunks(chunk) {
        stream.write_all(piece).await?;
        stream.flush().await?;
    }
    Ok(())
}

/// Polls `check` every 20 ms until it returns `Some`, or panics after `deadline`.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "{what}: not within {} ms",
            deadline.as_millis()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A text of `len` bytes that shows where it was cut (line numbers).
pub fn long_text(len: usize) -> String {
    let mut text = String::new();
    let mut line = 0;
    while text.len() < len {
        text.push_str(&format!("line {line:05} of a long answer\n"));
        line += 1;
    }
    text.truncate(len);
    text
}
