//! The `/events` handler and the SSE rendering of a subscription.

use crate::apis::admin::extract::Query;
use crate::apis::admin::AdminError;
use crate::core::events::subscription::{EventCredential, HeldCredential};
use crate::core::events::Subscribed;
use crate::core::CoreError;
use crate::http::{credentials, AppState};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use backline_domain::events::{Event, EventId, KindFilter};
use futures::stream::{BoxStream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

/// Query parameters of `GET /events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Comma-separated kinds or prefix globs (`match.*,ban.created`).
    kinds: Option<String>,
    /// Resume after this event id (the `Last-Event-ID` header wins).
    last_event_id: Option<String>,
    /// An organisation's access key (read by [`key_parameter`]).
    #[allow(dead_code)]
    key: Option<String>,
}

fn unauthorized() -> AdminError {
    AdminError::new(
        StatusCode::UNAUTHORIZED,
        "an admin token (Authorization: Bearer …) or an organisation's access key \
         (?key=, X-Access-Key) is required",
    )
}

/// The resumption point: the `Last-Event-ID` header, else `?last_event_id=`.
fn resume_after(headers: &HeaderMap, query: Option<&str>) -> Result<Option<EventId>, AdminError> {
    let header = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("invalid"));
    let Some(text) = header.or(query).map(str::trim) else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
        .map(|id| Some(EventId(id)))
        .ok_or_else(|| {
            AdminError::new(
                StatusCode::BAD_REQUEST,
                format!("last_event_id: `{text}` is not an event id (a number the stream sent as `id:`)"),
            )
        })
}

/// The access key given as `?key=` (read before the rest of the query is checked, so a
/// caller without a credential learns nothing about the parameters).
fn key_parameter(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.into_owned())
}

/// `GET /events`: authenticates first, then reads the query parameters.
pub async fn subscribe(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, AdminError> {
    let (mut parts, _) = request.into_parts();
    let headers = &parts.headers;
    let key = key_parameter(parts.uri.query());
    let header_key = headers.get("x-access-key").and_then(|v| v.to_str().ok());
    let credential = match (key.as_deref().or(header_key), credentials::bearer(headers)) {
        (Some(key), _) => Some(EventCredential::AccessKey(key)),
        (None, Some(token)) => Some(EventCredential::Bearer(token)),
        (None, None) => None,
    };
    let configured = state.config.admin_token.as_ref().map(|s| s.expose());
    let held = credential.map(HeldCredential::of);
    let scope = match state.core.event_scope(configured, credential).await {
        Ok(scope) => scope,
        Err(e) if e.is_credential_refusal() => return Err(unauthorized()),
        Err(e) => return Err(e.into()),
    };
    let Query(query) = Query::<EventsQuery>::from_request_parts(&mut parts, &state).await?;
    let headers = &parts.headers;
    let filter = KindFilter::parse(query.kinds.as_deref().unwrap_or_default())
        .map_err(|e| AdminError::from(CoreError::invalid("kinds", e.to_string())))?;
    let resume = resume_after(headers, query.last_event_id.as_deref())?;
    match state
        .core
        .subscribe_events(scope.clone(), filter, resume)
        .await?
    {
        Subscribed::Stream(events) => {
            let events = match held {
                Some(held) => state.core.while_authorised(
                    events,
                    configured.map(str::to_owned),
                    held,
                    scope,
                    Duration::from_secs(state.config.events.recheck_seconds),
                ),
                None => events,
            };
            Ok(sse_response(
                events,
                Duration::from_secs(state.config.events.keep_alive_seconds),
            ))
        }
        Subscribed::Expired { pruned_through } => Err(AdminError::new(
            StatusCode::GONE,
            format!(
                "the events after id {} are no longer kept (the log keeps {} seconds and starts \
                 after id {pruned_through}); subscribe again without Last-Event-ID",
                resume.map_or(0, |id| id.0),
                state.config.events.retention_seconds
            ),
        )),
    }
}

/// One event as an SSE message: `id:` its id, `data:` the event as JSON.
fn message(event: &Event) -> SseEvent {
    SseEvent::default()
        .id(event.id.to_string())
        .json_data(event)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "an event could not be rendered");
            SseEvent::default().comment("an event could not be rendered")
        })
}

/// A subscription as a `text/event-stream` response with keep-alive comments every
/// `keep_alive` (also used by the console).
pub fn sse_response(events: BoxStream<'static, Event>, keep_alive: Duration) -> Response {
    let messages = events.map(|event| Ok::<_, Infallible>(message(&event)));
    let mut response = Sse::new(messages)
        .keep_alive(KeepAlive::new().interval(keep_alive).text("keep-alive"))
        .into_response();
    // Proxies such as nginx must not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
