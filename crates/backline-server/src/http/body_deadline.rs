//! A deadline for receiving a request's whole body, so a client trickling its body cannot
//! hold a handler (and a database connection it may have taken) for long.
//!
//! Bodies within the size limit are read here, before any handler runs, and handed on as
//! they came; a body not complete by the deadline is answered 408 in the surface's shape with
//! `Connection: close`. Bodies announced larger than the limit are left unread: the handler
//! refuses them with 413 as before.

use super::surface::Surface;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::response::Response;
use http_body_util::BodyExt;
use std::time::Duration;

/// Whether [`read_body_in_time`] has anything to do: a body that may not be empty and is
/// not announced over the limit (those are left to the handler's limit).
pub fn has_body_to_read(request: &Request, limit: usize) -> bool {
    HttpBody::size_hint(request.body()).exact() != Some(0)
        && !super::connection::announces_more_than(request.headers(), limit)
}

/// Reads the body of `request` within `timeout` and hands the request back with it, or
/// answers 408 in `surface`'s shape when it did not arrive in time. Call it only when [`has_body_to_read`].
pub async fn read_body_in_time(
    surface: &Surface,
    timeout: Duration,
    limit: usize,
    request: Request,
) -> Result<Request, Response> {
    let (parts, mut body) = request.into_parts();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut received: Vec<u8> = Vec::new();
    let rest = loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                tracing::info!("request body not received in time");
                return Err(surface.too_slow("request body"));
            }
            Ok(None) => break None,
            Ok(Some(Err(error))) => {
                break Some(Body::from_stream(futures::stream::once(async move {
                    Err::<Bytes, _>(error)
                })))
            }
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    received.extend_from_slice(&data);
                    if received.len() > limit {
                        // Over the limit: the handler's limit refuses it as it always has.
                        break Some(body);
                    }
                }
            }
        }
    };
    let body = match rest {
        None => Body::from(received),
        Some(rest) => {
            use futures::StreamExt;
            let head = futures::stream::once(async move { Ok(Bytes::from(received)) });
            Body::from_stream(head.chain(rest.into_data_stream()))
        }
    };
    Ok(Request::from_parts(parts, body))
}
