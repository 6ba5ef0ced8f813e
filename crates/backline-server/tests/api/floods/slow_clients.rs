//! Slow and oversized clients: a slow-loris head, a trickled body, an idle connection,
//! 100 MB uploads and the connection cap, each while normal requests stay prompt.

use crate::helpers::TestApp;
use backline_server::config::Config;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Bounds of the slow-client stories: a normal request during the attack answers within
/// this, and the slow client is answered within the timeout plus this.
const PROMPT: Duration = Duration::from_secs(1);

fn slow_clients(config: &mut Config) {
    config.header_read_timeout_seconds = 1;
    config.body_read_timeout_seconds = 2;
}

fn capped(config: &mut Config) {
    slow_clients(config);
    config.max_connections = 2;
}

/// A normal request's round trip, asserted to be within [`PROMPT`].
async fn normal_request_is_prompt(app: &TestApp) -> Duration {
    let started = Instant::now();
    let r = app.get("/healthz", &[]).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(took < PROMPT, "a normal request took {took:?}");
    took
}

/// Reads what the server sends until it closes (or `limit` passes).
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn a_slow_loris_is_answered_408_and_does_not_delay_others(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    let address = app.base.trim_start_matches("http://").to_owned();
    // From before the connection: the server's header timeout runs from its accept, which
    // may come a moment before `connect` returns here.
    let started = Instant::now();
    let mut loris = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = b"GET /spectra/supporter/some-org HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let (mut reader, mut writer) = loris.split();
    let trickle = async {
        for byte in head {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let answer = async {
        use tokio::io::AsyncReadExt;
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut out)).await;
        (
            started.elapsed(),
            String::from_utf8_lossy(&out).into_owned(),
        )
    };
    let normal = async {
        // Once the loris has begun trickling (it takes seconds).
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut worst = Duration::ZERO;
        for _ in 0..5 {
            worst = worst.max(normal_request_is_prompt(app).await);
        }
        worst
    };
    let (_, (closed_after, answer), worst) = tokio::join!(trickle, answer, normal);
    assert!(
        answer.starts_with("HTTP/1.1 408 "),
        "the slow client gets a 408: {answer:?}"
    );
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["error"], "request_timeout", "Spectra's shape: {body}");
    assert!(
        closed_after >= Duration::from_secs(1) && closed_after < Duration::from_secs(1) + PROMPT,
        "closed after {closed_after:?}"
    );
    eprintln!("slow loris: closed after {closed_after:?}; normal requests at most {worst:?}");
}

async fn an_idle_connection_is_closed_without_an_answer(app: &TestApp) {
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let said = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert_eq!(said, "", "nothing was asked, so nothing is answered");
    assert!(started.elapsed() < Duration::from_secs(1) + PROMPT);
}

async fn a_trickled_body_is_answered_408_in_the_surfaces_shape(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Before the head is sent: the body's timeout runs from when the server has read it.
    let started = Instant::now();
    stream
        .write_all(b"POST /v2/account/authenticate/custom HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(6)).await;
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"));
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["code"], 4, "Nakama's shape: {body}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(2) + PROMPT,
        "answered after {took:?}"
    );
}

async fn a_100_mb_upload_is_refused_and_does_not_delay_others(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    const SIZE: usize = 100 * 1024 * 1024;
    let stats_token = app.issue_token("spectra-stats").await;
    let address = app.base.trim_start_matches("http://").to_owned();
    for chunked in [false, true] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let framing = if chunked {
            "Transfer-Encoding: chunked".to_owned()
        } else {
            format!("Content-Length: {SIZE}")
        };
        let head = format!(
            "POST /spectra/stats/addMatch HTTP/1.1\r\nHost: x\r\nAuthentication: {stats_token}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
        );
        let (mut reader, mut writer) = stream.split();
        let upload = async {
            writer.write_all(head.as_bytes()).await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < SIZE {
                if chunked {
                    writer
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                }
                writer.write_all(&chunk).await?;
                if chunked {
                    writer.write_all(b"\r\n").await?;
                }
                sent += chunk.len();
            }
            Ok::<usize, std::io::Error>(sent)
        };
        let answer = async {
            use tokio::io::AsyncReadExt;
            let mut out = vec![0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(10), reader.read(&mut out))
                .await
                .expect("an answer")
                .unwrap_or(0);
            String::from_utf8_lossy(&out[..n]).into_owned()
        };
        let normal = async {
            // Once the slow upload has begun.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut worst = Duration::ZERO;
            for _ in 0..5 {
                worst = worst.max(normal_request_is_prompt(app).await);
            }
            worst
        };
        let (sent, answer, worst) = tokio::join!(upload, answer, normal);
        assert!(
            answer.starts_with("HTTP/1.1 413 "),
            "chunked {chunked}: {answer:?}"
        );
        eprintln!(
            "100 MB upload (chunked {chunked}): upload ended with {:?}; normal requests at most {worst:?}",
            sent.map_err(|e| e.kind())
        );
    }
}

async fn connections_over_the_cap_wait_and_are_then_served(app: &TestApp) {
    let address = app.base.trim_start_matches("http://").to_owned();
    // Both slots taken by idle connections; the header timeout frees them.
    let first = tokio::net::TcpStream::connect(&address).await.unwrap();
    let second = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let r = app.get("/healthz", &[]).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(1) + PROMPT,
        "the third connection waited for a slot: {took:?}"
    );
    drop((first, second));
}

backline_store::stories!(crate::helpers::with_configured_app, slow_clients =>
    a_slow_loris_is_answered_408_and_does_not_delay_others,
    an_idle_connection_is_closed_without_an_answer,
    a_trickled_body_is_answered_408_in_the_surfaces_shape,
    a_100_mb_upload_is_refused_and_does_not_delay_others,
);

backline_store::stories!(crate::helpers::with_configured_app, capped =>
    connections_over_the_cap_wait_and_are_then_served,
);
