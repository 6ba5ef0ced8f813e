//! `Idempotency-Key` on the admin API's POSTs: a client that did not get the answer to a
//! write (a timeout, a dropped connection) sends it again with the same key and gets the first
//! answer, with `Idempotent-Replayed: true`, instead of a second entity. The rules are the
//! core's ([`crate::core::idempotency`]); this layer reads the header and the body, asks the
//! core, and keeps or replays the answer.
//!
//! An answer is kept when it is the request's own result: 2xx to 4xx, except those a retry
//! of the same request may change without the request changing (401 and 403 for a credential
//! fixed meanwhile, 408, 409, 423, 425 and 429). Those, and every 5xx (the database was
//! unavailable, say; nothing changed), free the key again. POSTs without the header, and
//! other methods, pass untouched.

use super::AdminError;
use crate::core::idempotency::{Answer, Claimed, IdempotencyKey, KeyedRequest};
use crate::http::body::is_over_limit;
use crate::http::credentials;
use crate::http::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{OriginalUri, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The request header carrying the key.
pub const HEADER: &str = "idempotency-key";
/// The answer header marking a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// The largest answer kept (the admin API's POST answers are a few hundred bytes).
const MAX_KEPT_ANSWER: usize = 1024 * 1024;

/// Whether an answer with `status` is the request's own result, to replay as it is.
fn keepable(status: StatusCode) -> bool {
    let code = status.as_u16();
    (200..500).contains(&code) && ![401, 403, 408, 409, 423, 425, 429].contains(&code)
}

/// See the module header.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(value) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match IdempotencyKey::parse(value.as_bytes()) {
        Ok(key) => key,
        Err(e) => return AdminError::from(e).into_response(),
    };
    let credential = credentials::bearer(request.headers())
        .unwrap_or_default()
        .trim()
        .to_owned();
    let (parts, body) = request.into_parts();
    let limit = state.config.body_limit_bytes;
    let bytes = match to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) if is_over_limit(&e) => {
            return AdminError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {limit} bytes"),
            )
            .into_response()
        }
        Err(e) => {
            return AdminError::new(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            )
            .into_response()
        }
    };
    // The whole path (the admin router is nested: its own URI lacks `/admin/v1`).
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |pq| pq.as_str())
        .to_owned();
    let claimed = state
        .core
        .claim_idempotency_key(KeyedRequest {
            credential: &credential,
            key: &key,
            method: parts.method.as_str(),
            target: &target,
            body: &bytes,
        })
        .await;
    let ticket = match claimed {
        Ok(Claimed::Run(ticket)) => ticket,
        Ok(Claimed::Replay(answer)) => return replay(answer),
        Err(e) => return AdminError::from(e).into_response(),
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !keepable(response.status()) {
        if let Err(e) = state.core.release_idempotency_key(ticket).await {
            tracing::warn!(error = %e, "an idempotency key could not be freed; it frees itself later");
        }
        return response;
    }
    let (head, body) = response.into_parts();
    let body = match to_bytes(body, MAX_KEPT_ANSWER).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "an answer to keep could not be read");
            if let Err(e) = state.core.release_idempotency_key(ticket).await {
                tracing::warn!(error = %e, "an idempotency key could not be freed; it frees itself later");
            }
            return AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
                .into_response();
        }
    };
    let answer = Answer {
        status: head.status.as_u16(),
        content_type: head
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: body.to_vec(),
    };
    if let Err(e) = state.core.answer_idempotency_key(ticket, &answer).await {
        // The change was made and is answered; a retry with this key will find it running
        // (409) until the key is taken for abandoned.
        tracing::warn!(error = %e, "the answer of an idempotency key could not be kept");
    }
    Response::from_parts(head, Body::from(body))
}

/// The kept answer again, marked as replayed.
fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&answer.content_type) {
        if !answer.content_type.is_empty() {
            headers.insert(CONTENT_TYPE, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_requests_own_results_are_kept() {
        for kept in [200, 201, 204, 400, 404, 413, 422] {
            assert!(keepable(StatusCode::from_u16(kept).unwrap()), "{kept}");
        }
        for freed in [401, 403, 408, 409, 423, 425, 429, 500, 503] {
            assert!(!keepable(StatusCode::from_u16(freed).unwrap()), "{freed}");
        }
    }
}
