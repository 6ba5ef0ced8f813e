//! The answers the accept loop writes itself, in the shape of the surface a request line
//! names, when no service could: `400` to plain HTTP on the HTTPS port, `408` to a request
//! head that did not arrive in time, `414` to a request line over [`super::MAX_REQUEST_LINE`].

use super::*;

/// Answers `400` on the HTTPS port to a client that sent plain HTTP (its request line read
/// until `deadline`), in the shape of the surface its path names, and closes.
pub(super) async fn answer_plain_http(
    mut stream: TcpStream,
    surfaces: Surfaces,
    deadline: Instant,
) {
    let mut head = Vec::with_capacity(SNIFFED);
    let read = async {
        let mut buf = [0u8; SNIFFED];
        while head.len() < SNIFFED && !head.contains(&b'\n') {
            match stream.read(&mut buf[..SNIFFED - head.len()]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout_at(deadline, read).await;
    let head = String::from_utf8_lossy(&head);
    let path = head.split(' ').nth(1).unwrap_or("/");
    tracing::debug!("plain HTTP on the HTTPS port; answering 400");
    let message = "This port speaks HTTPS only; send the request to an https:// URL.";
    let mut response = (surfaces.of(path).render_bad_request)(message.to_owned());
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    let bytes = raw_response(response).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await?;
        drain(&mut stream).await
    })
    .await;
}

/// Reads (at most 1 MiB) what the client still sends after an answer before a close, so that
/// closing does not reset the connection before the client has read the answer.
async fn drain<IO: AsyncRead + Unpin>(stream: &mut IO) -> io::Result<()> {
    let mut rest = [0u8; 16 * 1024];
    let mut drained = 0usize;
    while drained < 1024 * 1024 {
        match stream.read(&mut rest).await? {
            0 => break,
            n => drained += n,
        }
    }
    Ok(())
}

/// Sends 408 on a connection whose request head did not arrive in time, if the client had
/// started one, then closes it.
pub(super) async fn answer_unfinished_head(shared: &Shared, surfaces: Surfaces) {
    let (stream, head) = {
        let mut state = shared.lock();
        if !state.heard_since_answer {
            return;
        }
        (state.stream.take(), std::mem::take(&mut state.head))
    };
    let Some(mut stream) = stream else { return };
    let path = std::str::from_utf8(&head)
        .ok()
        .and_then(|text| text.split(' ').nth(1))
        .unwrap_or("/");
    tracing::info!("request head not received in time; answering 408");
    let response = surfaces.of(path).too_slow("request head");
    let bytes = raw_response(response).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await;
}

/// Sends 414 on a connection whose request line grew past [`MAX_REQUEST_LINE`], then closes
/// it, reading (for at most a second) what the client still sends so that closing does not
/// reset the connection before the client reads the answer.
pub(super) async fn answer_too_long_line(shared: &Shared, surfaces: Surfaces) {
    let (stream, head) = {
        let mut state = shared.lock();
        (state.stream.take(), std::mem::take(&mut state.head))
    };
    let Some(mut stream) = stream else { return };
    let head = String::from_utf8_lossy(&head);
    let path = head
        .trim_start_matches(['\r', '\n'])
        .split(' ')
        .nth(1)
        .unwrap_or("/");
    tracing::info!("request line too long; answering 414");
    let response = surfaces.of(path).uri_too_long();
    let bytes = raw_response(response).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await?;
        drain(&mut stream).await
    })
    .await;
}

/// An HTTP/1.1 response as bytes (the answer is small and fully known).
async fn raw_response(response: Response) -> Vec<u8> {
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_LENGTH {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}
