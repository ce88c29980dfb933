//! `kinora serve`: opens the store, makes sure the OAuth client and an administrator exist,
//! binds the listener, runs the HTTP server and background upkeep, and shuts down cleanly.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

use crate::app::AppState;
use crate::config::Config;
use crate::domain::instance_settings;
use crate::domain::processing::{Pipeline, ProcessVideo, TRANSCODE_JOB, TranscodeVideo};
use crate::domain::users::{self, NewUserRequest};
use crate::domain::videos;
use crate::domain::{auth, roles};
use crate::jobs::{PoolConfig, WorkerPool};
use crate::store::{Store, tokens, users as user_rows};
use crate::tls::Renewal;

/// Name of the administrator created on first start, as PeerTube names it.
pub const FIRST_ADMIN: &str = "root";

/// Creates the first administrator when the database has no user; returns its password.
/// How long a stopping server waits for running jobs to put themselves back in the queue.
const JOB_STOP_GRACE: Duration = Duration::from_secs(10);

pub fn ensure_admin(store: &Store, config: &Config) -> anyhow::Result<Option<String>> {
    if store.read_blocking(user_rows::count)? > 0 {
        return Ok(None);
    }
    let password = auth::generate_password();
    users::create_blocking(
        store,
        NewUserRequest {
            username: FIRST_ADMIN.into(),
            email: Some(format!(
                "admin@{}",
                config
                    .public_host()
                    .split(':')
                    .next()
                    .unwrap_or("localhost")
            )),
            password: password.clone(),
            role: roles::ADMIN,
            video_quota: -1,
            video_quota_daily: -1,
            display_name: None,
            channel_name: None,
            channel_display_name: None,
        },
    )?;
    Ok(Some(password))
}

