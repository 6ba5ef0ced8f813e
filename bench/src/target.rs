//! Backline as the bench sees it: a fresh database, the set-up data created through the
//! `backline` CLI, the `serve` process (start-up time, memory, shutdown).

use crate::client::{send_once, RequestSpec};
use anyhow::{bail, Context};
use sqlx::Connection;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

/// The environment every `backline` invocation gets: logs at `warn` so they do not
/// dominate, and no `RUST_LOG` (which would win over the configuration).
fn backline_command(bin: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env("BACKLINE_LOG_LEVEL", "warn")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// Checks that `bin` exists, with the command that builds it when it does not.
pub fn check_binary(bin: &Path) -> anyhow::Result<()> {
    if !bin.is_file() {
        bail!(
            "the Backline release binary is missing: {}\n\
             build it first with `cargo build --release -p backline-server` (or pass --backline PATH)",
            bin.display()
        );
    }
    Ok(())
}

/// Files under `crates/*/{src,migrations}` newer than `bin`: the binary may not be what the
/// sources say (a warning, not an error: another build may be running).
pub fn newer_sources(bin: &Path, crates_dir: &Path) -> Vec<PathBuf> {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return Vec::new();
    };
    let mut newer = Vec::new();
    let mut stack: Vec<PathBuf> = ["backline-domain", "backline-store", "backline-server"]
        .iter()
        .flat_map(|c| {
            [
                crates_dir.join(c).join("src"),
                crates_dir.join(c).join("migrations"),
            ]
        })
        .collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|m| m > built)
            {
                newer.push(path);
            }
        }
    }
    newer
}

/// The database a Backline run uses, created fresh and removed afterwards.
pub enum Database {
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
        admin_url: String,
        name: String,
    },
}

impl Database {
    pub fn sqlite() -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("backline-bench-")
            .tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("backline.db").display());
        Ok(Self::Sqlite { url, _dir: dir })
    }

    /// Creates `backline_bench_<pid>_<ms>` through `admin_url` (a loopback server only).
    pub async fn postgres(admin_url: &str) -> anyhow::Result<Self> {
        let host = url_host(admin_url).context("cannot read the host of the PostgreSQL URL")?;
        if !matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1") {
            bail!("the bench only talks to a PostgreSQL on loopback, not `{host}`");
        }
        let name = format!(
            "backline_bench_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
        );
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {admin_url}"))?;
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(admin_url);
        let url = format!("{base}/{name}");
        Ok(Self::Postgres {
            url,
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }

    /// Removes the database (the SQLite directory goes with the value).
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Self::Postgres {
            admin_url, name, ..
        } = self
        {
            let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
        }
        Ok(())
    }
}

/// `host` or `host:port`-less host of `scheme://[user@]host[:port]/…`.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return host_port.find(']').map(|end| host_port[..=end].to_owned());
    }
    Some(host_port.split(':').next()?.to_owned())
}

/// What the scenarios need from the set-up.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub org_id: String,
    pub access_key: String,
    pub backend_token: String,
    pub stats_token: String,
    /// Set when a Nakama scenario runs.
    pub nakama: Option<NakamaFixture>,
}

/// The Nakama surface's keys, and the user the lookups look up.
#[derive(Clone, Debug)]
pub struct NakamaFixture {
    pub server_key: String,
    pub http_key: String,
    /// `bench-user`, created with a password.
    pub username: String,
}

/// Reads the Nakama keys with `backline --database URL nakama keys --json` (which generates
/// them on a fresh database) and creates `bench-user` with `user create … --json`.
pub async fn nakama_set_up(bin: &Path, database_url: &str) -> anyhow::Result<NakamaFixture> {
    let keys = cli_json(bin, database_url, &["nakama", "keys"]).await?;
    let username = "bench-user";
    cli_json(
        bin,
        database_url,
        &["user", "create", username, "--password", "benchpass1"],
    )
    .await?;
    Ok(NakamaFixture {
        server_key: string_field(&keys, "server_key")?,
        http_key: string_field(&keys, "http_key")?,
        username: username.to_owned(),
    })
}

/// Creates an organisation (supporter until 2030), an access key and the two Spectra tokens
/// with `backline --database URL … --json`.
pub async fn set_up(bin: &Path, database_url: &str) -> anyhow::Result<Fixture> {
    let org = cli_json(
        bin,
        database_url,
        &[
            "org",
            "create",
            "Bench Org",
            "--supporter-until",
            "2030-01-01T00:00:00Z",
        ],
    )
    .await?;
    let org_id = string_field(&org, "id")?;
    let key = cli_json(bin, database_url, &["key", "issue", &org_id]).await?;
    let backend = cli_json(bin, database_url, &["token", "issue", "spectra-backend"]).await?;
    let stats = cli_json(bin, database_url, &["token", "issue", "spectra-stats"]).await?;
    Ok(Fixture {
        access_key: string_field(&key, "access_key")?,
        backend_token: string_field(&backend, "token")?,
        stats_token: string_field(&stats, "token")?,
        org_id,
        nakama: None,
    })
}

