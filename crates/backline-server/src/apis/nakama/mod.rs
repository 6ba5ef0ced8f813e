//! The Nakama-compatible surface: `/v2/…` and `/healthcheck`.
//!
//! Contract: `shared/docs/api/NAKAMA.md`. Nakama SDKs build `http://host:port/v2/...`
//! themselves, so this surface sits at the root. Errors use Nakama's envelope
//! `{"error", "message", "code"}` with the gRPC code's HTTP status.

mod account;
mod authenticate;
mod error;
mod extract;
mod rpc;
pub mod surface;

pub use error::{NakamaError, NakamaErrorBody};
#[doc(hidden)]
pub use extract::QueryPairs;
#[doc(hidden)]
pub use rpc::{parse_payload, payload_from_body, wrap_result};

use crate::http::{panic, AppState};
use axum::routing::{get, post};
use axum::{Json, Router};
use rpc::doc::RpcPaths;

/// The Nakama surface's operations in the OpenAPI document (with `/healthcheck`; the RPCs
/// come from the RPC table's [`rpc::doc`]): a handler joins the list when its route joins
/// the router below.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        authenticate::authenticate_custom,
        authenticate::authenticate_device,
        authenticate::authenticate_email,
        authenticate::refresh_session,
        authenticate::logout,
        account::get_account,
        healthcheck,
    ),
    modifiers(&RpcPaths),
    tags((name = "nakama", description = "The Nakama-compatible surface used by EVR")),
)]
pub struct NakamaApi;

/// Routes under `/v2`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/account/authenticate/custom",
            post(authenticate::authenticate_custom),
        )
        .route(
            "/account/authenticate/device",
            post(authenticate::authenticate_device),
        )
        .route(
            "/account/authenticate/email",
            post(authenticate::authenticate_email),
        )
        .route(
            "/account/session/refresh",
            post(authenticate::refresh_session),
        )
        .route("/session/logout", post(authenticate::logout))
        .route("/account", get(account::get_account))
        .route("/rpc/{*id}", get(rpc::call_rpc).post(rpc::call_rpc))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(panic::layer(error::render_status))
}

/// `GET /healthcheck`: `{}`.
#[utoipa::path(
    get,
    path = "/healthcheck",
    tag = "nakama",
    responses((status = 200, description = "Serving: `{}`", body = Object)),
)]
pub async fn healthcheck() -> Json<serde_json::Value> {
    Json(serde_json::json!({}))
}

async fn unknown_route() -> axum::response::Response {
    error::render_status(axum::http::StatusCode::NOT_FOUND)
}

async fn wrong_method() -> axum::response::Response {
    error::render_status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
}
