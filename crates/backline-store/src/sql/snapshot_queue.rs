//! Group commit for match snapshots.
//!
//! Spectra sends a 20 KB snapshot per round per observer, and many observers at once. Each
//! write on its own costs a transaction and a commit (and on SQLite, a hand-off to sqlx's
//! worker thread per statement). Instead, calls queue their snapshot (and its event) here,
//! and one task per store writes whatever is waiting, up to [`MAX_GROUP`], in one
//! transaction ([`write_together`]), then answers each caller. A lone call is written at
//! once: the task never waits for a group to fill, it takes what queued while the previous
//! group was being written.
//!
//! What an answer means is unchanged: `Ok` only after the commit that holds the write, under
//! the configured `synchronous` mode. When a group fails, its writes are retried one by one,
//! each in its own transaction, so a write that cannot be stored fails alone and nobody is
//! told `Ok` for a write that was rolled back. When the database is unavailable, nobody's
//! write is at fault: the whole group is answered unavailable at once.

use super::snapshot_writes::write_together;
use super::Backend;
use crate::traits::SnapshotWrite;
use crate::{StoreError, StoreResult};
use backline_domain::events::{EventId, NewEvent};
use sqlx::AnyPool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction. Larger groups commit less often but make each caller in
/// them wait for every other's rows.
const MAX_GROUP: usize = 64;

/// One caller's write and where its answer goes.
struct Job {
    write: SnapshotWrite,
    event: NewEvent,
    answer: oneshot::Sender<StoreResult<EventId>>,
}

/// How much grouping happened: groups taken from the queue and the writes in them (a group
/// retried one by one still counts once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotGroups {
    pub groups: u64,
    pub writes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    groups: AtomicU64,
    writes: AtomicU64,
}

/// The queue in front of the writing task of one store (shared by its clones).
pub(super) struct SnapshotQueue {
    pool: AnyPool,
    backend: Backend,
    counters: Arc<Counters>,
    /// Started by the first write, on the runtime of that write, so that a store connected
    /// outside a runtime (or in one that ends before use) still works.
    jobs: OnceLock<mpsc::UnboundedSender<Job>>,
}

impl std::fmt::Debug for SnapshotQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotQueue")
            .field("backend", &self.backend)
            .field("started", &self.jobs.get().is_some())
            .finish()
    }
}

impl SnapshotQueue {
    pub(super) fn new(pool: AnyPool, backend: Backend) -> Self {
        Self {
            pool,
            backend,
            counters: Arc::default(),
            jobs: OnceLock::new(),
        }
    }

    pub(super) fn groups(&self) -> SnapshotGroups {
        SnapshotGroups {
            groups: self.counters.groups.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    /// Records `write` and appends `event` with whatever other writes are waiting; answers
    /// once the transaction holding them committed (or failed).
    pub(super) async fn record(
        &self,
        write: SnapshotWrite,
        event: NewEvent,
    ) -> StoreResult<EventId> {
        let (answer, answered) = oneshot::channel();
        let job = Job {
            write,
            event,
            answer,
        };
        let jobs = self.jobs.get_or_init(|| self.start());
        if let Err(mpsc::error::SendError(job)) = jobs.send(job) {
            // The task is gone with the runtime it ran on: write this one here.
            write_group(&self.pool, self.backend, vec![job]).await;
        }
        // The task answers every job it takes; no answer means it stopped mid-group.
        answered
            .await
            .unwrap_or(Err(StoreError::Unavailable(sqlx::Error::WorkerCrashed)))
    }

    fn start(&self) -> mpsc::UnboundedSender<Job> {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Job>();
        let (pool, backend, counters) = (self.pool.clone(), self.backend, self.counters.clone());
        // Ends when the last clone of the store (and so the sender) is dropped.
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(MAX_GROUP);
            while receiver.recv_many(&mut group, MAX_GROUP).await > 0 {
                counters.groups.fetch_add(1, Ordering::Relaxed);
                counters
                    .writes
                    .fetch_add(group.len() as u64, Ordering::Relaxed);
                write_group(&pool, backend, std::mem::take(&mut group)).await;
            }
        });
        sender
    }
}

/// Writes `jobs` in one transaction and answers them; if that fails, writes each alone.
async fn write_group(pool: &AnyPool, backend: Backend, jobs: Vec<Job>) {
    let mut writes = Vec::with_capacity(jobs.len());
    let mut events = Vec::with_capacity(jobs.len());
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        writes.push(job.write);
        events.push(job.event);
        answers.push(job.answer);
    }
    match write_together(pool, backend, &writes, &events).await {
        Ok(ids) => answer_all(answers, ids),
        Err(e) if answers.len() == 1 => {
            let _ = answers.pop().expect("one answer").send(Err(e));
        }
        Err(e) if e.is_unavailable() => {
            // The database cannot be used: no write is at fault, and retrying each would
            // make every caller wait out the outage once per write ahead of it.
            let message = e.to_string();
            let mut answers = answers.into_iter();
            let _ = answers.next().expect("answers").send(Err(e));
            for answer in answers {
                let copy = sqlx::Error::Io(std::io::Error::other(message.clone()));
                let _ = answer.send(Err(StoreError::Unavailable(copy)));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, writes = writes.len(),
                "a group of match snapshots failed; writing them one at a time");
            for (i, answer) in answers.into_iter().enumerate() {
                let alone = write_together(pool, backend, &writes[i..=i], &events[i..=i]).await;
                match alone {
                    Ok(ids) => answer_all(vec![answer], ids),
                    Err(e) => {
                        let _ = answer.send(Err(e));
                    }
                }
            }
        }
    }
}

/// Answers each caller with its event's id (a caller left without one sees the writer as
/// stopped, never a success).
fn answer_all(answers: Vec<oneshot::Sender<StoreResult<EventId>>>, ids: Vec<EventId>) {
    for (answer, id) in answers.into_iter().zip(ids) {
        // A caller that gave up (its request was dropped) no longer listens; its write stands.
        let _ = answer.send(Ok(id));
    }
}
