//! The Nakama scenarios: `account/lookup` over the RPC transport with the http key and with a
//! session token, and custom authentication of existing accounts. Each runs a closed loop
//! against Backline and then against the ceiling.

use crate::client::{send_once, Conn, RequestSpec};
use crate::load::{closed_loop, failure, Generator, LoadResult};
use crate::scenarios::Context;
use anyhow::{bail, Context as _};
use base64::Engine as _;
use hyper::Method;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// A closed loop on both.
pub struct Pair {
    pub backline: LoadResult,
    pub ceiling: LoadResult,
}

impl Pair {
    pub fn share(&self) -> f64 {
        self.backline.rate() / self.ceiling.rate().max(1e-9)
    }
}

/// `nakama-custom-auth`: the loops, and how the accounts were made.
pub struct CustomAuth {
    pub pair: Pair,
    pub accounts: usize,
    /// Creating the accounts (`create=true`, 8 connections), not measured by the loops.
    pub created_in: Duration,
    /// Size of Backline's answer (token and refresh token), bytes.
    pub answer_bytes: usize,
}

/// The custom id of account `i` (Nakama requires 6 to 128 bytes).
fn custom_id(i: usize) -> String {
    format!("bench-custom-id-{i}")
}

fn basic(server_key: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{server_key}:"));
    format!("Basic {encoded}")
}

fn authenticate_custom(server_key: &str, id: &str, create: bool) -> RequestSpec {
    RequestSpec::with_body(
        Method::POST,
        format!("/v2/account/authenticate/custom?create={create}"),
        serde_json::json!({ "id": id }).to_string().into(),
    )
    .header("authorization", &basic(server_key))
}

fn lookup(username: &str) -> RequestSpec {
    RequestSpec::with_body(
        Method::POST,
        "/v2/rpc/account/lookup?unwrap",
        serde_json::json!({ "username": username })
            .to_string()
            .into(),
    )
}

/// Checks one request against Backline before a loop relies on it, so a wrong set-up fails
/// with its answer instead of a loop full of errors.
async fn probe(ctx: &Context, spec: &RequestSpec) -> anyhow::Result<serde_json::Value> {
    let result = send_once(ctx.backline, spec, ctx.settings.timeout).await;
    if let Some(message) = failure(spec, &result) {
        bail!("set-up request failed: {message}");
    }
    let answer = result?;
    serde_json::from_slice(&answer.body).context("the answer is not JSON")
}

/// `nakama-http-key-rpc`: `POST /v2/rpc/account/lookup?unwrap&http_key=KEY` with
/// `{"username": "bench-user"}`.
pub async fn http_key_rpc(ctx: &Context) -> anyhow::Result<Pair> {
    let nakama = ctx.fixture.nakama.as_ref().context("no Nakama set-up")?;
    let mut spec = lookup(&nakama.username);
    spec.path = format!("/v2/rpc/account/lookup?unwrap&http_key={}", nakama.http_key);
    let answer = probe(ctx, &spec).await?;
    if answer["username"] != nakama.username.as_str() {
        bail!("account/lookup answered {answer}");
    }
    let generator: Generator = Arc::new(move |_, _| spec.clone());
    Ok(Pair {
        backline: closed_loop(ctx.backline, ctx.closed(), generator.clone()).await,
        ceiling: closed_loop(ctx.ceiling, ctx.closed(), generator).await,
    })
}

/// `nakama-session-rpc`: the same lookup with `Authorization: Bearer <session token>` of a
/// custom-id account (logged in once, before the loops).
pub async fn session_rpc(ctx: &Context) -> anyhow::Result<Pair> {
    let nakama = ctx.fixture.nakama.as_ref().context("no Nakama set-up")?;
    let login = probe(
        ctx,
        &authenticate_custom(&nakama.server_key, &custom_id(1), true),
    )
    .await?;
    let token = login["token"]
        .as_str()
        .with_context(|| format!("authenticate/custom answered {login}"))?;
    let spec = lookup(&nakama.username).header("authorization", &format!("Bearer {token}"));
    let answer = probe(ctx, &spec).await?;
    if answer["username"] != nakama.username.as_str() {
        bail!("account/lookup answered {answer}");
    }
    let generator: Generator = Arc::new(move |_, _| spec.clone());
    Ok(Pair {
        backline: closed_loop(ctx.backline, ctx.closed(), generator.clone()).await,
        ceiling: closed_loop(ctx.ceiling, ctx.closed(), generator).await,
    })
}

/// `nakama-custom-auth`: creates `--custom-accounts` accounts (`create=true`), then logs in
/// to them in turn with `create=false`.
pub async fn custom_auth(ctx: &Context) -> anyhow::Result<CustomAuth> {
    let nakama = ctx.fixture.nakama.as_ref().context("no Nakama set-up")?;
    let accounts = ctx.settings.custom_accounts;
    let specs: Arc<Vec<RequestSpec>> = Arc::new(
        (0..accounts)
            .map(|i| authenticate_custom(&nakama.server_key, &custom_id(i), false))
            .collect(),
    );

    // Create the accounts: 8 connections taking the next id until none is left.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut creators = Vec::new();
    for _ in 0..8 {
        let next = next.clone();
        let server_key = nakama.server_key.clone();
        let (addr, timeout) = (ctx.backline, ctx.settings.timeout);
        creators.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= accounts {
                    return Ok::<(), anyhow::Error>(());
                }
                let spec = authenticate_custom(&server_key, &custom_id(i), true);
                let result = conn.send(&spec, timeout).await;
                if let Some(message) = failure(&spec, &result) {
                    bail!("creating account {i}: {message}");
                }
            }
        }));
    }
    for creator in creators {
        creator.await.expect("an account creator panicked")?;
    }
    let created_in = started.elapsed();
    let answer = probe(ctx, &specs[0]).await?;
    if answer["token"].as_str().is_none_or(str::is_empty) {
        bail!("authenticate/custom answered {answer}");
    }
    let answer_bytes = answer.to_string().len();

    let streams = ctx.settings.connections as u64;
    let generator: Generator = Arc::new(move |stream, seq| {
        let i = (seq * streams + stream as u64) % specs.len() as u64;
        specs[i as usize].clone()
    });
    Ok(CustomAuth {
        pair: Pair {
            backline: closed_loop(ctx.backline, ctx.closed(), generator.clone()).await,
            ceiling: closed_loop(ctx.ceiling, ctx.closed(), generator).await,
        },
        accounts,
        created_in,
        answer_bytes,
    })
}
