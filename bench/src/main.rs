//! `backline-bench`: measures Backline's Spectra, Nakama and game-integration surfaces on
//! loopback and reports every figure beside a ceiling (a trivial axum handler answering the same request shapes) measured the
//! same way in the same run. See `bench/README.md`.
//!
//! Backline runs as its own process (`target/release/backline serve`) on a fresh database;
//! the ceiling is this executable started again as `backline-bench ceiling`.

mod agent_latency;
mod body;
mod ceiling;
mod client;
mod ember;
mod load;
mod machine;
mod nakama;
mod report;
mod scenarios;
mod store_options;
mod target;

use anyhow::{bail, Context as _};
use body::{BodyTemplate, BodyValues, Call};
use clap::{Args, Parser, Subcommand};
use report::{RunInfo, Section};
use scenarios::{Context, Scenario, Settings};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use target::{BacklineProcess, Database, RssSampler};

#[derive(Parser, Debug)]
#[command(
    name = "backline-bench",
    about = "Measure Backline's Spectra, Nakama and game-integration surfaces against a same-run ceiling (loopback only)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the ceiling (started by the bench itself).
    #[command(hide = true)]
    Ceiling {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
    },
    /// Time commands from `POST /admin/v1/actions` to their arrival at a game console,
    /// through `backline serve` and `backline-agent run` polling every second.
    AgentLatency {
        /// Commands queued per run.
        #[arg(long, default_value_t = 60)]
        commands: usize,
        /// Runs (their medians are reported too).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The agent binary (default: target/release/backline-agent of this workspace).
        #[arg(long, value_name = "PATH")]
        agent: Option<std::path::PathBuf>,
        /// The Backline binary (default: target/release/backline of this workspace).
        #[arg(long, value_name = "PATH")]
        backline: Option<std::path::PathBuf>,
    },
    /// Measure one SQL statement through each way the store could reach its database
    /// (sqlx `Any`, sqlx native, rusqlite inline or in `spawn_blocking`), in this process.
    StoreOptions {
        /// Concurrent tasks.
        #[arg(long, default_value_t = 64)]
        tasks: usize,
        /// Measured seconds per option.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Also measure PostgreSQL through this maintenance URL (loopback only).
        #[arg(long, value_name = "URL")]
        postgres_url: Option<String>,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Scenarios to run, comma-separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    scenario: Vec<Scenario>,
    /// The Backline binary (default: target/release/backline of this workspace).
    #[arg(long, value_name = "PATH")]
    backline: Option<PathBuf>,
    /// Also measure on PostgreSQL (a fresh database, dropped afterwards).
    #[arg(long)]
    postgres: bool,
    /// Skip SQLite (with --postgres: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
    /// Maintenance database used to create and drop the bench database (loopback only).
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Connections of the closed loops.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Connections available to the open loops.
    #[arg(long, default_value_t = 64)]
    open_connections: usize,
    /// Warm-up before each loop's measured window, in seconds.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    warmup: f64,
    /// Measured seconds of each closed loop.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    duration: f64,
    /// Measured seconds of each open loop.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    open_duration: f64,
    /// Rate of the match-update open loop, requests per second.
    #[arg(long, default_value_t = 500.0)]
    update_rate: f64,
    /// Observers of the match flow, all at once.
    #[arg(long, default_value_t = 100)]
    observers: usize,
    /// Rounds of each observed match (updates for rounds 2..=N).
    #[arg(long, default_value_t = 25)]
    rounds: u32,
    /// Accounts nakama-custom-auth creates and then logs in to in turn.
    #[arg(long, default_value_t = 1000)]
    custom_accounts: usize,
    /// Servers ember-poll creates and polls (random one per request).
    #[arg(long, default_value_t = 2000)]
    ember_servers: usize,
    /// Executions queued for other servers in ember-poll's second run (the first has 1 %).
    #[arg(long, default_value_t = 100_000)]
    ember_queue: u64,
    /// Rate of the ember-poll open loop, polls per second.
    #[arg(long, default_value_t = 1000.0)]
    poll_rate: f64,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    timeout: f64,
    /// Starts of Backline on the set-up database whose start-up time is measured.
    #[arg(long, default_value_t = 3)]
    startup_runs: u32,
    /// The match body template (default: the server's captured update_body.json).
    #[arg(long, value_name = "FILE")]
    body: Option<PathBuf>,
    /// Send the template without its indentation (compact, as Spectra Server sends it).
    #[arg(long)]
    compact_body: bool,
    /// Directory the Markdown report is also written to (default: bench/results).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

fn seconds(name: &str, value: f64, min: f64) -> anyhow::Result<Duration> {
    if !(min..=600.0).contains(&value) {
        bail!("--{name} must be between {min} and 600 seconds, not {value}");
    }
    Ok(Duration::from_secs_f64(value))
}

impl RunArgs {
    fn settings(&self) -> anyhow::Result<Settings> {
        if !(1..=4096).contains(&self.connections) || !(1..=4096).contains(&self.open_connections) {
            bail!("--connections and --open-connections must be between 1 and 4096");
        }
        if !(1..=10_000).contains(&self.observers) || !(2..=200).contains(&self.rounds) {
            bail!("--observers must be 1..=10000 and --rounds 2..=200");
        }
        let rate_ok = |r: f64| r > 0.0 && r <= 1_000_000.0;
        if !rate_ok(self.update_rate) || !rate_ok(self.poll_rate) {
            bail!("--update-rate and --poll-rate must be positive");
        }
        if !(1..=100_000).contains(&self.custom_accounts) {
            bail!("--custom-accounts must be 1..=100000");
        }
        if !(1..=100_000).contains(&self.ember_servers)
            || !(100..=10_000_000).contains(&self.ember_queue)
        {
            bail!("--ember-servers must be 1..=100000 and --ember-queue 100..=10000000");
        }
        Ok(Settings {
            connections: self.connections,
            open_connections: self.open_connections,
            warmup: seconds("warmup", self.warmup, 0.0)?,
            duration: seconds("duration", self.duration, 0.1)?,
            open_duration: seconds("open-duration", self.open_duration, 0.1)?,
            timeout: seconds("timeout", self.timeout, 0.1)?,
            update_rate: self.update_rate,
            observers: self.observers,
            rounds: self.rounds,
            custom_accounts: self.custom_accounts,
            ember_servers: self.ember_servers,
            ember_queue: self.ember_queue,
            poll_rate: self.poll_rate,
        })
    }
}

/// The workspace root (this crate is `bench/` in it).
fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf()
}

