//! `GET /metrics`: the Prometheus exposition, behind the admin token like the rest of the
//! operator surface on the main listener, and open on the optional `metrics_listen` one.

use super::AdminError;
use crate::core::access::{Grant, View};
use crate::http::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// Renders this server's metrics with the gauges read now (admin token required).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operator",
    security(("admin_token" = [])),
    responses((status = 200, description = "The Prometheus text exposition", content_type = "text/plain", body = String)),
)]
pub async fn scrape(
    _: Grant<View>,
    state: State<AppState>,
) -> Result<impl IntoResponse, AdminError> {
    scrape_open(state).await
}

/// The same without a token, for the dedicated metrics listener.
pub async fn scrape_open(State(state): State<AppState>) -> Result<impl IntoResponse, AdminError> {
    let (gauges, pool) = state.core.gauges().await?;
    let storage = state.core.storage_gauges().await?;
    state
        .metrics
        .set_event_subscribers(state.core.events.subscribers());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges, &pool, &storage),
    ))
}
