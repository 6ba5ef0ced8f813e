//! `GET /console/events`: the live event stream for a signed-in operator (the browser's
//! `EventSource` sends the session cookie, not a token), with every event; the dashboard
//! refreshes its live part when one arrives. Reconnecting browsers resume with
//! `Last-Event-ID`; when that point was pruned, the stream starts from now.

use super::html::HtmlError;
use super::session::Console;
use crate::apis::events::sse_response;
use crate::core::events::subscription::watched_by;
use crate::core::events::Subscribed;
use crate::http::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use backline_domain::events::{EventId, KindFilter};
use std::time::Duration;

/// `GET /console/events`.
pub async fn stream_events(
    console: Console,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, HtmlError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|id| *id >= 0)
        .map(EventId);
    let keep_alive = Duration::from_secs(state.config.events.keep_alive_seconds);
    let scope = watched_by(&console.view()?);
    let subscribed = state
        .core
        .subscribe_events(scope.clone(), KindFilter::all(), resume)
        .await?;
    let events = match subscribed {
        Subscribed::Stream(events) => events,
        // Too old to resume: the dashboard refreshes whole on the next event anyway.
        Subscribed::Expired { .. } => match state
            .core
            .subscribe_events(scope, KindFilter::all(), None)
            .await?
        {
            Subscribed::Stream(events) => events,
            Subscribed::Expired { .. } => {
                return Err(HtmlError::from(crate::core::CoreError::Internal(
                    "a fresh subscription expired".into(),
                )))
            }
        },
    };
    Ok(sse_response(events, keep_alive))
}
