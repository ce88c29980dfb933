//! The worker pool: polls the queue, leases jobs of each registered kind up to its concurrency,
//! runs them on blocking threads, keeps their leases alive, and records the outcome.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use super::{JobContext, JobError, JobHandler};
use crate::store::jobs::{self, JobRow};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How long a lease lasts without a heartbeat; a crashed worker's job is reclaimed after it.
    pub lease: Duration,
    pub heartbeat: Duration,
    /// How often the queue is polled when nobody calls `PoolHandle::wake`.
    pub poll: Duration,
    /// First retry delay; doubles with each attempt, capped at one hour.
    pub backoff: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_secs(2),
            backoff: Duration::from_secs(10),
        }
    }
}

struct Kind {
    handler: Arc<dyn JobHandler>,
    concurrency: usize,
    running: Arc<AtomicUsize>,
}

pub struct WorkerPool {
    store: Store,
    config: PoolConfig,
    kinds: HashMap<String, Kind>,
    owner: String,
}

/// Handle to a started pool: wake it when a job was pushed, stop it at shutdown.
#[derive(Clone)]
pub struct PoolHandle {
    notify: Arc<Notify>,
    stopping: Arc<AtomicBool>,
    /// Cancellation flags of the jobs running now (finished ones are pruned at each lease).
    cancels: Arc<std::sync::Mutex<Vec<Arc<AtomicBool>>>>,
    /// Jobs between lease and recorded outcome, all kinds together.
    active: Arc<AtomicUsize>,
}

