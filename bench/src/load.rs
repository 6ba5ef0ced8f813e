//! The two load loops and what they measure.
//!
//! - Closed loop: N connections, each sending its next request as soon as the previous
//!   answer arrived, for a fixed time after a warm-up. Gives the highest rate the target
//!   sustains with N requests in flight.
//! - Open loop: requests scheduled at a fixed rate R (request i at `start + i/R`), taken by
//!   whichever of the N connections is free. Latency is measured from the *scheduled* time,
//!   so a slow answer that delays the requests behind it is charged to them too (no
//!   coordinated omission). The time from the actual send is kept as the service time.
//!
//! Every loop stops by itself: at the end of its duration, plus at most the request
//! timeout for the answers in flight; an open loop drops what it could not send within a
//! grace period after its schedule ended and counts those as errors.

use crate::client::{Answer, Conn, RequestSpec};
use crate::machine::{self, CpuShare};
use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex};
use tokio::time::Instant;

/// Builds request `seq` of stream `stream` (a connection in a closed loop; in an open loop
/// request i belongs to stream `i % streams`, position `i / streams`).
pub type Generator = Arc<dyn Fn(usize, u64) -> RequestSpec + Send + Sync>;

/// Shortest sleep of the open-loop dispatcher.
const DISPATCH_TICK: Duration = Duration::from_micros(100);

/// How many error messages a result keeps.
const KEPT_ERRORS: usize = 5;

/// Latencies are recorded in microseconds, up to a minute.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Counts and latencies of one loop or one part of a scenario.
#[derive(Clone)]
pub struct Tally {
    /// Answers with the expected status (200 unless the request says otherwise).
    pub ok: u64,
    /// Any other status, failed connection or timeout.
    pub errors: u64,
    /// The first few errors, for the report.
    pub first_errors: Vec<String>,
    /// Latency of every answer in the measured window (µs): from the send in a closed
    /// loop, from the scheduled time in an open loop.
    pub latency: Histogram<u64>,
    /// Open loop only: from the actual send (µs).
    pub service: Histogram<u64>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            ok: 0,
            errors: 0,
            first_errors: Vec::new(),
            latency: new_histogram(),
            service: new_histogram(),
        }
    }
}

impl Tally {
    /// Counts an outcome; the expected status is an answer, anything else an error.
    pub fn outcome(&mut self, spec: &RequestSpec, result: &anyhow::Result<Answer>) -> bool {
        match failure(spec, result) {
            None => {
                self.ok += 1;
                true
            }
            Some(message) => {
                self.error(message);
                false
            }
        }
    }

    pub fn error(&mut self, message: String) {
        self.errors += 1;
        if self.first_errors.len() < KEPT_ERRORS {
            self.first_errors.push(message);
        }
    }

    pub fn record(&mut self, latency: Duration) {
        self.latency.saturating_record(micros(latency));
    }

    pub fn merge(&mut self, other: &Tally) {
        self.ok += other.ok;
        self.errors += other.errors;
        for e in &other.first_errors {
            if self.first_errors.len() < KEPT_ERRORS {
                self.first_errors.push(e.clone());
            }
        }
        self.latency
            .add(&other.latency)
            .expect("same histogram bounds");
        self.service
            .add(&other.service)
            .expect("same histogram bounds");
    }
}

