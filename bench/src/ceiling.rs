//! The ceiling: a trivial axum server answering the request shapes of the measured surfaces
//! with no work behind them, run as a separate process (`backline-bench ceiling`) and
//! measured the same way as Backline in the same run. What the ceiling reaches is what this
//! machine, this load generator and axum/hyper allow; Backline's figures are reported as a
//! share of it.
//!
//! - `GET /spectra/system/validateAccessKey/{key}` answers `{"id": …, "name": …}` (401 without
//!   `X-User-Token`, like Backline).
//! - `PUT /spectra/system/match/{matchId}/update` reads the whole body (within the same 1 MiB
//!   limit Backline applies) and answers a small JSON, without parsing the body.
//! - `POST /v2/rpc/account/lookup` reads its body and answers the account JSON Backline's
//!   lookup answers (401 without `?http_key=` or `Authorization`).
//! - `POST /v2/account/authenticate/custom` reads its body and answers `{"token",
//!   "refresh_token"}` with two 300-byte strings, about the size of Backline's tokens (401
//!   without `Authorization`).
//! - `POST /api/game/poll` reads its body and answers `{"actions": []}` (401 without
//!   `Authorization`).
//! - Any other request under a surface (`/spectra`, `/v2`, `/api/game`) reads its body and
//!   answers `{"ok": true}`, so the match flow can run against the ceiling too.
//! - Anything else is an unknown route: 404 with the JSON error Backline's fallback answers
//!   (`{"error": "not_found", "message": "no such endpoint"}`).

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use std::io::Write;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::LazyLock;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

#[derive(Serialize)]
struct ValidateAccessKeyResponse {
    id: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MatchCallResponse {
    match_id: String,
    received: &'static str,
}

async fn validate_access_key(Path(_key): Path<String>, headers: HeaderMap) -> Response {
    if headers.get("x-user-token").is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "no token"})),
        )
            .into_response();
    }
    Json(ValidateAccessKeyResponse {
        id: "org_0190c0de00007000800000000000",
        name: "Bench Org",
    })
    .into_response()
}

async fn update_match(Path(match_id): Path<String>, body: Bytes) -> Json<MatchCallResponse> {
    debug_assert!(!body.is_empty());
    Json(MatchCallResponse {
        match_id,
        received: "live",
    })
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(serde_json::json!({"error": "no credentials"})),
    )
        .into_response()
}

#[derive(Serialize)]
struct AccountResponse {
    id: &'static str,
    discord_id: &'static str,
    username: &'static str,
    display_name: &'static str,
    avatar_url: &'static str,
}

async fn account_lookup(RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let http_key = query.is_some_and(|q| q.contains("http_key="));
    if !http_key && headers.get("authorization").is_none() {
        return unauthorized();
    }
    debug_assert!(!body.is_empty());
    Json(AccountResponse {
        id: "0190c0de-0000-7000-8000-000000000000",
        discord_id: "",
        username: "bench-user",
        display_name: "bench-user",
        avatar_url: "",
    })
    .into_response()
}

/// A stand-in for a session or refresh token: 300 bytes.
static TOKEN: LazyLock<String> = LazyLock::new(|| {
    let mut token = String::from("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.");
    while token.len() < 300 {
        token.push('x');
    }
    token
});

#[derive(Serialize)]
struct SessionResponse {
    token: &'static str,
    refresh_token: &'static str,
}

async fn authenticate_custom(headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("authorization").is_none() {
        return unauthorized();
    }
    debug_assert!(!body.is_empty());
    Json(SessionResponse {
        token: TOKEN.as_str(),
        refresh_token: TOKEN.as_str(),
    })
    .into_response()
}

async fn game_poll(headers: HeaderMap, _body: Bytes) -> Response {
    if headers.get("authorization").is_none() {
        return unauthorized();
    }
    Json(serde_json::json!({"actions": []})).into_response()
}

async fn anything(uri: Uri, _body: Bytes) -> Response {
    let path = uri.path();
    let surface = ["/spectra/", "/v2/", "/api/game/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    if !surface {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "not_found", "message": "no such endpoint"})),
        )
            .into_response();
    }
    Json(serde_json::json!({"ok": true})).into_response()
}

pub fn router() -> Router {
    Router::new()
        .route(
            "/spectra/system/validateAccessKey/{key}",
            get(validate_access_key),
        )
        .route("/spectra/system/match/{match_id}/update", put(update_match))
        .route("/v2/rpc/account/lookup", post(account_lookup))
        .route("/v2/account/authenticate/custom", post(authenticate_custom))
        .route("/api/game/poll", post(game_poll))
        .fallback(anything)
        .layer(DefaultBodyLimit::max(1024 * 1024))
}

/// `backline-bench ceiling --listen ADDR`: serves until killed; prints the bound address as
/// the first line of stdout.
pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    anyhow::ensure!(
        listen.ip().is_loopback(),
        "the ceiling only listens on loopback, not {listen}"
    );
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{addr}")?;
        out.flush()?;
    }
    axum::serve(listener, router()).await?;
    Ok(())
}

/// The ceiling process, killed when dropped.
pub struct CeilingProcess {
    pub addr: SocketAddr,
    pub pid: u32,
    _child: Child,
}

/// Starts this executable again as `ceiling --listen 127.0.0.1:0` and reads its address.
pub async fn spawn() -> anyhow::Result<CeilingProcess> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["ceiling", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or_default();
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
        .await
        .map_err(|_| anyhow::anyhow!("the ceiling did not print its address within 10 s"))??
        .ok_or_else(|| anyhow::anyhow!("the ceiling exited before printing its address"))?;
    let addr: SocketAddr = line.trim().parse()?;
    Ok(CeilingProcess {
        addr,
        pid,
        _child: child,
    })
}
