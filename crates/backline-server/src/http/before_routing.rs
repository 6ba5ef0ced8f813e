//! What runs before routing, in one service around the router: what a surface asks for
//! ([`Surface::before_routing`], e.g. the game integration's decoder, so `_method` can pick
//! the route), the body deadline ([`super::body_deadline`]),
//! `Connection: close` after a refused body ([`super::connection`]) and the count of answers
//! given before routing ([`super::metrics::record_unrouted`]).
//!
//! One service instead of a middleware each: a request costs no boxed copy of the router per
//! layer, and a request without a body to a surface that asks for nothing (most of them)
//! goes to the router directly, its answer only checked on the way out.

use super::body_deadline;
use super::connection;
use super::metrics::{self, Metrics};
use super::surface::{Surface, Surfaces};
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use futures::future::{BoxFuture, Either};
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tower::{Service, ServiceExt};

/// What a surface runs on its requests before routing: given the request on its way,
/// the whole answer, typically `Box::pin(pending.route_after(decode))` (one allocation, as
/// for any request whose body is read before routing).
pub type Prepare = fn(Pending) -> BoxFuture<'static, Result<Response, Infallible>>;

/// Settings of [`BeforeRouting`].
#[derive(Clone, Debug)]
pub struct Settings {
    pub metrics: Metrics,
    /// The surfaces: which one a request is for, and what it runs before routing.
    pub surfaces: Surfaces,
    /// The body limit, bytes.
    pub body_limit: usize,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
}

/// `inner` (the router) behind what must run before routing.
#[derive(Clone, Debug)]
pub struct BeforeRouting {
    inner: Router,
    settings: Settings,
}

impl BeforeRouting {
    pub fn new(inner: Router, settings: Settings) -> Self {
        Self { inner, settings }
    }
}

impl Service<Request> for BeforeRouting {
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<
        Either<
            <Router as Service<Request>>::Future,
            BoxFuture<'static, Result<Response, Infallible>>,
        >,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let limit = self.settings.body_limit;
        let path = request.uri().path();
        let surface = self.settings.surfaces.of(path);
        let oversized = connection::announces_more_than(request.headers(), limit);
        let read_body = body_deadline::has_body_to_read(&request, limit);
        let started = Instant::now();
        let inner = if surface.before_routing.is_some() || read_body {
            // Taking the service that was made ready; a clone waits for the next call.
            let ready = self.inner.clone();
            let router = std::mem::replace(&mut self.inner, ready);
            let pending = Pending {
                router,
                request,
                surface,
                read_body,
                limit,
                timeout: self.settings.body_timeout,
            };
            Either::Right(match surface.before_routing {
                Some(prepare) => prepare(pending),
                None => Box::pin(pending.route_after(|_, request| std::future::ready(Ok(request)))),
            })
        } else {
            Either::Left(Service::<Request>::call(&mut self.inner, request))
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

/// A request on its way to the router that has something to do first: see
/// [`Pending::route_after`].
pub struct Pending {
    router: Router,
    request: Request,
    surface: &'static Surface,
    read_body: bool,
    limit: usize,
    timeout: Duration,
}

impl Pending {
    /// Reads the body in time (when there is one to read), hands the request to `prepare`
    /// with the body limit, then routes what `prepare` hands back: a refusal at any step is
    /// the answer.
    pub async fn route_after<F, Fut>(self, prepare: F) -> Result<Response, Infallible>
    where
        F: FnOnce(usize, Request) -> Fut,
        Fut: Future<Output = Result<Request, Response>>,
    {
        let Self {
            router,
            mut request,
            surface,
            read_body,
            limit,
            timeout,
        } = self;
        if read_body {
            request = match body_deadline::read_body_in_time(surface, timeout, limit, request).await
            {
                Ok(request) => request,
                Err(refused) => return Ok(refused),
            };
        }
        request = match prepare(limit, request).await {
            Ok(request) => request,
            Err(refused) => return Ok(refused),
        };
        router.oneshot(request).await
    }
}

pin_project! {
    /// The answer of [`BeforeRouting`], finished on its way out: `Connection: close` after a
    /// refused body, and counted when the router did not count it.
    pub struct Answered<F> {
        #[pin]
        inner: F,
        metrics: Option<Metrics>,
        surface: &'static Surface,
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
            metrics::record_unrouted(&counter, this.surface.name, *this.started, &mut response);
        }
        Poll::Ready(Ok(response))
    }
}