/// What went wrong, unless the answer has the expected status (`spec.expect`, usually 200).
pub fn failure(spec: &RequestSpec, result: &anyhow::Result<Answer>) -> Option<String> {
    match result {
        Ok(answer) if answer.status == spec.expect => None,
        Ok(answer) => {
            let body = String::from_utf8_lossy(&answer.body);
            let body: String = body.chars().take(200).collect();
            Some(format!(
                "{} {} -> {}: {body}",
                spec.method, spec.path, answer.status
            ))
        }
        Err(e) => Some(format!("{} {} -> {e:#}", spec.method, spec.path)),
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// The result of one loop.
#[derive(Clone)]
pub struct LoadResult {
    pub tally: Tally,
    /// The measured window.
    pub measured: Duration,
    /// Open loop: the scheduled rate.
    pub offered_rate: Option<f64>,
    /// Open loop: requests never sent because the schedule ran too far behind.
    pub not_sent: u64,
    /// CPU time stolen or used by other processes during the loop.
    pub cpu: Option<CpuShare>,
}

impl LoadResult {
    /// Answers with the expected status per second of the measured window.
    pub fn rate(&self) -> f64 {
        self.tally.ok as f64 / self.measured.as_secs_f64()
    }

    /// A latency quantile in milliseconds.
    pub fn ms(&self, quantile: f64) -> f64 {
        self.tally.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.tally.latency.max() as f64 / 1000.0
    }

    pub fn service_ms(&self, quantile: f64) -> f64 {
        self.tally.service.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// Shape of a closed loop.
#[derive(Clone, Copy, Debug)]
pub struct ClosedLoop {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub timeout: Duration,
}

/// Runs a closed loop against `addr`; throughput counts answers completed inside the
/// measured window (after the warm-up), errors are counted throughout.
pub async fn closed_loop(addr: SocketAddr, shape: ClosedLoop, generator: Generator) -> LoadResult {
    let cpu_before = machine::snapshot();
    let start = Instant::now();
    let measure_from = start + shape.warmup;
    let end = measure_from + shape.duration;
    let mut workers = Vec::with_capacity(shape.connections);
    for stream in 0..shape.connections {
        let generator = generator.clone();
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut tally = Tally::default();
            let mut seq = 0;
            while Instant::now() < end {
                let spec = generator(stream, seq);
                seq += 1;
                let sent = Instant::now();
                let result = conn.send(&spec, shape.timeout).await;
                let done = Instant::now();
                let ok = if done >= measure_from && done <= end {
                    let ok = tally.outcome(&spec, &result);
                    if ok {
                        tally.record(done - sent);
                    }
                    ok
                } else {
                    // Warm-up or past the end: not measured, but an error is still an error.
                    let failed = failure(&spec, &result);
                    let ok = failed.is_none();
                    if let Some(message) = failed {
                        tally.error(message);
                    }
                    ok
                };
                if !ok {
                    // A refused connection must not turn the loop into a busy spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for worker in workers {
        tally.merge(&worker.await.expect("a load worker panicked"));
    }
    LoadResult {
        tally,
        measured: shape.duration,
        offered_rate: None,
        not_sent: 0,
        cpu: machine::share(&cpu_before, &machine::snapshot()),
    }
}

/// Shape of an open loop.
#[derive(Clone, Copy, Debug)]
pub struct OpenLoop {
    /// Requests per second, scheduled evenly.
    pub rate: f64,
    /// Connections available to take scheduled requests.
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub timeout: Duration,
}

/// Runs an open loop against `addr` (see the module comment).
pub async fn open_loop(addr: SocketAddr, shape: OpenLoop, generator: Generator) -> LoadResult {
    assert!(shape.rate > 0.0, "an open loop needs a positive rate");
    let cpu_before = machine::snapshot();
    let streams = shape.connections as u64;
    let start = Instant::now() + Duration::from_millis(20);
    let measure_from = start + shape.warmup;
    let schedule_end = measure_from + shape.duration;
    let give_up_at = schedule_end + Duration::from_secs(5);
    let total = ((shape.warmup + shape.duration).as_secs_f64() * shape.rate).round() as u64;
    let (tx, rx) = mpsc::unbounded_channel::<(u64, Instant)>();
    let rx = Arc::new(Mutex::new(rx));

    let mut workers = Vec::with_capacity(shape.connections);
    for _ in 0..shape.connections {
        let rx = rx.clone();
        let generator = generator.clone();
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut tally = Tally::default();
            let mut not_sent = 0u64;
            loop {
                // The lock is fair, so idle workers take scheduled requests in turn.
                let next = rx.lock().await.recv().await;
                let Some((seq, scheduled)) = next else { break };
                if Instant::now() > give_up_at {
                    not_sent += 1;
                    continue;
                }
                let spec = generator((seq % streams) as usize, seq / streams);
                let sent = Instant::now();
                let result = conn.send(&spec, shape.timeout).await;
                let done = Instant::now();
                if scheduled >= measure_from {
                    if tally.outcome(&spec, &result) {
                        tally.record(done - scheduled);
                        tally.service.saturating_record(micros(done - sent));
                    }
                } else if let Some(message) = failure(&spec, &result) {
                    tally.error(message);
                }
            }
            (tally, not_sent)
        }));
    }

    // The schedule is kept by a thread of its own: tokio's timer has a 1 ms granularity,
    // which would add up to a millisecond of dispatch lag to every latency measured from
    // the schedule. The thread sleeps until the next scheduled time (at least
    // `DISPATCH_TICK`, so high rates are sent in small batches instead of one wake-up each).
    let interval = 1.0 / shape.rate;
    let std_start = start.into_std();
    let dispatcher = std::thread::spawn(move || {
        for i in 0..total {
            let scheduled = std_start + Duration::from_secs_f64(i as f64 * interval);
            let now = std::time::Instant::now();
            if scheduled > now {
                std::thread::sleep((scheduled - now).max(DISPATCH_TICK));
            }
            if tx.send((i, Instant::from_std(scheduled))).is_err() {
                break;
            }
        }
    });

    let mut tally = Tally::default();
    let mut not_sent = 0;
    tokio::task::spawn_blocking(move || dispatcher.join())
        .await
        .expect("the dispatcher's join task")
        .expect("the dispatcher thread panicked");
    for worker in workers {
        let (t, n) = worker.await.expect("a load worker panicked");
        tally.merge(&t);
        not_sent += n;
    }
    if not_sent > 0 {
        tally.error(format!(
            "{not_sent} scheduled requests not sent within 5 s of the schedule's end"
        ));
        tally.errors += not_sent - 1;
    }
    LoadResult {
        tally,
        measured: shape.duration,
        offered_rate: Some(shape.rate),
        not_sent,
        cpu: machine::share(&cpu_before, &machine::snapshot()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    async fn serve(router: axum::Router) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        addr
    }

    fn validate_key() -> Generator {
        let spec =
            RequestSpec::get("/spectra/system/validateAccessKey/KEY").header("x-user-token", "t");
        Arc::new(move |_, _| spec.clone())
    }

    #[tokio::test]
    async fn closed_loop_counts_answers_inside_the_window_only() {
        let addr = serve(crate::ceiling::router()).await;
        let shape = ClosedLoop {
            connections: 4,
            warmup: Duration::from_millis(100),
            duration: Duration::from_millis(300),
            timeout: Duration::from_secs(5),
        };
        let result = closed_loop(addr, shape, validate_key()).await;
        assert!(result.tally.ok > 10, "only {} answers", result.tally.ok);
        assert_eq!(result.tally.errors, 0, "{:?}", result.tally.first_errors);
        assert_eq!(result.tally.latency.len(), result.tally.ok);
        assert_eq!(result.measured, Duration::from_millis(300));
    }

    #[tokio::test]
    async fn non_200_answers_are_errors_with_their_body_kept() {
        let addr = serve(crate::ceiling::router()).await;
        let no_token = RequestSpec::get("/spectra/system/validateAccessKey/KEY");
        let shape = OpenLoop {
            rate: 100.0,
            connections: 2,
            warmup: Duration::ZERO,
            duration: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
        };
        let result = open_loop(addr, shape, Arc::new(move |_, _| no_token.clone())).await;
        assert_eq!(result.tally.ok, 0);
        assert_eq!(result.tally.errors, 20);
        assert!(
            result.tally.first_errors[0].contains("401"),
            "{:?}",
            result.tally.first_errors
        );
        assert!(
            result.tally.first_errors[0].contains("no token"),
            "{:?}",
            result.tally.first_errors
        );
    }

    #[tokio::test]
    async fn an_expected_error_status_counts_as_an_answer_and_a_200_does_not() {
        let addr = serve(crate::ceiling::router()).await;
        let shape = ClosedLoop {
            connections: 2,
            warmup: Duration::ZERO,
            duration: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
        };
        let unknown = RequestSpec::get(crate::scenarios::UNKNOWN_ROUTE)
            .expecting(hyper::StatusCode::NOT_FOUND);
        let result = closed_loop(addr, shape, Arc::new(move |_, _| unknown.clone())).await;
        assert!(result.tally.ok > 10, "only {} answers", result.tally.ok);
        assert_eq!(result.tally.errors, 0, "{:?}", result.tally.first_errors);

        let found = RequestSpec::get("/spectra/system/validateAccessKey/KEY")
            .header("x-user-token", "t")
            .expecting(hyper::StatusCode::NOT_FOUND);
        let result = closed_loop(addr, shape, Arc::new(move |_, _| found.clone())).await;
        assert_eq!(result.tally.ok, 0);
        assert!(
            result.tally.first_errors[0].contains("200 OK"),
            "{:?}",
            result.tally.first_errors
        );
    }

    #[tokio::test]
    async fn open_loop_charges_queueing_to_the_requests_that_waited() {
        // One connection, 50 ms per answer, 40 requests/s scheduled: the server keeps up with
        // only half, so later requests wait for the earlier ones. Latency from the schedule
        // must show that wait; the service time must not.
        let slow = axum::Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                "{}"
            }),
        );
        let addr = serve(slow).await;
        let spec = RequestSpec::get("/slow");
        let shape = OpenLoop {
            rate: 40.0,
            connections: 1,
            warmup: Duration::ZERO,
            duration: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
        };
        let result = open_loop(addr, shape, Arc::new(move |_, _| spec.clone())).await;
        assert_eq!(result.tally.ok, 20);
        let (latency, service) = (result.max_ms(), result.service_ms(1.0));
        assert!(latency > 300.0, "latency max {latency} ms");
        assert!(
            latency > 2.0 * service,
            "latency max {latency} ms, service max {service} ms"
        );
    }
}
