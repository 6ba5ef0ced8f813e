//! What runs before routing, in one service around the router: the game integration's
//! decoder (so `_method` can pick the route), the body deadline ([`super::body_deadline`]),
//! `Connection: close` after a refused body ([`super::connection`]) and the count of answers
//! given before routing ([`super::metrics::record_unrouted`]).
//!
//! One service instead of a middleware each: a request costs no boxed copy of the router per
//! layer, and a request without a body outside `/api/game` (most of them) goes to the router
//! directly, its answer only checked on the way out.

use super::body_deadline;
use super::connection;
use super::metrics::{self, Metrics};
use super::surface::Surface;
use crate::apis::ember;
use axum::extract::Request;
use axum::response::Response;
use futures::future::{BoxFuture, Either};
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tower::{Service, ServiceExt};

/// Settings of [`BeforeRouting`].
#[derive(Clone, Debug)]
pub struct Settings {
    pub metrics: Metrics,
    /// The body limit, bytes.
    pub body_limit: usize,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
}

/// `inner` (the router) behind what must run before routing.
#[derive(Clone, Debug)]
pub struct BeforeRouting<S> {
    inner: S,
    settings: Settings,
}

impl<S> BeforeRouting<S> {
    pub fn new(inner: S, settings: Settings) -> Self {
        Self { inner, settings }
    }
}

impl<S> Service<Request> for BeforeRouting<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let limit = self.settings.body_limit;
        let path = request.uri().path();
        let surface = Surface::of(path);
        let game = ember::is_game_path(path);
        let oversized = connection::announces_more_than(request.headers(), limit);
        let read_body = body_deadline::has_body_to_read(&request, limit);
        let started = Instant::now();
        let inner = if game || read_body {
            // Taking the service that was made ready; a clone waits for the next call.
            let ready = self.inner.clone();
            let router = std::mem::replace(&mut self.inner, ready);
            let timeout = self.settings.body_timeout;
            Either::Right(Box::pin(prepare_then_route(
                router, request, game, read_body, limit, timeout,
            )) as BoxFuture<'static, _>)
        } else {
            Either::Left(self.inner.call(request))
        };
        Answered {
            inner,
            metrics: Some(self.settings.metrics.clone()),
            surface,
            oversized,
            started,
        }
    }
}

/// Reads the body in time, decodes game integration requests, then routes: a refusal at any
/// step is the answer.
async fn prepare_then_route<S>(
    router: S,
    request: Request,
    game: bool,
    read_body: bool,
    limit: usize,
    timeout: Duration,
) -> Result<Response, Infallible>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let mut request = request;
    if read_body {
        request = match body_deadline::read_body_in_time(timeout, limit, request).await {
            Ok(request) => request,
            Err(refused) => return Ok(refused),
        };
    }
    if game {
        request = match ember::decode_request(limit, request).await {
            Ok(request) => request,
            Err(refused) => return Ok(refused),
        };
    }
    router.oneshot(request).await
}

pin_project! {
    /// The answer of [`BeforeRouting`], finished on its way out: `Connection: close` after a
    /// refused body, and counted when the router did not count it.
    pub struct Answered<F> {
        #[pin]
        inner: F,
        metrics: Option<Metrics>,
        surface: Surface,
        oversized: bool,
        started: Instant,
    }
}

impl<F> Future for Answered<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = ready!(this.inner.poll(cx));
        connection::close_after_refused_body(*this.oversized, &mut response);
        if let Some(counter) = this.metrics.take() {
            metrics::record_unrouted(&counter, *this.surface, *this.started, &mut response);
        }
        Poll::Ready(Ok(response))
    }
}