fn string_field(value: &serde_json::Value, field: &str) -> anyhow::Result<String> {
    value[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the CLI's JSON has no string `{field}`: {value}"))
}

pub async fn cli_json(
    bin: &Path,
    database_url: &str,
    args: &[&str],
) -> anyhow::Result<serde_json::Value> {
    let output = backline_command(bin)
        .arg("--database")
        .arg(database_url)
        .args(args)
        .arg("--json")
        .output()
        .await
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !output.status.success() {
        bail!(
            "`backline {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "`backline {} --json` did not print one JSON object: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Last lines Backline wrote to stderr, and how many it wrote.
#[derive(Default)]
struct LogTail {
    lines: VecDeque<String>,
    count: u64,
}

/// A running `backline serve`, killed when dropped.
pub struct BacklineProcess {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// From spawning the process to the first 200 from `/healthz`.
    pub started_in: Duration,
    log: Arc<Mutex<LogTail>>,
}

impl BacklineProcess {
    /// Starts `serve --listen 127.0.0.1:0 --database URL`, reads the address it prints and
    /// polls `/healthz` until it answers 200.
    pub async fn start(bin: &Path, database_url: &str) -> anyhow::Result<Self> {
        let spawned_at = Instant::now();
        let mut child = backline_command(bin)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database",
                database_url,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let pid = child.id().context("the process has no id")?;
        let log = Arc::new(Mutex::new(LogTail::default()));
        drain_into(child.stderr.take().expect("stderr is piped"), log.clone());
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let deadline = spawned_at + Duration::from_secs(30);

        let addr = loop {
            let line = tokio::time::timeout_at(deadline, stdout.next_line()).await;
            match line {
                Ok(Ok(Some(line))) => {
                    if let Some(rest) = line.strip_prefix("Backline listening on http://") {
                        break rest.trim().parse::<SocketAddr>()?;
                    }
                }
                Ok(Ok(None)) | Ok(Err(_)) => {
                    let status = child.wait().await?;
                    bail!(
                        "backline serve exited ({status}) before listening:\n{}",
                        tail(&log)
                    );
                }
                Err(_) => bail!(
                    "backline serve printed no address within 30 s:\n{}",
                    tail(&log)
                ),
            }
        };
        // Keep reading stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });

        let health = RequestSpec::get("/healthz");
        loop {
            if let Ok(answer) = send_once(addr, &health, Duration::from_secs(1)).await {
                if answer.status == hyper::StatusCode::OK {
                    break;
                }
            }
            if let Some(status) = child.try_wait()? {
                bail!(
                    "backline serve exited ({status}) before answering /healthz:\n{}",
                    tail(&log)
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "backline serve did not answer /healthz within 30 s:\n{}",
                    tail(&log)
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let started_in = spawned_at.elapsed();
        Ok(Self {
            child,
            pid,
            addr,
            started_in,
            log,
        })
    }

    /// Resident memory now and at its highest so far, in KiB.
    pub fn memory_kib(&self) -> anyhow::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let rss = status_field_kib(&status, "VmRSS:").context("no VmRSS")?;
        let hwm = status_field_kib(&status, "VmHWM:").context("no VmHWM")?;
        Ok((rss, hwm))
    }

    /// Lines Backline wrote to stderr (warnings and errors) so far.
    pub fn log_lines(&self) -> u64 {
        self.log.lock().expect("log lock").count
    }

    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    /// Fails when the process has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "backline serve exited ({status}) during the run:\n{}",
                tail(&self.log)
            );
        }
        Ok(())
    }

    /// SIGTERM, then waits for the graceful shutdown (killed after 15 s).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if sent {
            if let Ok(status) =
                tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await
            {
                status?;
                return Ok(());
            }
        }
        self.child.kill().await?;
        Ok(())
    }
}

fn drain_into(stream: impl AsyncRead + Unpin + Send + 'static, log: Arc<Mutex<LogTail>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut log = log.lock().expect("log lock");
            log.count += 1;
            if log.lines.len() == 20 {
                log.lines.pop_front();
            }
            log.lines.push_back(line);
        }
    });
}

fn tail(log: &Mutex<LogTail>) -> String {
    let log = log.lock().expect("log lock");
    log.lines
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// Samples a process's resident memory every 50 ms and keeps the highest value since the
/// last [`RssSampler::take_peak`].
pub struct RssSampler {
    peak_kib: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let peak_kib = Arc::new(AtomicU64::new(0));
        let peak = peak_kib.clone();
        let path = format!("/proc/{pid}/status");
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tick.tick().await;
                let Ok(status) = std::fs::read_to_string(&path) else {
                    return;
                };
                if let Some(rss) = status_field_kib(&status, "VmRSS:") {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
            }
        });
        Self { peak_kib, task }
    }

    /// The highest sample since the previous call, in KiB.
    pub fn take_peak(&self) -> u64 {
        self.peak_kib.swap(0, Ordering::Relaxed)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_host_reads_the_host_only() {
        assert_eq!(
            url_host("postgres://postgres@127.0.0.1:5432/postgres").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            url_host("postgres://u:p@localhost/db").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            url_host("postgres://[::1]:5432/db").as_deref(),
            Some("[::1]")
        );
        assert_eq!(
            url_host("postgres://db.example.com/x").as_deref(),
            Some("db.example.com")
        );
    }

    #[test]
    fn status_fields_are_read_in_kib() {
        let status = "Name:\tbackline\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_field_kib(status, "VmRSS:"), Some(10240));
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(20480));
    }
}
