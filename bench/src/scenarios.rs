//! The scenarios: each runs against Backline and against the ceiling, the same way, one
//! after the other.

use crate::body::{BodyTemplate, BodyValues, Call};
use crate::client::{Conn, RequestSpec};
use crate::load::{
    closed_loop, failure, open_loop, ClosedLoop, Generator, LoadResult, OpenLoop, Tally,
};
use crate::nakama::Pair;
use crate::target::Fixture;
use hyper::Method;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The scenarios that can be chosen with `--scenario`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    ValidateKey,
    MatchFlow,
    MatchUpdate,
    NakamaHttpKeyRpc,
    NakamaSessionRpc,
    NakamaCustomAuth,
    EmberPoll,
    UnknownRoute,
}

impl Scenario {
    /// Every scenario, in the order of a default run.
    pub const ALL: [Scenario; 8] = [
        Scenario::ValidateKey,
        Scenario::MatchFlow,
        Scenario::MatchUpdate,
        Scenario::NakamaHttpKeyRpc,
        Scenario::NakamaSessionRpc,
        Scenario::NakamaCustomAuth,
        Scenario::EmberPoll,
        Scenario::UnknownRoute,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::ValidateKey => "validate-key",
            Scenario::MatchFlow => "match-flow",
            Scenario::MatchUpdate => "match-update",
            Scenario::NakamaHttpKeyRpc => "nakama-http-key-rpc",
            Scenario::NakamaSessionRpc => "nakama-session-rpc",
            Scenario::NakamaCustomAuth => "nakama-custom-auth",
            Scenario::EmberPoll => "ember-poll",
            Scenario::UnknownRoute => "unknown-route",
        }
    }

    /// Whether the scenario needs the Nakama keys and `bench-user`.
    pub fn needs_nakama(self) -> bool {
        matches!(
            self,
            Scenario::NakamaHttpKeyRpc | Scenario::NakamaSessionRpc | Scenario::NakamaCustomAuth
        )
    }
}

/// Loop sizes shared by the scenarios.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub connections: usize,
    pub open_connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub open_duration: Duration,
    pub timeout: Duration,
    pub update_rate: f64,
    pub observers: usize,
    pub rounds: u32,
    /// Accounts created for `nakama-custom-auth` and cycled over.
    pub custom_accounts: usize,
    /// Polled servers of `ember-poll`.
    pub ember_servers: usize,
    /// Full size of the queue of other servers' executions (measured at 1 % and 100 %).
    pub ember_queue: u64,
    /// Rate of the `ember-poll` open loop.
    pub poll_rate: f64,
}

/// What a scenario talks to.
pub struct Context {
    pub backline: SocketAddr,
    pub ceiling: SocketAddr,
    pub fixture: Fixture,
    pub body: Arc<BodyTemplate>,
    /// Distinguishes this run's match ids from any other run's.
    pub run_tag: u32,
    pub settings: Settings,
    /// The database Backline uses (the `ember-poll` set-up writes to it directly).
    pub database_url: String,
    pub postgres: bool,
}

impl Context {
    pub(crate) fn closed(&self) -> ClosedLoop {
        ClosedLoop {
            connections: self.settings.connections,
            warmup: self.settings.warmup,
            duration: self.settings.duration,
            timeout: self.settings.timeout,
        }
    }

    pub(crate) fn open(&self, rate: f64) -> OpenLoop {
        OpenLoop {
            rate,
            connections: self.settings.open_connections,
            warmup: self.settings.warmup,
            duration: self.settings.open_duration,
            timeout: self.settings.timeout,
        }
    }

    /// A UUID-shaped match id, unique per run, scenario part (`kind`) and index.
    fn match_id(&self, kind: u16, index: usize) -> String {
        format!("{:08x}-{kind:04x}-4000-8000-{index:012x}", self.run_tag)
    }
}

fn group_code(index: usize) -> String {
    format!("G{index:05}")
}

/// The path of `unknown-route`: no route of Backline's (or the ceiling's) matches it.
pub const UNKNOWN_ROUTE: &str = "/no/such/route";

/// `unknown-route`: `GET /no/such/route`, answered 404 by both (Backline's operator-surface
/// JSON error, the ceiling's fallback): what the middleware stack costs on its own, with no
/// handler or database work behind it.
pub async fn unknown_route(ctx: &Context) -> Pair {
    let spec = RequestSpec::get(UNKNOWN_ROUTE).expecting(hyper::StatusCode::NOT_FOUND);
    let generator: Generator = Arc::new(move |_, _| spec.clone());
    Pair {
        backline: closed_loop(ctx.backline, ctx.closed(), generator.clone()).await,
        ceiling: closed_loop(ctx.ceiling, ctx.closed(), generator).await,
    }
}

/// Closed loop on both, then an open loop on both at a rate derived from Backline's.
pub struct Comparison {
    pub backline: LoadResult,
    pub ceiling: LoadResult,
    pub backline_open: LoadResult,
    pub ceiling_open: LoadResult,
}

