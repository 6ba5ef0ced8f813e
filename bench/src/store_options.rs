//! `backline-bench store-options`: what one SQL statement costs through each way Backline
//! could reach its database, measured in this process with no HTTP around it.
//!
//! The question it answers (issue 9, "a store that does not pay a thread hand-off per
//! statement"): how much of a point read or a small write is sqlx's `Any` driver, how much is
//! sqlx's SQLite worker thread (every statement is handed to the connection's own thread and
//! the answer handed back), and what a connection used inline on the async worker would give.
//!
//! Each option runs `tasks` concurrent tasks on the default multi-threaded runtime for
//! `seconds`, each looping over its statement, and reports statements per second. The table
//! is `kv(key TEXT PRIMARY KEY, value TEXT)` with 1,000 rows in a fresh file (WAL,
//! `synchronous = NORMAL`, as Backline's store) or a fresh PostgreSQL database.

use anyhow::Context as _;
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: usize = 1000;
/// The statements, as sqlx binds them (rusqlite's use `?1`, `?2`).
const READ: &str = "SELECT value FROM kv WHERE key = $1";
const WRITE: &str = "UPDATE kv SET value = $2 WHERE key = $1";

/// Point reads through a sqlx pool of any driver: the pools' types differ, the code does not.
macro_rules! sqlx_point_reads {
    ($load:expr, $pool:expr) => {{
        let pool = $pool.clone();
        drive($load, move |t, i| {
            let pool = pool.clone();
            async move {
                let _: (String,) = sqlx::query_as(READ)
                    .bind(key(t, i))
                    .fetch_one(&pool)
                    .await?;
                Ok(())
            }
        })
        .await?
    }};
}

/// One-row updates through a sqlx pool of any driver.
macro_rules! sqlx_updates {
    ($load:expr, $pool:expr) => {{
        let pool = $pool.clone();
        drive($load, move |t, i| {
            let pool = pool.clone();
            async move {
                sqlx::query(WRITE)
                    .bind(key(t, i))
                    .bind(i.to_string())
                    .execute(&pool)
                    .await?;
                Ok(())
            }
        })
        .await?
    }};
}

/// How long and how wide each option runs.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub tasks: usize,
    pub seconds: f64,
}

/// One measured option.
struct Figure {
    option: &'static str,
    statement: &'static str,
    per_second: f64,
}

/// Runs `tasks` copies of `op` (given the task number and the iteration) for the load's
/// duration and answers the completed operations per second.
async fn drive<F, Fut>(load: Load, op: F) -> anyhow::Result<f64>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for t in 0..load.tasks {
        let (op, stop, done) = (op.clone(), stop.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                op(t, i).await?;
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
                // An inline statement never waits, and a request would: let the runtime's
                // timers and other tasks in, as a handler answering its client does.
                tokio::task::yield_now().await;
            }
            anyhow::Ok(())
        }));
    }
    // A short warm-up, then the measured window.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start_count = done.load(Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(load.seconds)).await;
    let count = done.load(Ordering::Relaxed) - start_count;
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await??;
    }
    let rate = count as f64 / elapsed;
    eprintln!("  {rate:.0} statements/s");
    Ok(rate)
}

fn key(t: usize, i: u64) -> String {
    format!("key-{}", (t as u64 * 7919 + i) % ROWS as u64)
}

fn sqlite_setup(path: &Path) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    )?;
    let tx = conn.unchecked_transaction()?;
    for i in 0..ROWS {
        tx.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2)",
            (format!("key-{i}"), format!("value-{i}")),
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn rusqlite_open(path: &Path) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")?;
    Ok(conn)
}

/// Connections used inline on the async worker threads: a task takes whichever is free
/// (`try_lock` round the pool, then waits on one), runs its statement, gives it back.
struct InlinePool(Vec<Mutex<rusqlite::Connection>>);

impl InlinePool {
    fn with<T>(&self, start: usize, f: impl FnOnce(&rusqlite::Connection) -> T) -> T {
        let n = self.0.len();
        for k in 0..n {
            if let Ok(conn) = self.0[(start + k) % n].try_lock() {
                return f(&conn);
            }
        }
        let conn = self.0[start % n].lock().unwrap_or_else(|e| e.into_inner());
        f(&conn)
    }
}