fn default_backline() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target"));
    target.join("release").join("backline")
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Ceiling { listen }) => ceiling::serve(listen).await,
        Some(Command::AgentLatency {
            commands,
            runs,
            agent,
            backline,
        }) => {
            let release =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release");
            let backline = backline.unwrap_or_else(|| release.join("backline"));
            let agent = agent.unwrap_or_else(|| release.join("backline-agent"));
            agent_latency::report(&backline, &agent, commands, runs).await
        }
        Some(Command::StoreOptions {
            tasks,
            seconds,
            postgres_url,
        }) => {
            store_options::run(
                store_options::Load { tasks, seconds },
                postgres_url.as_deref(),
            )
            .await
        }
        None => run(cli.run).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let settings = args.settings()?;
    let scenarios = if args.scenario.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenario.clone()
    };
    if args.no_sqlite && !args.postgres {
        bail!("--no-sqlite leaves nothing to measure without --postgres");
    }

    let bin = args.backline.clone().unwrap_or_else(default_backline);
    target::check_binary(&bin)?;
    // Only the default binary is built from this workspace's sources.
    let newer = if args.backline.is_none() {
        target::newer_sources(&bin, &workspace_dir().join("crates"))
    } else {
        Vec::new()
    };
    if let Some(first) = newer.first() {
        eprintln!(
            "warning: {} source files are newer than {} (e.g. {}); rebuild with `cargo build --release -p backline-server` to measure them",
            newer.len(),
            bin.display(),
            first.display()
        );
    }
    let body_path = args.body.clone().unwrap_or_else(|| {
        workspace_dir().join("crates/backline-server/tests/data/spectra/update_body.json")
    });
    let template = Arc::new(BodyTemplate::load(&body_path, args.compact_body)?);
    let body_bytes = template
        .render(&BodyValues {
            match_id: "00000000-0000-4000-8000-000000000000",
            group_code: "G00000",
            org_id: "org_00000000000000000000000000",
            round: 10,
            call: Call::Update,
        })
        .len();

    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let ceiling = ceiling::spawn().await.context("cannot start the ceiling")?;
    machine::watch(ceiling.pid);
    eprintln!(
        "ceiling listening on {} (pid {})",
        ceiling.addr, ceiling.pid
    );

    let mut databases = Vec::new();
    if !args.no_sqlite {
        databases.push(false);
    }
    if args.postgres {
        databases.push(true);
    }
    let mut sections = Vec::new();
    for (i, postgres) in databases.into_iter().enumerate() {
        let database = if postgres {
            Database::postgres(&args.postgres_url).await?
        } else {
            Database::sqlite()?
        };
        let run_tag = (started_unix as u32)
            .wrapping_mul(31)
            .wrapping_add(i as u32);
        let measured = run_database(
            &args,
            &bin,
            &database,
            ceiling.addr,
            template.clone(),
            &scenarios,
            settings,
            run_tag,
        );
        // Ctrl-C stops the run but still removes the database (Backline is killed when its
        // process handle is dropped with the run).
        let section = tokio::select! {
            section = measured => section,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        };
        if let Err(e) = database.remove().await {
            eprintln!("warning: could not remove the bench database: {e:#}");
        }
        sections.push(section?);
    }

    let info = RunInfo {
        started_unix,
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        settings,
        body_path: body_path.display().to_string(),
        body_bytes,
        backline_path: bin.display().to_string(),
    };
    let markdown = report::render(&info, &sections);
    println!("{markdown}");
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| workspace_dir().join("bench").join("results"));
    std::fs::create_dir_all(&out_dir)?;
    let file = out_dir.join(format!("run-{started_unix}.md"));
    std::fs::write(&file, &markdown)?;
    eprintln!("report written to {}", file.display());
    Ok(())
}