impl PoolHandle {
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Stops leasing new jobs; running jobs are told to stop through their cancellation flag
    /// and are put back in the queue, so the next start picks them up at once.
    ///
    /// The flags are set here, not by the polling task: at shutdown that task may never be
    /// polled again, and a transcode that was never told would hold the runtime (which waits
    /// for its blocking threads) until the whole ladder is encoded.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Ok(list) = self.cancels.lock() {
            for c in list.iter() {
                c.store(true, Ordering::SeqCst);
            }
        }
        self.notify.notify_one();
    }

    /// `stop`, then waits up to `grace` for the running jobs to notice and record that they
    /// stopped (their leases released, so the next start resumes them at once instead of after
    /// the lease expires).
    pub async fn stop_and_wait(&self, grace: Duration) {
        self.stop();
        let deadline = tokio::time::Instant::now() + grace;
        while self.active.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl WorkerPool {
    pub fn new(store: Store, config: PoolConfig) -> WorkerPool {
        WorkerPool {
            store,
            config,
            kinds: HashMap::new(),
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
        }
    }

    /// Registers the handler of `kind`, running at most `concurrency` of its jobs at once.
    pub fn register(&mut self, kind: &str, concurrency: usize, handler: Arc<dyn JobHandler>) {
        self.kinds.insert(
            kind.to_string(),
            Kind {
                handler,
                concurrency: concurrency.max(1),
                running: Arc::new(AtomicUsize::new(0)),
            },
        );
    }

    /// Starts polling on the current tokio runtime.
    pub fn start(self) -> PoolHandle {
        let handle = PoolHandle {
            notify: Arc::new(Notify::new()),
            stopping: Arc::new(AtomicBool::new(false)),
            cancels: Arc::default(),
            active: Arc::new(AtomicUsize::new(0)),
        };
        let h = handle.clone();
        tokio::spawn(async move { self.run(h).await });
        handle
    }

    async fn run(self, handle: PoolHandle) {
        let cancels = handle.cancels.clone();
        while !handle.stopping.load(Ordering::SeqCst) {
            for (name, kind) in &self.kinds {
                while kind.running.load(Ordering::SeqCst) < kind.concurrency {
                    let leased = {
                        let (name, owner, lease) =
                            (name.clone(), self.owner.clone(), self.config.lease);
                        self.store
                            .write(move |tx| jobs::lease(tx, &name, &owner, lease))
                            .await
                    };
                    match leased {
                        Ok(Some(job)) => {
                            kind.running.fetch_add(1, Ordering::SeqCst);
                            handle.active.fetch_add(1, Ordering::SeqCst);
                            let cancel = Arc::new(AtomicBool::new(false));
                            if let Ok(mut list) = cancels.lock() {
                                list.retain(|c| Arc::strong_count(c) > 1);
                                list.push(cancel.clone());
                            }
                            // Leased while `stop` ran: stop at once, like the others.
                            if handle.stopping.load(Ordering::SeqCst) {
                                cancel.store(true, Ordering::SeqCst);
                            }
                            tokio::spawn(run_job(
                                self.store.clone(),
                                self.config.clone(),
                                self.owner.clone(),
                                job,
                                kind.handler.clone(),
                                [kind.running.clone(), handle.active.clone()],
                                cancel,
                                handle.notify.clone(),
                            ));
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::error!(error = %e, kind = %name, "cannot lease a job");
                            break;
                        }
                    }
                }
            }
            let _ = tokio::time::timeout(self.config.poll, handle.notify.notified()).await;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_job(
    store: Store,
    config: PoolConfig,
    owner: String,
    job: JobRow,
    handler: Arc<dyn JobHandler>,
    running: [Arc<AtomicUsize>; 2],
    cancel: Arc<AtomicBool>,
    notify: Arc<Notify>,
) {
    let progress = Arc::new(AtomicI64::new(job.progress));
    let ctx = JobContext {
        id: job.id,
        payload: serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null),
        attempt: job.attempts,
        cancel: cancel.clone(),
        progress: progress.clone(),
    };
    tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, "job started");
    let started = std::time::Instant::now();
    let mut work = tokio::task::spawn_blocking(move || {
        let result = handler.run(&ctx);
        (result, ctx.is_cancelled())
    });
    let mut beat = tokio::time::interval(config.heartbeat);
    beat.tick().await;
    let outcome = loop {
        tokio::select! {
            done = &mut work => break done,
            _ = beat.tick() => {
                let (id, owner, lease, pct) = (job.id, owner.clone(), config.lease, progress.load(Ordering::Relaxed));
                match store.write(move |tx| jobs::heartbeat(tx, id, &owner, lease, pct)).await {
                    Ok(true) => {}
                    Ok(false) => cancel.store(true, Ordering::SeqCst),
                    Err(e) => tracing::warn!(job = job.id, error = %e, "heartbeat failed"),
                }
            }
        }
    };
    let (id, attempts) = (job.id, job.attempts);
    let outcome_label = match &outcome {
        Ok((_, true)) => "cancelled",
        Ok((Ok(()), false)) => "completed",
        _ => "failed",
    };
    crate::metrics::metrics().job_finished(&job.kind, outcome_label, started.elapsed());
    let backoff = config
        .backoff
        .saturating_mul(1u32 << (attempts.clamp(1, 12) - 1))
        .min(Duration::from_secs(3600));
    let recorded: Result<(), StoreError> = match outcome {
        Ok((_, true)) => {
            tracing::info!(job = id, "job stopped after cancellation");
            // A cancelled job is already marked and a lost lease is someone else's: release
            // changes only a job this worker still holds (stopped at shutdown).
            store
                .write(move |tx| jobs::release(tx, id, &owner).map(|_| ()))
                .await
        }
        Ok((Ok(()), false)) => {
            tracing::info!(job = id, kind = %job.kind, "job completed");
            store
                .write(move |tx| jobs::complete(tx, id, &owner).map(|_| ()))
                .await
        }
        Ok((Err(e), false)) => {
            let permanent = matches!(e, JobError::Permanent(_));
            tracing::warn!(job = id, kind = %job.kind, error = %e, permanent, "job failed");
            let message = e.to_string();
            store
                .write(move |tx| {
                    jobs::fail(tx, id, &owner, &message, backoff, permanent).map(|_| ())
                })
                .await
        }
        Err(join) => {
            // A panic in a handler is a bug; record it as a failure instead of losing the job.
            tracing::error!(job = id, error = %join, "job handler panicked");
            let message = format!("internal error: {join}");
            store
                .write(move |tx| jobs::fail(tx, id, &owner, &message, backoff, false).map(|_| ()))
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job = id, error = %e, "cannot record the job's outcome");
    }
    for counter in &running {
        counter.fetch_sub(1, Ordering::SeqCst);
    }
    notify.notify_one();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::jobs::NewJob;
    use std::sync::Mutex;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3"), 2).unwrap();
        (dir, store)
    }

    fn fast() -> PoolConfig {
        PoolConfig {
            lease: Duration::from_millis(400),
            heartbeat: Duration::from_millis(100),
            poll: Duration::from_millis(20),
            backoff: Duration::from_millis(50),
        }
    }

    fn job(kind: &str) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload: "{\"n\": 1}".into(),
            max_attempts: 3,
            ..Default::default()
        }
    }

    async fn wait_state(store: &Store, id: i64, state: &str) -> JobRow {
        for _ in 0..300 {
            let row = store
                .read(move |c| jobs::get(c, id))
                .await
                .unwrap()
                .unwrap();
            if row.state == state {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {id} never reached {state}");
    }

    #[test]
    fn unique_keys_dedupe_live_jobs_and_priority_orders_leases() {
        let (_d, store) = store();
        let keyed = NewJob {
            unique_key: Some("video:1:remux".into()),
            ..job("k")
        };
        let a = crate::jobs::push(&store, keyed.clone()).unwrap();
        assert_eq!(crate::jobs::push(&store, keyed.clone()).unwrap(), a);
        let urgent = crate::jobs::push(
            &store,
            NewJob {
                priority: 10,
                ..job("k")
            },
        )
        .unwrap();
        let first = store
            .write_blocking(|tx| jobs::lease(tx, "k", "w", Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(first.id, urgent);
        assert_eq!(first.attempts, 1);
        let second = store
            .write_blocking(|tx| jobs::lease(tx, "k", "w", Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(second.id, a);
        assert!(
            store
                .write_blocking(|tx| jobs::lease(tx, "k", "w", Duration::from_secs(5)))
                .unwrap()
                .is_none()
        );
        store
            .write_blocking(|tx| jobs::complete(tx, a, "w"))
            .unwrap();
        // The key is free once the job is finished.
        assert_ne!(crate::jobs::push(&store, keyed).unwrap(), a);
    }

    /// A running job that gave up its key (a host's deliveries, finding its queue empty) no
    /// longer absorbs the next push: that push queues a job of its own, and the first one
    /// still completes.
    #[test]
    fn a_released_key_lets_the_next_push_queue_a_new_job() {
        let (_d, store) = store();
        let keyed = NewJob {
            unique_key: Some("deliver:example.org".into()),
            ..job("k")
        };
        let a = crate::jobs::push(&store, keyed.clone()).unwrap();
        let lease =
            |tx: &rusqlite::Transaction<'_>| jobs::lease(tx, "k", "w", Duration::from_secs(5));
        assert_eq!(store.write_blocking(lease).unwrap().unwrap().id, a);
        assert_eq!(crate::jobs::push(&store, keyed.clone()).unwrap(), a);
        store.write_blocking(|tx| jobs::release_key(tx, a)).unwrap();
        let b = crate::jobs::push(&store, keyed.clone()).unwrap();
        assert_ne!(b, a);
        assert_eq!(crate::jobs::push(&store, keyed).unwrap(), b);
        assert!(
            store
                .write_blocking(|tx| jobs::complete(tx, a, "w"))
                .unwrap()
        );
        assert_eq!(store.write_blocking(lease).unwrap().unwrap().id, b);
    }

    #[test]
    fn stale_leases_are_reclaimed() {
        let (_d, store) = store();
        let id = crate::jobs::push(&store, job("k")).unwrap();
        let taken = store
            .write_blocking(|tx| jobs::lease(tx, "k", "dead-worker", Duration::from_millis(1)))
            .unwrap();
        assert_eq!(taken.unwrap().id, id);
        std::thread::sleep(Duration::from_millis(20));
        let reclaimed = store
            .write_blocking(|tx| jobs::lease(tx, "k", "alive", Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(reclaimed.id, id);
        assert_eq!(reclaimed.attempts, 2);
        // The dead worker can no longer report anything for it.
        assert!(
            !store
                .write_blocking(|tx| jobs::complete(tx, id, "dead-worker"))
                .unwrap()
        );
        assert!(
            !store
                .write_blocking(|tx| jobs::heartbeat(
                    tx,
                    id,
                    "dead-worker",
                    Duration::from_secs(1),
                    5
                ))
                .unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pool_runs_retries_and_fails_with_the_error_text() {
        let (_d, store) = store();
        let mut pool = WorkerPool::new(store.clone(), fast());
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        pool.register(
            "flaky",
            1,
            Arc::new(move |ctx: &JobContext| {
                let n = c.fetch_add(1, Ordering::SeqCst);
                assert_eq!(ctx.payload["n"], 1);
                if n == 0 {
                    Err(JobError::Retry("first try fails".into()))
                } else {
                    Ok(())
                }
            }),
        );
        pool.register(
            "broken",
            1,
            Arc::new(|_: &JobContext| Err(JobError::Retry("disk on fire".into()))),
        );
        pool.register(
            "bad-input",
            1,
            Arc::new(|_: &JobContext| Err(JobError::Permanent("not a video".into()))),
        );
        let handle = pool.start();
        let flaky = crate::jobs::push(&store, job("flaky")).unwrap();
        let broken = crate::jobs::push(&store, job("broken")).unwrap();
        let bad = crate::jobs::push(&store, job("bad-input")).unwrap();
        handle.wake();
        let done = wait_state(&store, flaky, "completed").await;
        assert_eq!(done.attempts, 2);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let failed = wait_state(&store, broken, "failed").await;
        assert_eq!(failed.attempts, 3);
        assert_eq!(failed.error.as_deref(), Some("disk on fire"));
        let failed = wait_state(&store, bad, "failed").await;
        assert_eq!(failed.attempts, 1, "permanent errors are not retried");
        // Retry by hand puts it back in the queue.
        assert!(store.write_blocking(|tx| jobs::retry(tx, broken)).unwrap());
        wait_state(&store, broken, "failed").await;
        handle.stop();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrency_is_bounded_and_cancellation_stops_running_jobs() {
        let (_d, store) = store();
        let mut pool = WorkerPool::new(store.clone(), fast());
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let seen_cancel = Arc::new(Mutex::new(Vec::new()));
        let (r, p, s) = (running.clone(), peak.clone(), seen_cancel.clone());
        pool.register(
            "slow",
            2,
            Arc::new(move |ctx: &JobContext| {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                for i in 0..40 {
                    if ctx.is_cancelled() {
                        s.lock().unwrap().push(ctx.id);
                        r.fetch_sub(1, Ordering::SeqCst);
                        return Ok(());
                    }
                    ctx.set_progress(i * 2);
                    std::thread::sleep(Duration::from_millis(10));
                }
                r.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }),
        );
        let handle = pool.start();
        let ids: Vec<i64> = (0..5)
            .map(|_| crate::jobs::push(&store, job("slow")).unwrap())
            .collect();
        let doomed = crate::jobs::push(
            &store,
            NewJob {
                subject: Some("video:9".into()),
                priority: 100,
                ..job("slow")
            },
        )
        .unwrap();
        handle.wake();
        wait_state(&store, doomed, "running").await;
        store
            .write_blocking(|tx| jobs::cancel_subject(tx, "video:9"))
            .unwrap();
        for id in &ids {
            wait_state(&store, *id, "completed").await;
        }
        assert!(
            peak.load(Ordering::SeqCst) <= 2,
            "at most 2 at once, saw {}",
            peak.load(Ordering::SeqCst)
        );
        assert_eq!(
            wait_state(&store, doomed, "cancelled").await.state,
            "cancelled"
        );
        assert!(
            seen_cancel.lock().unwrap().contains(&doomed),
            "the running job saw its cancellation"
        );
        handle.stop();
    }
}