/// Holds an exclusive lock on `<data>/kinora.lock` for the life of the server, so two servers
/// never share a data directory (backups and most admin commands do not take it;
/// `admin fsck --repair` does).
pub fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join("kinora.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            anyhow::bail!("another `kinora serve` is already using {}", dir.display())
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(anyhow::Error::new(e).context(format!("cannot lock {}", path.display())))
        }
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub fn run(mut config: Config) -> anyhow::Result<()> {
    // Created private (0750 less the umask): it holds the database and the TLS keys.
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o750)
        .create(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let _lock = lock_data_dir(&config.data_dir)?;
    let store = Store::open(&config.database_path(), config.db_readers)
        .with_context(|| format!("cannot open database {}", config.database_path().display()))?;
    if !crate::media::SIMD_ASSEMBLY {
        tracing::info!(
            "built without the codecs' SIMD assembly: AV1 encoding takes about 3x the CPU time \
             (build with --features asm, which needs nasm on x86_64)"
        );
    }
    // The lock proves no other server runs here: jobs left running were a crashed process's.
    let orphans = store.write_blocking(|tx| crate::store::jobs::requeue_running(tx))?;
    if orphans > 0 {
        tracing::info!(
            jobs = orphans,
            "requeued jobs interrupted by the previous stop"
        );
    }
    // Work directories of passes a crash interrupted: their jobs start again from scratch.
    let paths = videos::VideoPaths {
        data_dir: config.data_dir.clone(),
    };
    let swept = paths.remove_work_dirs();
    if swept > 0 {
        tracing::info!(directories = swept, "removed unfinished processing work");
    }
    let listener = TcpListener::bind(config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let redirect_listener = match config.redirect_listen.resolve(config.tls.enabled()) {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .with_context(|| format!("cannot listen on {addr} (redirect_listen)"))?,
        ),
        None => None,
    };
    config.finalize_public_url(listener.local_addr()?);
    let tls = crate::tls::setup(&config).context("cannot set up TLS")?;
    auth::ensure_local_client(&store)?;
    let admin_password = ensure_admin(&store, &config)?;

    let banner = Banner {
        url: config.public_url(),
        listen: config.listen,
        tls: tls.is_some(),
        redirect: match &redirect_listener {
            Some(l) => Some(l.local_addr()?),
            None => None,
        },
        admin_password,
    };
    let domain = config.tls.domain.clone().unwrap_or_default();
    // Settings administrators changed at run time are layered over file, environment and flags.
    let base = config.clone();
    let config = instance_settings::load_blocking(&store, &base)
        .context("cannot read the instance settings")?;
    let mut state = AppState::new(config, store.clone())?;
    state.live = instance_settings::LiveConfig::new(base, (*state.config).clone());
    state.tls_status = tls.as_ref().map(|t| t.status.clone());
    // Told at every start (and by `kinora doctor`), since uploads would fail one by one.
    for problem in crate::ops::doctor::split_storage(&state.config.data_dir) {
        tracing::error!("{problem}");
    }
    // AV1 uploads get lower rungs and thumbnails from a decoder in a child process, so a
    // stream that crashes rav1d fails its own job, never the server.
    if let Err(e) = crate::media::decode::av1::decode_in_child_processes() {
        tracing::warn!(error = %e, "cannot find this executable: AV1 uploads will only be remuxed");
    }
    // Processing passes run in worker processes of this executable (crate::media::worker).
    let worker = match std::env::current_exe() {
        Ok(exe) => Some(crate::media::worker::Launcher {
            exe,
            json_logs: state.config.log_format == crate::config::LogFormat::Json,
            memory_limit: state
                .config
                .transcoding_worker_memory
                .limit(state.config.transcoding_concurrency),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "cannot find this executable: media passes run in the server");
            None
        }
    };
    let job_store = store.clone();
    let result = actix_web::rt::System::new().block_on(async move {
        let mut pool = WorkerPool::new(job_store.clone(), PoolConfig::default());
        let pipeline = Arc::new(Pipeline {
            store: job_store,
            paths: state.video_paths(),
            base_url: state.base_url(),
            settings: state.live.clone(),
            transcoding_enabled: state.config.transcoding_enabled,
            threads: state.config.transcoding_threads,
            max_damaged_percent: state.config.transcoding_max_damaged_percent,
            worker,
        });
        // Probing and remuxing are mostly I/O: two at once keep uploads flowing while a long
        // encode runs in the transcoding workers.
        pool.register(
            videos::PROCESS_JOB,
            2,
            Arc::new(ProcessVideo(pipeline.clone())),
        );
        pool.register(
            TRANSCODE_JOB,
            state.config.transcoding_concurrency,
            Arc::new(TranscodeVideo(pipeline)),
        );
        crate::federation::hooks::install(&state.base_url(), &state.config.instance_name);
        crate::store::notify::set_local_host(&state.host());
        pool.register(
            crate::federation::outbox::DELIVER_JOB,
            state.config.federation.delivery_concurrency,
            Arc::new(crate::federation::delivery::DeliverToHost(
                state.federation.clone(),
            )),
        );
        pool.register(
            crate::federation::delivery::CRAWL_JOB,
            2,
            Arc::new(crate::federation::delivery::CrawlOutbox(
                state.federation.clone(),
            )),
        );
        let jobs = pool.start();
        state.jobs = Some(jobs.clone());
        let waker = actix_web::rt::spawn(federation_waker(jobs.clone()));
        let upkeep = actix_web::rt::spawn(upkeep(state.clone()));
        let schedules = actix_web::rt::spawn(crate::domain::schedules::run(state.store.clone()));
        // The signal handlers are in place before the address is announced, so a supervisor
        // that stops us right after the banner still gets a graceful stop.
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let public_url = state.base_url();
        let tls_config = match tls {
            Some(tls) => {
                match tls.renewal {
                    Renewal::Acme(acme) => {
                        actix_web::rt::spawn(crate::tls::acme::drive(acme, domain, tls.status));
                    }
                    Renewal::Files(files) => {
                        let mut hangup = signal(SignalKind::hangup())?;
                        actix_web::rt::spawn(async move {
                            while hangup.recv().await.is_some() {
                                reload_certificate(&files).await;
                            }
                        });
                    }
                }
                Some(tls.server_config)
            }
            None => None,
        };
        let server = crate::http::serve(state, listener, tls_config)?;
        let redirect = match redirect_listener {
            Some(l) => Some(crate::http::https::serve_redirect(l, public_url)?),
            None => None,
        };
        let handle = server.handle();
        let redirect_handle = redirect.as_ref().map(|r| r.handle());
        actix_web::rt::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => tracing::info!("SIGTERM received; stopping gracefully"),
                _ = interrupt.recv() => tracing::info!("SIGINT received; stopping gracefully"),
            }
            if let Some(r) = redirect_handle {
                r.stop(true).await;
            }
            handle.stop(true).await;
        });
        // A closed standard output (a supervisor that reads only the first line, a detached
        // shell) must not stop a server that is ready to serve.
        if let Err(e) = announce(&banner) {
            tracing::warn!(error = %e, "cannot print the start banner to standard output");
            if banner.admin_password.is_some() {
                tracing::warn!(
                    "the new administrator's password was not shown: set one with `kinora admin reset-password {FIRST_ADMIN}`"
                );
            }
        }
        let redirecting = redirect.map(actix_web::rt::spawn);
        let served = server.await;
        if let Some(r) = redirecting {
            // Stopped by the same signal; its error would only repeat the main server's.
            let _ = r.await;
        }
        upkeep.abort();
        schedules.abort();
        waker.abort();
        // Running jobs stop between frames and release their leases; a job that cannot within
        // the grace period is reclaimed by the next start like after a crash.
        jobs.stop_and_wait(JOB_STOP_GRACE).await;
        served
    });
    tracing::info!("server stopped; closing the database");
    store.close().context("cannot close the database cleanly")?;
    let _ = writeln!(std::io::stdout(), "Kinora stopped.");
    result.context("HTTP server failed")
}

