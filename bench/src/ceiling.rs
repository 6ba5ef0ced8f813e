//! The ceiling: a trivial axum server answering the request shapes of the Spectra surface
//! with no work behind them, run as a separate process (`backline-bench ceiling`) and
//! measured the same way as Backline in the same run. What the ceiling reaches is what this
//! machine, this load generator and axum/hyper allow; Backline's figures are reported as a
//! share of it.
//!
//! - `GET /spectra/system/validateAccessKey/{key}` answers `{"id": …, "name": …}` (401 without
//!   `X-User-Token`, like Backline).
//! - `PUT /spectra/system/match/{matchId}/update` reads the whole body (within the same 1 MiB
//!   limit Backline applies) and answers a small JSON, without parsing the body.
//! - Any other request reads its body and answers `{"ok": true}`, so the match flow can run
//!   against the ceiling too.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Serialize;
use std::io::Write;
use std::net::SocketAddr;
use std::process::Stdio;
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

async fn anything(_body: Bytes) -> Json<serde_json::Value> {
    Json(serde_json::json!({"ok": true}))
}

pub fn router() -> Router {
    Router::new()
        .route(
            "/spectra/system/validateAccessKey/{key}",
            get(validate_access_key),
        )
        .route("/spectra/system/match/{match_id}/update", put(update_match))
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
