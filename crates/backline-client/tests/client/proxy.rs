//! A fault-injecting HTTP proxy over real TCP, in front of a real Backline.
//!
//! It reads each request whole (head and `Content-Length` body), counts it, and then, by the
//! request's rank, injects the next planned [`Fault`] or passes the request on to the server
//! (with `Connection: close`, so every request of the SDK opens a connection of its own and
//! is counted here).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answers 503 itself (with `Retry-After` when given, in seconds).
    Unavailable { retry_after: Option<u64> },
    /// Answers 429 with `Retry-After`.
    TooMany { retry_after: u64 },
    /// Resets the connection (RST) without answering.
    Reset,
    /// Never answers: the client's timeout has to end the attempt.
    Stall,
    /// Passes the request on (a planned success between faults).
    Pass,
    /// Passes the request to the server, then resets the connection instead of relaying
    /// the answer: the server acted, the client never learns it.
    ForwardThenReset,
}

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`) that applies `faults` to the first
    /// requests, in order, and passes every later one.
    pub async fn start(upstream: &str, faults: Vec<Fault>) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(faults);
        let rank = Arc::new(AtomicUsize::new(0));
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let (seen, faults, rank, upstream) =
                        (seen.clone(), faults.clone(), rank.clone(), upstream.clone());
                    tokio::spawn(async move {
                        let Some((head, bytes)) = read_request(&client).await else {
                            return;
                        };
                        seen.lock().expect("not poisoned").push(head);
                        let fault = faults.get(rank.fetch_add(1, Ordering::SeqCst)).cloned();
                        serve(client, bytes, fault, &upstream).await;
                    });
                }
            })
        };
        Self { base, seen, task }
    }

    /// The request lines seen (`POST /api/game/poll HTTP/1.1`), in order.
    pub fn requests(&self) -> Vec<String> {
        self.heads()
            .iter()
            .map(|head| head.lines().next().unwrap_or_default().to_owned())
            .collect()
    }

    /// The request heads seen (request line and headers), in order.
    pub fn heads(&self) -> Vec<String> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// How many requests were seen.
    pub fn count(&self) -> usize {
        self.requests().len()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request whole: its head, and its bytes with `Connection: close` added.
async fn read_request(client: &TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(at) = find(&buffer, b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 4096];
        client.readable().await.ok()?;
        match client.try_read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        client.readable().await.ok()?;
        match client.try_read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    }
    let line_end = find(&buffer, b"\r\n")?;
    let mut bytes = buffer[..line_end + 2].to_vec();
    bytes.extend_from_slice(b"Connection: close\r\n");
    bytes.extend_from_slice(&buffer[line_end + 2..]);
    Some((head, bytes))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn serve(mut client: TcpStream, request: Vec<u8>, fault: Option<Fault>, upstream: &str) {
    match fault {
        Some(Fault::Unavailable { retry_after }) => {
            answer(&mut client, "503 Service Unavailable", retry_after).await
        }
        Some(Fault::TooMany { retry_after }) => {
            answer(&mut client, "429 Too Many Requests", Some(retry_after)).await
        }
        Some(Fault::Reset) => reset(client),
        Some(Fault::Stall) => {
            // Holds the connection open, answering nothing, until the client gives up.
            let mut sink = [0u8; 64];
            while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
        }
        Some(Fault::ForwardThenReset) => {
            if let Ok(mut server) = TcpStream::connect(upstream).await {
                let _ = server.write_all(&request).await;
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer).await;
            }
            reset(client);
        }
        None | Some(Fault::Pass) => {
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return reset(client);
            };
            if server.write_all(&request).await.is_err() {
                return reset(client);
            }
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
    }
}

/// An answer of the proxy's own, in the admin API's error shape.
async fn answer(client: &mut TcpStream, status: &str, retry_after: Option<u64>) {
    let body = r#"{"error":"unavailable","message":"injected by the test proxy"}"#;
    let retry = retry_after.map_or(String::new(), |s| format!("Retry-After: {s}\r\n"));
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n{retry}\r\n{body}",
        body.len()
    );
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
}

/// Closes with a TCP reset (`SO_LINGER` 0), as a crashed peer or a middlebox does.
fn reset(client: TcpStream) {
    let _ = client.set_zero_linger();
    drop(client);
}
