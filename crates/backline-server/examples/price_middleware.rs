//! Prices the HTTP middleware stack in instructions per request: sends requests for an
//! unknown route through the whole application (`full`: the listener's service, a real
//! `AppState` on a temporary SQLite database) or through a bare axum router with the same
//! fallback handler (`bare`), on one thread, without sockets.
//!
//! Run it under callgrind, counting only the measured loop (see docs/performance-middleware.md):
//!
//! ```sh
//! cargo build -p backline-server --example price_middleware
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='price_middleware::drive*' \
//!     target/debug/examples/price_middleware full 2000
//! ```
//!
//! Instructions per request = the `Ir` total / the number of requests. Logging is filtered
//! at `warn` (as the bench runs the server) unless `RUST_LOG` says otherwise.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::response::Response;
use backline_server::config::Config;
use backline_server::{apis, server};
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use std::convert::Infallible;
use std::net::SocketAddr;
use tower::{Service, ServiceExt};

/// The path asked for: no route matches it.
const PATH: &str = "/no/such/route";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "full".to_owned());
    let requests: usize = args.next().map_or(Ok(2000), |n| n.parse())?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match which.as_str() {
            "full" => {
                let db = TestDatabase::create(Backend::Sqlite)
                    .await
                    .expect("SQLite is always available");
                let config = Config {
                    database_url: db.url.clone(),
                    ..Config::default()
                };
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let prepared = server::prepare(config, listener).await?;
                measure(prepared.app(), requests).await;
            }
            "bare" => {
                let app = axum::Router::new().fallback(apis::admin::unknown_route);
                measure(app, requests).await;
            }
            other => anyhow::bail!("unknown stack {other}: full or bare"),
        }
        Ok(())
    })
}

async fn measure<S>(app: S, requests: usize)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    // Warm up first: the first requests register metrics, fill caches and grow buffers.
    warm(app.clone(), 100).await;
    drive(app, requests).await;
    eprintln!("sent {requests} requests");
}

#[inline(never)]
async fn warm<S>(app: S, requests: usize)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    send(app, requests).await;
}

/// The measured loop (callgrind's `--toggle-collect` names it).
#[inline(never)]
async fn drive<S>(app: S, requests: usize)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    send(app, requests).await;
}

async fn send<S>(app: S, requests: usize)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
{
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("a socket address");
    for _ in 0..requests {
        // As `http::serve` hands requests over: an empty body and the peer's address.
        let mut request = Request::get(PATH)
            .body(Body::empty())
            .expect("a valid request");
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = app.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body is in memory");
        assert!(!body.is_empty());
    }
}