async fn sqlite_options(load: Load, dir: &Path) -> anyhow::Result<Vec<Figure>> {
    let path = dir.join("store-options.db");
    sqlite_setup(&path)?;
    let url = format!("sqlite://{}", path.display());
    let mut figures = Vec::new();

    sqlx::any::install_default_drivers();
    // The pragmas Backline's store sets on each connection (`sql/mod.rs`), run the way it
    // runs them: one `execute` of the whole string.
    let any_pool = |max: u32| {
        AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor as _;
                    conn.execute(
                        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            })
    };
    let any_read = any_pool(8).connect(&url).await?;
    let any_write = any_pool(1).connect(&url).await?;
    let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(&any_write)
        .await?;
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(&any_write)
        .await?;
    eprintln!(
        "sqlx Any connection after the store's pragmas: synchronous = {sync}, foreign_keys = {fk}"
    );
    let native_options = SqliteConnectOptions::from_str(&url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    let native_read = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(native_options.clone())
        .await?;
    let native_write = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(native_options)
        .await?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let inline_read = Arc::new(InlinePool(
        (0..workers)
            .map(|_| rusqlite_open(&path).map(Mutex::new))
            .collect::<anyhow::Result<_>>()?,
    ));
    let inline_write = Arc::new(InlinePool(vec![Mutex::new(rusqlite_open(&path)?)]));

    figures.push(Figure {
        option: "sqlx `Any` pool (today)",
        statement: "one-row update, autocommit",
        per_second: sqlx_updates!(load, any_write),
    });
    figures.push(Figure {
        option: "sqlx native `SqlitePool`",
        statement: "one-row update, autocommit",
        per_second: sqlx_updates!(load, native_write),
    });
    let pool = inline_write.clone();
    figures.push(Figure {
        option: "rusqlite, inline on the async worker",
        statement: "one-row update, autocommit",
        per_second: drive(load, move |t, i| {
            let pool = pool.clone();
            async move {
                pool.with(0, |c| {
                    c.prepare_cached("UPDATE kv SET value = ?2 WHERE key = ?1")?
                        .execute((key(t, i), i.to_string()))
                })?;
                Ok(())
            }
        })
        .await?,
    });
    figures.push(Figure {
        option: "sqlx `Any` pool (today)",
        statement: "point read",
        per_second: sqlx_point_reads!(load, any_read),
    });
    figures.push(Figure {
        option: "sqlx native `SqlitePool`",
        statement: "point read",
        per_second: sqlx_point_reads!(load, native_read),
    });
    let pool = inline_read.clone();
    figures.push(Figure {
        option: "rusqlite, inline on the async worker",
        statement: "point read",
        per_second: drive(load, move |t, i| {
            let pool = pool.clone();
            async move {
                pool.with(t, |c| {
                    c.prepare_cached("SELECT value FROM kv WHERE key = ?1")?
                        .query_row([key(t, i)], |r| r.get::<_, String>(0))
                })?;
                Ok(())
            }
        })
        .await?,
    });
    let pool = inline_read.clone();
    figures.push(Figure {
        option: "rusqlite, `spawn_blocking` per statement",
        statement: "point read",
        per_second: drive(load, move |t, i| {
            let pool = pool.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    pool.with(t, |c| {
                        c.prepare_cached("SELECT value FROM kv WHERE key = ?1")?
                            .query_row([key(t, i)], |r| r.get::<_, String>(0))
                    })
                })
                .await??;
                Ok(())
            }
        })
        .await?,
    });

    any_read.close().await;
    any_write.close().await;
    native_read.close().await;
    native_write.close().await;
    Ok(figures)
}

async fn postgres_options(load: Load, admin_url: &str) -> anyhow::Result<Vec<Figure>> {
    let database = crate::target::Database::postgres(admin_url).await?;
    let url = database.url().to_owned();
    let result = async {
        let native = PgPoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await?;
        sqlx::query("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .execute(&native)
            .await?;
        sqlx::query(
            "INSERT INTO kv SELECT 'key-' || i, 'value-' || i FROM generate_series(0, 999) i",
        )
        .execute(&native)
        .await?;
        sqlx::any::install_default_drivers();
        let any = AnyPoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await?;
        let any_rate = sqlx_point_reads!(load, any);
        let native_rate = sqlx_point_reads!(load, native);
        any.close().await;
        native.close().await;
        anyhow::Ok(vec![
            Figure {
                option: "PostgreSQL, sqlx `Any` pool (today)",
                statement: "point read",
                per_second: any_rate,
            },
            Figure {
                option: "PostgreSQL, sqlx native `PgPool`",
                statement: "point read",
                per_second: native_rate,
            },
        ])
    }
    .await;
    database.remove().await?;
    result
}

/// Measures every option and prints a Markdown table.
pub async fn run(load: Load, postgres_url: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a temporary directory for the SQLite file")?;
    let mut figures = sqlite_options(load, dir.path()).await?;
    if let Some(url) = postgres_url {
        figures.extend(postgres_options(load, url).await?);
    }
    println!(
        "| option | statement | statements/s ({} tasks, {} s) |",
        load.tasks, load.seconds
    );
    println!("|---|---|---|");
    for f in figures {
        println!("| {} | {} | {:.0} |", f.option, f.statement, f.per_second);
    }
    Ok(())
}