/// `validate-key`: `GET /spectra/system/validateAccessKey/{key}` with `X-User-Token`; the open
/// loop runs at half of Backline's closed-loop rate.
pub async fn validate_key(ctx: &Context) -> Comparison {
    let spec = RequestSpec::get(format!(
        "/spectra/system/validateAccessKey/{}",
        ctx.fixture.access_key
    ))
    .header("x-user-token", &ctx.fixture.backend_token);
    let generator: Generator = Arc::new(move |_, _| spec.clone());
    let backline = closed_loop(ctx.backline, ctx.closed(), generator.clone()).await;
    let ceiling = closed_loop(ctx.ceiling, ctx.closed(), generator.clone()).await;
    let rate = (backline.rate() / 2.0).max(1.0);
    let backline_open = open_loop(ctx.backline, ctx.open(rate), generator.clone()).await;
    let ceiling_open = open_loop(ctx.ceiling, ctx.open(rate), generator).await;
    Comparison {
        backline,
        ceiling,
        backline_open,
        ceiling_open,
    }
}

/// `match-update`: `PUT …/match/{id}/update` with the real body, each connection (stream)
/// updating its own match with rising round numbers; open loop at `--update-rate`.
pub async fn match_update(ctx: &Context) -> Comparison {
    let make = |kind: u16| -> Generator {
        let template = ctx.body.clone();
        let token = ctx.fixture.backend_token.clone();
        let org_id = ctx.fixture.org_id.clone();
        let ids: Vec<(String, String)> =
            (0..ctx.settings.connections.max(ctx.settings.open_connections))
                .map(|i| (ctx.match_id(kind, i), group_code(i)))
                .collect();
        Arc::new(move |stream, seq| {
            let (match_id, group_code) = &ids[stream];
            let body = template.render(&BodyValues {
                match_id,
                group_code,
                org_id: &org_id,
                round: 2 + u32::try_from(seq).unwrap_or(u32::MAX - 2),
                call: Call::Update,
            });
            RequestSpec::with_body(
                Method::PUT,
                format!("/spectra/system/match/{match_id}/update"),
                body,
            )
            .header("x-user-token", &token)
        })
    };
    let backline = closed_loop(ctx.backline, ctx.closed(), make(0x0b01)).await;
    let ceiling = closed_loop(ctx.ceiling, ctx.closed(), make(0x0c01)).await;
    let rate = ctx.settings.update_rate;
    let backline_open = open_loop(ctx.backline, ctx.open(rate), make(0x0b02)).await;
    let ceiling_open = open_loop(ctx.ceiling, ctx.open(rate), make(0x0c02)).await;
    Comparison {
        backline,
        ceiling,
        backline_open,
        ceiling_open,
    }
}

/// The calls of one observer's match, in Spectra Server's order.
pub const FLOW_CALLS: [&str; 9] = [
    "validateAccessKey",
    "supporter",
    "register",
    "stats/addMatch",
    "stats/updateMatchRegion",
    "stats/fetchPlayerMMR",
    "update",
    "complete",
    "stats/fetchMatchStats",
];
const UPDATE: usize = 6;

/// The puuids of the ten players in the template body.
const PUUIDS: [&str; 10] = [
    "puuid-L1", "puuid-L2", "puuid-L3", "puuid-L4", "puuid-L5", "puuid-R1", "puuid-R2", "puuid-R3",
    "puuid-R4", "puuid-R5",
];

/// One run of the match flow.
pub struct FlowRun {
    /// From starting the observers to the last one finishing.
    pub total: Duration,
    /// Per call, in [`FLOW_CALLS`] order.
    pub calls: Vec<Tally>,
    /// From the first update sent to the last update answered.
    pub update_window: Duration,
}

impl FlowRun {
    pub fn updates(&self) -> &Tally {
        &self.calls[UPDATE]
    }

    pub fn updates_per_second(&self) -> f64 {
        self.updates().ok as f64 / self.update_window.as_secs_f64().max(1e-9)
    }

    pub fn errors(&self) -> u64 {
        self.calls.iter().map(|t| t.errors).sum()
    }

    pub fn first_errors(&self) -> Vec<String> {
        self.calls
            .iter()
            .flat_map(|t| t.first_errors.iter().cloned())
            .take(5)
            .collect()
    }
}

pub struct Flow {
    pub backline: FlowRun,
    pub ceiling: FlowRun,
}

/// `match-flow`: `--observers` observers at once, each with its own connection, match id and
/// group code, playing a whole match of `--rounds` rounds back to back.
pub async fn match_flow(ctx: &Context) -> Flow {
    let backline = flow_run(ctx, ctx.backline, 0x0f01).await;
    let ceiling = flow_run(ctx, ctx.ceiling, 0x0f02).await;
    Flow { backline, ceiling }
}

