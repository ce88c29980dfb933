//! Gauges refreshed at each scrape: jobs by kind and state (one grouped query), database size,
//! free space on the data directory's file system, and the served certificate's expiry.

use std::path::Path;

use super::Metrics;
use crate::store::{Store, StoreError, stats};

/// Job kinds shown even when none is queued, so dashboards have a line at zero.
const KNOWN_KINDS: &[&str] = &[
    crate::domain::videos::PROCESS_JOB,
    crate::domain::processing::TRANSCODE_JOB,
];
const STATES: &[&str] = &["queued", "running", "failed"];

/// Space on the file system holding `dir`: (available to unprivileged users, total), bytes.
pub fn disk_space(dir: &Path) -> std::io::Result<(u64, u64)> {
    let s = rustix::fs::statvfs(dir)?;
    Ok((
        s.f_bavail.saturating_mul(s.f_frsize),
        s.f_blocks.saturating_mul(s.f_frsize),
    ))
}

/// The database file and its write-ahead log, bytes.
pub fn database_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    [db.to_path_buf(), wal.into()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Refreshes the gauges; call on a blocking thread (one query, two `stat`s).
pub fn refresh(
    m: &Metrics,
    store: &Store,
    data_dir: &Path,
    tls_not_after: Option<i64>,
) -> Result<(), StoreError> {
    let jobs = store.read_blocking(stats::jobs_by_kind)?;
    m.jobs.reset();
    for kind in KNOWN_KINDS {
        for state in STATES {
            m.jobs.with_label_values(&[kind, state]).set(0);
        }
    }
    for (kind, state, n) in jobs {
        m.jobs.with_label_values(&[&kind, &state]).set(n);
    }
    m.database_bytes
        .set(i64::try_from(database_size(store.path())).unwrap_or(i64::MAX));
    match disk_space(data_dir) {
        Ok((free, total)) => {
            m.disk_free_bytes
                .set(i64::try_from(free).unwrap_or(i64::MAX));
            m.disk_total_bytes
                .set(i64::try_from(total).unwrap_or(i64::MAX));
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the data directory's free space"),
    }
    m.tls_not_after.set(tls_not_after.unwrap_or(0));
    Ok(())
}
