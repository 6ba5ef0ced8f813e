//! `backline-bench agent-latency`: how long a command takes from `POST /admin/v1/actions` to
//! its arrival at the game's console, through `backline serve` (release) and `backline-agent
//! run` (release) polling every second, with a Source RCON console written here that notes
//! when each command arrives.
//!
//! Commands are queued one at a time at random moments (0.2 to 0.7 s apart), so they land
//! anywhere in the poll interval: the latency is mostly the wait for the next poll (uniform
//! over the interval), plus the poll, the journal's fsync and the RCON round trip.

use crate::client::{send_once, RequestSpec};
use crate::target::{cli_json, BacklineProcess, Database};
use anyhow::{bail, Context};
use bytes::Bytes;
use hdrhistogram::Histogram;
use hyper::{Method, StatusCode};
use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const PASSWORD: &str = "bench-rcon";

/// One run's latencies, in microseconds.
pub struct RunResult {
    pub latencies: Histogram<u64>,
}

/// Arrival times of commands at the console, by command text.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn read_packet(stream: &mut TcpStream) -> Option<(i32, i32, Vec<u8>)> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).await.ok()?;
    let size = usize::try_from(i32::from_le_bytes(size)).ok()?;
    if !(10..=4106).contains(&size) {
        return None;
    }
    let mut rest = vec![0u8; size];
    stream.read_exact(&mut rest).await.ok()?;
    let id = i32::from_le_bytes(rest[0..4].try_into().ok()?);
    let kind = i32::from_le_bytes(rest[4..8].try_into().ok()?);
    Some((id, kind, rest[8..size - 2].to_vec()))
}

fn packet(id: i32, kind: i32, body: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(body.len() + 14);
    bytes.extend_from_slice(
        &i32::try_from(body.len() + 10)
            .unwrap_or(i32::MAX)
            .to_le_bytes(),
    );
    bytes.extend_from_slice(&id.to_le_bytes());
    bytes.extend_from_slice(&kind.to_le_bytes());
    bytes.extend_from_slice(body);
    bytes.extend_from_slice(b"\0\0");
    bytes
}