async fn flow_run(ctx: &Context, addr: SocketAddr, kind: u16) -> FlowRun {
    let started = Instant::now();
    let mut observers = Vec::with_capacity(ctx.settings.observers);
    for index in 0..ctx.settings.observers {
        let match_id = ctx.match_id(kind, index);
        let template = ctx.body.clone();
        let fixture = ctx.fixture.clone();
        let rounds = ctx.settings.rounds.max(2);
        let timeout = ctx.settings.timeout;
        observers.push(tokio::spawn(async move {
            observe(
                addr,
                &match_id,
                &group_code(index),
                &fixture,
                &template,
                rounds,
                timeout,
            )
            .await
        }));
    }
    let mut calls = vec![Tally::default(); FLOW_CALLS.len()];
    let mut first_update: Option<Instant> = None;
    let mut last_update: Option<Instant> = None;
    for observer in observers {
        let run = observer.await.expect("an observer panicked");
        for (call, outcome) in run.outcomes {
            match outcome {
                Ok(latency) => {
                    calls[call].ok += 1;
                    calls[call].record(latency);
                }
                Err(message) => calls[call].error(message),
            }
        }
        first_update = min_opt(first_update, run.first_update);
        last_update = max_opt(last_update, run.last_update);
    }
    let update_window = match (first_update, last_update) {
        (Some(a), Some(b)) => b - a,
        _ => Duration::ZERO,
    };
    FlowRun {
        total: started.elapsed(),
        calls,
        update_window,
    }
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// What one observer saw; samples rather than histograms, which are large to allocate per
/// observer.
struct ObserverRun {
    /// Per request: the call (index into [`FLOW_CALLS`]) and its latency or error.
    outcomes: Vec<(usize, Result<Duration, String>)>,
    first_update: Option<Instant>,
    last_update: Option<Instant>,
}

async fn observe(
    addr: SocketAddr,
    match_id: &str,
    group_code: &str,
    fixture: &Fixture,
    template: &BodyTemplate,
    rounds: u32,
    timeout: Duration,
) -> ObserverRun {
    let backend = |spec: RequestSpec| spec.header("x-user-token", &fixture.backend_token);
    let stats = |path: &str, body: serde_json::Value| {
        RequestSpec::with_body(
            Method::POST,
            format!("/spectra/stats/{path}"),
            body.to_string().into(),
        )
        .header("authentication", &fixture.stats_token)
    };
    let snapshot = |call: Call, round: u32| {
        template.render(&BodyValues {
            match_id,
            group_code,
            org_id: &fixture.org_id,
            round,
            call,
        })
    };
    let match_path = |verb: &str| format!("/spectra/system/match/{match_id}/{verb}");

    let mut plan: Vec<(usize, RequestSpec)> = vec![
        (
            0,
            backend(RequestSpec::get(format!(
                "/spectra/system/validateAccessKey/{}",
                fixture.access_key
            ))),
        ),
        (
            1,
            RequestSpec::get(format!("/spectra/supporter/{}", fixture.org_id)),
        ),
        (
            2,
            backend(RequestSpec::with_body(
                Method::POST,
                match_path("register"),
                snapshot(Call::Register, 0),
            )),
        ),
        (
            3,
            stats(
                "addMatch",
                serde_json::json!({"code": group_code, "matchUuid": match_id}),
            ),
        ),
        (
            4,
            stats(
                "updateMatchRegion",
                serde_json::json!({"matchUuid": match_id, "accountPuuid": PUUIDS[0]}),
            ),
        ),
        (
            5,
            stats(
                "fetchPlayerMMR",
                serde_json::json!({"matchUuid": match_id, "accountPuuids": PUUIDS}),
            ),
        ),
    ];
    for round in 2..=rounds {
        plan.push((
            UPDATE,
            backend(RequestSpec::with_body(
                Method::PUT,
                match_path("update"),
                snapshot(Call::Update, round),
            )),
        ));
    }
    plan.push((
        7,
        backend(RequestSpec::with_body(
            Method::PUT,
            match_path("complete"),
            snapshot(Call::Complete, rounds),
        )),
    ));
    plan.push((
        8,
        stats(
            "fetchMatchStats",
            serde_json::json!({"matchUuid": match_id}),
        ),
    ));

    let mut conn = Conn::new(addr);
    let mut run = ObserverRun {
        outcomes: Vec::with_capacity(plan.len()),
        first_update: None,
        last_update: None,
    };
    for (call, spec) in plan {
        let sent = Instant::now();
        let result = conn.send(&spec, timeout).await;
        let done = Instant::now();
        if call == UPDATE {
            run.first_update.get_or_insert(sent);
            run.last_update = Some(done);
        }
        let outcome = match failure(&spec, &result) {
            None => Ok(done - sent),
            Some(message) => Err(message),
        };
        run.outcomes.push((call, outcome));
    }
    run
}