fn print_pair(p: &nakama::Pair) {
    eprintln!(
        "  Backline {:.0} req/s, ceiling {:.0} req/s ({:.0} %), {} errors",
        p.backline.rate(),
        p.ceiling.rate(),
        100.0 * p.share(),
        p.backline.tally.errors
    );
    for e in p.backline.tally.first_errors.iter().take(2) {
        eprintln!("  error: {e}");
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_database(
    args: &RunArgs,
    bin: &Path,
    database: &Database,
    ceiling: SocketAddr,
    body: Arc<BodyTemplate>,
    scenarios: &[Scenario],
    settings: Settings,
    run_tag: u32,
) -> anyhow::Result<Section> {
    let label = database.label();
    eprintln!("== {label}: set-up through the CLI");
    let mut fixture = target::set_up(bin, database.url()).await?;
    if scenarios.iter().any(|s| s.needs_nakama()) {
        fixture.nakama = Some(target::nakama_set_up(bin, database.url()).await?);
    }

    // Start-up on the existing (set-up) database, measured several times; the last start
    // stays up for the scenarios.
    let mut startups = Vec::new();
    let mut process = loop {
        let process = BacklineProcess::start(bin, database.url()).await?;
        machine::watch(process.pid);
        startups.push(process.started_in);
        eprintln!(
            "{label}: started in {:.1} ms (pid {})",
            process.started_in.as_secs_f64() * 1000.0,
            process.pid
        );
        if startups.len() as u32 >= args.startup_runs.max(1) {
            break process;
        }
        process.stop().await?;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss_kib, _) = process.memory_kib()?;
    eprintln!(
        "{label}: idle resident memory {:.1} MiB",
        idle_rss_kib as f64 / 1024.0
    );

    let sampler = RssSampler::start(process.pid);
    let ctx = Context {
        backline: process.addr,
        ceiling,
        fixture,
        body,
        run_tag,
        settings,
        database_url: database.url().to_owned(),
        postgres: database.is_postgres(),
    };
    let mut section = Section {
        database: label,
        startups,
        idle_rss_kib,
        peak_rss_kib: 0,
        scenario_peaks: Vec::new(),
        validate_key: None,
        match_update: None,
        match_flow: None,
        nakama_http_key: None,
        nakama_session: None,
        nakama_custom_auth: None,
        ember_poll: None,
        unknown_route: None,
        log_lines: 0,
        cpu: None,
    };
    let cpu_before = machine::snapshot();
    for &scenario in scenarios {
        eprintln!("{label}: {} …", scenario.name());
        sampler.take_peak();
        match scenario {
            Scenario::ValidateKey => {
                let c = scenarios::validate_key(&ctx).await;
                eprintln!(
                    "  Backline {:.0} req/s, ceiling {:.0} req/s; open loop at {:.0}/s p99 {:.2} ms (ceiling {:.2} ms)",
                    c.backline.rate(),
                    c.ceiling.rate(),
                    c.backline_open.offered_rate.unwrap_or_default(),
                    c.backline_open.ms(0.99),
                    c.ceiling_open.ms(0.99)
                );
                section.validate_key = Some(c);
            }
            Scenario::MatchUpdate => {
                let c = scenarios::match_update(&ctx).await;
                eprintln!(
                    "  Backline {:.0} updates/s, ceiling {:.0}/s; open loop at {:.0}/s p99 {:.2} ms (ceiling {:.2} ms)",
                    c.backline.rate(),
                    c.ceiling.rate(),
                    c.backline_open.offered_rate.unwrap_or_default(),
                    c.backline_open.ms(0.99),
                    c.ceiling_open.ms(0.99)
                );
                section.match_update = Some(c);
            }
            Scenario::MatchFlow => {
                let f = scenarios::match_flow(&ctx).await;
                eprintln!(
                    "  Backline {:.0} updates/s in {:.2} s, {} errors; ceiling {:.0} updates/s",
                    f.backline.updates_per_second(),
                    f.backline.total.as_secs_f64(),
                    f.backline.errors(),
                    f.ceiling.updates_per_second()
                );
                for e in f.backline.first_errors() {
                    eprintln!("  error: {e}");
                }
                section.match_flow = Some(f);
            }
            Scenario::NakamaHttpKeyRpc => {
                let p = nakama::http_key_rpc(&ctx).await?;
                print_pair(&p);
                section.nakama_http_key = Some(p);
            }
            Scenario::NakamaSessionRpc => {
                let p = nakama::session_rpc(&ctx).await?;
                print_pair(&p);
                section.nakama_session = Some(p);
            }
            Scenario::NakamaCustomAuth => {
                let c = nakama::custom_auth(&ctx).await?;
                eprintln!(
                    "  {} accounts created in {:.1} s",
                    c.accounts,
                    c.created_in.as_secs_f64()
                );
                print_pair(&c.pair);
                section.nakama_custom_auth = Some(c);
            }
            Scenario::EmberPoll => {
                let e = ember::ember_poll(&ctx).await?;
                for run in &e.runs {
                    eprintln!(
                        "  queue {}: Backline {:.0} polls/s; open loop at {:.0}/s p99 {:.2} ms, {} errors",
                        run.queue,
                        run.closed.rate(),
                        run.open.offered_rate.unwrap_or_default(),
                        run.open.ms(0.99),
                        run.closed.tally.errors + run.open.tally.errors
                    );
                    for e in run.closed.tally.first_errors.iter().take(2) {
                        eprintln!("  error: {e}");
                    }
                }
                eprintln!(
                    "  ceiling {:.0} polls/s; open loop p99 {:.2} ms",
                    e.ceiling.rate(),
                    e.ceiling_open.ms(0.99)
                );
                section.ember_poll = Some(e);
            }
            Scenario::UnknownRoute => {
                let p = scenarios::unknown_route(&ctx).await;
                print_pair(&p);
                section.unknown_route = Some(p);
            }
        }
        section
            .scenario_peaks
            .push((scenario.name(), sampler.take_peak()));
        process.check_alive()?;
    }
    drop(sampler);
    section.cpu = machine::share(&cpu_before, &machine::snapshot());
    section.peak_rss_kib = process.memory_kib()?.1;
    section.log_lines = process.log_lines();
    if section.log_lines > 0 {
        eprintln!(
            "{label}: Backline's last log lines:\n{}",
            process.log_tail()
        );
    }
    process.stop().await?;
    Ok(section)
}