/// A Source RCON console with no players that notes when each command arrives.
async fn console(listener: TcpListener, arrivals: Arrivals) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            let Some((id, _, body)) = read_packet(&mut stream).await else {
                return;
            };
            let ok = body == PASSWORD.as_bytes();
            let mut login = packet(id, 0, b"");
            login.extend(packet(if ok { id } else { -1 }, 2, b""));
            if stream.write_all(&login).await.is_err() || !ok {
                return;
            }
            while let Some((id, kind, body)) = read_packet(&mut stream).await {
                let mut answer = Vec::new();
                if kind == 2 {
                    let command = String::from_utf8_lossy(&body).into_owned();
                    let text = if command == "status" {
                        "hostname: bench\nplayers : 0 humans, 0 bots (24 max)\n".to_owned()
                    } else {
                        arrivals
                            .lock()
                            .expect("arrivals")
                            .insert(command.clone(), Instant::now());
                        format!("ran: {command}\n")
                    };
                    answer.extend(packet(id, 0, text.as_bytes()));
                } else {
                    answer.extend(packet(id, 0, b""));
                    answer.extend(packet(id, 0, &[0, 1, 0, 0]));
                }
                if stream.write_all(&answer).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// One run: a fresh SQLite database, Backline, the console and the agent; `commands`
/// commands queued and timed.
pub async fn run(backline: &Path, agent: &Path, commands: usize) -> anyhow::Result<RunResult> {
    let database = Database::sqlite()?;
    let url = database.url().to_owned();
    let server = cli_json(
        backline,
        &url,
        &[
            "server",
            "create",
            "Bench",
            "--game",
            "gmod",
            "--poll-interval",
            "1",
        ],
    )
    .await?;
    let server_id = server["id"].as_str().context("a server id")?.to_owned();
    let server_token = server["token"]
        .as_str()
        .context("a server token")?
        .to_owned();
    let admin = cli_json(
        backline,
        &url,
        &["admin-token", "issue", "bench-agent", "--role", "owner"],
    )
    .await?;
    let admin_token = admin["token"]
        .as_str()
        .context("an admin token")?
        .to_owned();
    let process = BacklineProcess::start(backline, &url).await?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let console_address = listener.local_addr()?;
    let arrivals: Arrivals = Arc::default();
    let console_task = tokio::spawn(console(listener, arrivals.clone()));
    let state = tempfile::tempdir()?;
    let mut agent_process = tokio::process::Command::new(agent)
        .arg("run")
        .env("BACKLINE_AGENT_URL", format!("http://{}", process.addr))
        .env("BACKLINE_AGENT_TOKEN", &server_token)
        .env("BACKLINE_AGENT_PROTOCOL", "source")
        .env("BACKLINE_AGENT_GAME", "gmod")
        .env("BACKLINE_AGENT_RCON_ADDRESS", console_address.to_string())
        .env("BACKLINE_AGENT_RCON_PASSWORD", PASSWORD)
        .env("BACKLINE_AGENT_STATE_DIR", state.path())
        .env("BACKLINE_AGENT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", agent.display()))?;

    // Let the agent settle into its 1 s rhythm.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut latencies = Histogram::<u64>::new(3)?;
    let mut queued_at = Vec::with_capacity(commands);
    for i in 0..commands {
        let pause = 200 + rand_millis(500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let text = format!("say bench {i}");
        let body = serde_json::json!({"server": server_id, "type": "command", "text": text});
        let spec = RequestSpec::with_body(
            Method::POST,
            "/admin/v1/actions",
            Bytes::from(serde_json::to_vec(&body)?),
        )
        .header("authorization", &format!("Bearer {admin_token}"))
        .expecting(StatusCode::CREATED);
        let started = Instant::now();
        let answer = send_once(process.addr, &spec, Duration::from_secs(5)).await?;
        if answer.status != StatusCode::CREATED {
            bail!("queueing answered {}", answer.status);
        }
        queued_at.push((text, started));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let arrived = arrivals.lock().expect("arrivals").len();
        if arrived >= commands {
            break;
        }
        if Instant::now() > deadline {
            bail!("only {arrived} of {commands} commands reached the console");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    {
        let arrivals = arrivals.lock().expect("arrivals");
        for (text, started) in &queued_at {
            let arrived = arrivals.get(text).context("an arrival")?;
            let micros = arrived.saturating_duration_since(*started).as_micros();
            latencies.record(u64::try_from(micros).unwrap_or(u64::MAX))?;
        }
    }
    agent_process.start_kill()?;
    let _ = agent_process.wait().await;
    console_task.abort();
    process.stop().await?;
    database.remove().await?;
    Ok(RunResult { latencies })
}

/// A pseudo-random number of milliseconds below `below` (the clock's nanoseconds: enough to
/// spread the queueing moments over the poll interval).
fn rand_millis(below: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    (nanos / 1000) % below
}

/// Runs `runs` runs and prints each run's p50, p99 and max, and their medians, as Markdown.
pub async fn report(
    backline: &Path,
    agent: &Path,
    commands: usize,
    runs: usize,
) -> anyhow::Result<()> {
    crate::target::check_binary(backline)?;
    if !agent.is_file() {
        bail!(
            "the agent's release binary is missing: {}\nbuild it with `cargo build --release -p backline-agent`",
            agent.display()
        );
    }
    let mut rows = Vec::new();
    for run_index in 0..runs {
        eprintln!(
            "agent-latency: run {} of {runs} ({commands} commands)",
            run_index + 1
        );
        let result = run(backline, agent, commands).await?;
        let ms = |q: f64| result.latencies.value_at_quantile(q) as f64 / 1000.0;
        rows.push((ms(0.5), ms(0.99), result.latencies.max() as f64 / 1000.0));
    }
    println!("| run | commands | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    for (i, (p50, p99, max)) in rows.iter().enumerate() {
        println!(
            "| {} | {commands} | {p50:.0} | {p99:.0} | {max:.0} |",
            i + 1
        );
    }
    let median = |pick: fn(&(f64, f64, f64)) -> f64| {
        let mut values: Vec<f64> = rows.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    println!(
        "| median | | {:.0} | {:.0} | {:.0} |",
        median(|r| r.0),
        median(|r| r.1),
        median(|r| r.2)
    );
    Ok(())
}
