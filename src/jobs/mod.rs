//! The durable job queue: jobs live in SQLite (`store::jobs`), a worker pool leases them with a
//! heartbeat, runs each kind with bounded concurrency on blocking threads, retries failures with
//! exponential backoff, and stops a job within one heartbeat when it is cancelled.

mod pool;

pub use pool::{PoolConfig, PoolHandle, WorkerPool};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use crate::store::jobs::{self, NewJob};
use crate::store::{Store, StoreError};

/// What a handler sees of the job it runs.
pub struct JobContext {
    pub id: i64,
    pub payload: serde_json::Value,
    /// 1 on the first run, 2 on the first retry, ...
    pub attempt: i64,
    cancel: Arc<AtomicBool>,
    progress: Arc<AtomicI64>,
}

impl JobContext {
    /// True once the job was cancelled or its lease lost: the handler should stop and return.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The flag itself, for code (such as the transcoder) that polls a shared cancellation flag.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// A function that sets the percent done, for callbacks that must own what they use.
    pub fn progress_setter(&self) -> impl Fn(i64) + Send + Sync + 'static {
        let progress = self.progress.clone();
        move |p| progress.store(p.clamp(0, 100), Ordering::Relaxed)
    }

    /// Percent done, reported with the next heartbeat.
    pub fn set_progress(&self, percent: i64) {
        self.progress
            .store(percent.clamp(0, 100), Ordering::Relaxed);
    }
}

/// How a job ended badly: `Retry` queues it again with backoff while attempts remain,
/// `Permanent` fails it at once (bad input will not get better).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0}")]
    Retry(String),
    #[error("{0}")]
    Permanent(String),
}

/// The work behind one job kind. It runs on a blocking thread: it may do CPU work and file I/O.
pub trait JobHandler: Send + Sync + 'static {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError>;
}

impl<F> JobHandler for F
where
    F: Fn(&JobContext) -> Result<(), JobError> + Send + Sync + 'static,
{
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        self(ctx)
    }
}

/// Queues a job (in its own transaction); with a unique key a live duplicate is not queued twice.
pub fn push(store: &Store, job: NewJob) -> Result<i64, StoreError> {
    store.write_blocking(|tx| jobs::push(tx, &job))
}
