//! `GET /events`: the live event stream as Server-Sent Events, part of the operator surface
//! (errors in the admin JSON shape).
//!
//! - Credentials: an admin token (`Authorization: Bearer …`, any role) sees every event; an
//!   organisation's access key (`?key=`, `X-Access-Key`, or as the Bearer token) sees only
//!   its organisation's Spectra match events. Otherwise 401.
//! - `?kinds=match.*,ban.created`: exact kinds or prefix globs (422 for a pattern that names
//!   no kind).
//! - `Last-Event-ID` (header, sent by browsers when they reconnect) or `?last_event_id=`
//!   resumes after that id from the stored log; 410 when events after it were pruned
//!   (older than the retention window).
//! - Each event is one SSE message: `id:` the event id, `data:` the event as JSON
//!   (`{"id", "kind", "at", "org_id", "payload"}`); no `event:` name, so browsers deliver
//!   every kind to `onmessage`. Idle streams get keep-alive comments.

mod stream;

use crate::http::AppState;
use axum::routing::get;
use axum::Router;

pub use stream::{sse_response, subscribe};

/// The event stream's route.
pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(stream::subscribe))
}