/// Reads `tls.cert`/`tls.key` again (on SIGHUP), keeping the old pair when the new one fails.
async fn reload_certificate(files: &Arc<crate::tls::files::CertFiles>) {
    let files = files.clone();
    match tokio::task::spawn_blocking(move || files.reload()).await {
        Ok(Ok(info)) => tracing::info!(
            expires = %crate::tls::date(info.not_after),
            "SIGHUP: reloaded the TLS certificate"
        ),
        Ok(Err(e)) => tracing::error!(
            error = %anyhow::Error::new(e),
            "SIGHUP: cannot reload the TLS certificate; still serving the previous one"
        ),
        Err(e) => tracing::error!(error = %e, "SIGHUP: certificate reload failed"),
    }
}

/// What `serve` prints once it accepts connections.
struct Banner {
    url: String,
    listen: std::net::SocketAddr,
    tls: bool,
    redirect: Option<std::net::SocketAddr>,
    admin_password: Option<String>,
}

fn announce(b: &Banner) -> std::io::Result<()> {
    let url = &b.url;
    let mut out = std::io::stdout().lock();
    if let Some(redirect) = b.redirect {
        writeln!(out, "Redirecting http://{redirect} to {url}")?;
    }
    writeln!(
        out,
        "Kinora {} is listening on {}://{} (public URL {url})",
        crate::LONG_VERSION,
        if b.tls { "https" } else { "http" },
        b.listen
    )?;
    if let Some(password) = &b.admin_password {
        writeln!(out, "Created the administrator account.")?;
        writeln!(out, "  username: {FIRST_ADMIN}")?;
        writeln!(out, "  password: {password}")?;
        writeln!(
            out,
            "This password is shown only once: log in at {url}/login and change it."
        )?;
    }
    out.flush()
}

/// Wakes the job pool soon after federation queued deliveries inside a transaction (the
/// hook cannot wake it before its transaction commits), instead of at the next poll.
async fn federation_waker(jobs: crate::jobs::PoolHandle) {
    let mut tick = actix_web::rt::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        if crate::federation::hooks::take_queued() {
            // Let the queueing transaction commit first.
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            jobs.wake();
        }
    }
}

/// Every ten minutes: forget recovered rate-limit keys and delete expired tokens; every hour,
/// delete the kept remote pictures nothing names any more.
async fn upkeep(state: AppState) {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(600));
    for round in 0u64.. {
        tick.tick().await;
        state.login_limiter.prune();
        if round % 6 == 0 {
            match crate::domain::remote_pictures::prune(&state.store, &state.video_paths()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "pruned remote pictures"),
                Err(e) => tracing::warn!(error = %e, "could not prune remote pictures"),
            }
        }
        if let Err(e) = crate::domain::uploads::expire(&state.store, &state.video_paths()).await {
            tracing::warn!(error = %e, "could not expire upload sessions");
        }
        let store = state.store.clone();
        if let Ok(Err(e)) =
            tokio::task::spawn_blocking(move || crate::federation::delivery::ensure_jobs(&store))
                .await
        {
            tracing::warn!(error = %e, "could not check the delivery queues");
        }
        let week_ago =
            crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(7));
        if let Err(e) = state
            .store
            .write(move |tx| crate::store::remote::prune_received(tx, &week_ago))
            .await
        {
            tracing::warn!(error = %e, "could not prune received activity ids");
        }
        let now = crate::store::now();
        if let Err(e) = state
            .store
            .write(move |tx| tokens::delete_expired(tx, &now))
            .await
        {
            tracing::warn!(error = %e, "could not delete expired tokens");
        }
    }
}
