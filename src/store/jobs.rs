//! The `jobs` table: push, lease (and reclaim stale leases), heartbeat, complete, fail with
//! retry, cancel, and the admin listing.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, now, timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub subject: Option<String>,
    pub unique_key: Option<String>,
    pub priority: i64,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: String,
    pub lease_owner: Option<String>,
    pub progress: i64,
    pub error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

const COLUMNS: &str = "id, kind, payload, subject, unique_key, priority, state, attempts, \
     max_attempts, run_after, lease_owner, progress, error, created_at, started_at, finished_at";

fn from_row(r: &Row) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        subject: r.get(3)?,
        unique_key: r.get(4)?,
        priority: r.get(5)?,
        state: r.get(6)?,
        attempts: r.get(7)?,
        max_attempts: r.get(8)?,
        run_after: r.get(9)?,
        lease_owner: r.get(10)?,
        progress: r.get(11)?,
        error: r.get(12)?,
        created_at: r.get(13)?,
        started_at: r.get(14)?,
        finished_at: r.get(15)?,
    })
}

fn later(delay: Duration) -> String {
    timestamp(time::OffsetDateTime::now_utc() + delay)
}

#[derive(Debug, Clone, Default)]
pub struct NewJob {
    pub kind: String,
    pub payload: String,
    pub subject: Option<String>,
    pub unique_key: Option<String>,
    pub priority: i64,
    pub max_attempts: i64,
    pub delay: Duration,
}

/// Queues a job and returns its id; with a unique key that a live job already holds, returns
/// that job's id instead of queueing a second one.
pub fn push(conn: &Connection, job: &NewJob) -> Result<i64, StoreError> {
    if let Some(key) = &job.unique_key
        && let Some(id) = conn
            .query_row(
                "SELECT id FROM jobs WHERE unique_key = ?1 AND state IN ('queued', 'running')",
                [key],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
    {
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO jobs (kind, payload, subject, unique_key, priority, max_attempts, run_after, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            job.kind,
            job.payload,
            job.subject,
            job.unique_key,
            job.priority,
            job.max_attempts.max(1),
            later(job.delay),
            now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Takes the most urgent ready job of `kind` for `owner`: a queued job whose time has come, or
/// a running job whose lease expired (its worker died). Counts one attempt.
pub fn lease(
    conn: &Connection,
    kind: &str,
    owner: &str,
    lease: Duration,
) -> Result<Option<JobRow>, StoreError> {
    let at = now();
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM jobs WHERE kind = ?1 AND ( \
                (state = 'queued' AND run_after <= ?2) OR \
                (state = 'running' AND lease_expires_at < ?2)) \
             ORDER BY priority DESC, run_after, id LIMIT 1",
            params![kind, at],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else { return Ok(None) };
    conn.execute(
        "UPDATE jobs SET state = 'running', lease_owner = ?1, lease_expires_at = ?2, \
         attempts = attempts + 1, started_at = COALESCE(started_at, ?3) WHERE id = ?4",
        params![owner, later(lease), at, id],
    )?;
    get(conn, id)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<JobRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Extends the lease and records progress; false when the job is no longer this owner's
/// (cancelled, or reclaimed after a missed heartbeat), which tells the worker to stop.
pub fn heartbeat(
    conn: &Connection,
    id: i64,
    owner: &str,
    lease: Duration,
    progress: i64,
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE jobs SET lease_expires_at = ?1, progress = ?2 \
         WHERE id = ?3 AND state = 'running' AND lease_owner = ?4",
        params![later(lease), progress.clamp(0, 100), id, owner],
    )?;
    Ok(changed == 1)
}

/// Gives up a running job's unique key, so that the next `push` with it queues a new job
/// instead of counting on this one, which is about to finish.
pub fn release_key(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("UPDATE jobs SET unique_key = NULL WHERE id = ?1", [id])?;
    Ok(())
}

pub fn complete(conn: &Connection, id: i64, owner: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE jobs SET state = 'completed', progress = 100, finished_at = ?1, lease_owner = NULL, \
         lease_expires_at = NULL WHERE id = ?2 AND state = 'running' AND lease_owner = ?3",
        params![now(), id, owner],
    )?;
    Ok(changed == 1)
}

/// Records a failure: queued again after `backoff` while attempts remain, failed for good
/// otherwise (or at once when `permanent`). Returns the new state.
pub fn fail(
    conn: &Connection,
    id: i64,
    owner: &str,
    error: &str,
    backoff: Duration,
    permanent: bool,
) -> Result<Option<String>, StoreError> {
    let Some(job) = get(conn, id)? else {
        return Ok(None);
    };
    if job.state != "running" || job.lease_owner.as_deref() != Some(owner) {
        return Ok(Some(job.state));
    }
    let error: String = error.chars().take(4000).collect();
    if permanent || job.attempts >= job.max_attempts {
        conn.execute(
            "UPDATE jobs SET state = 'failed', error = ?1, finished_at = ?2, lease_owner = NULL, \
             lease_expires_at = NULL WHERE id = ?3",
            params![error, now(), id],
        )?;
        Ok(Some("failed".into()))
    } else {
        conn.execute(
            "UPDATE jobs SET state = 'queued', error = ?1, run_after = ?2, lease_owner = NULL, \
             lease_expires_at = NULL WHERE id = ?3",
            params![error, later(backoff), id],
        )?;
        Ok(Some("queued".into()))
    }
}

/// Gives a running job back to the queue (its worker is stopping); does nothing when the job
/// is no longer this owner's. The attempt does not count.
pub fn release(conn: &Connection, id: i64, owner: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, \
         attempts = MAX(attempts - 1, 0), run_after = ?1 WHERE id = ?2 AND state = 'running' AND lease_owner = ?3",
        params![now(), id, owner],
    )?;
    Ok(changed == 1)
}

/// Puts every running job back in the queue: called at start-up, when no worker can be alive
/// (the data directory lock proves it). The attempt still counts, so a handler can give up on an
/// input that crashes the server every time.
pub fn requeue_running(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_after = ?1 \
         WHERE state = 'running'",
        [now()],
    )?)
}

/// Cancels every live job about `subject`; running workers notice at their next heartbeat.
pub fn cancel_subject(conn: &Connection, subject: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE jobs SET state = 'cancelled', finished_at = ?1, lease_owner = NULL, lease_expires_at = NULL \
         WHERE subject = ?2 AND state IN ('queued', 'running')",
        params![now(), subject],
    )?)
}

/// Puts a failed job back in the queue with a fresh attempt budget.
pub fn retry(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?1, error = NULL, finished_at = NULL \
         WHERE id = ?2 AND state = 'failed'",
        params![now(), id],
    )?;
    Ok(changed == 1)
}

/// Jobs in one state (`queued` split by PeerTube into waiting and delayed), newest first.
pub fn list(
    conn: &Connection,
    states: &[&str],
    delayed: Option<bool>,
    kind: Option<&str>,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<JobRow>), StoreError> {
    let placeholders = states.iter().map(|_| "?").collect::<Vec<_>>().join(", ");
    let at = now();
    let delay_clause = match delayed {
        Some(true) => " AND run_after > ?",
        Some(false) => " AND run_after <= ?",
        None => "",
    };
    let mut args: Vec<rusqlite::types::Value> = states
        .iter()
        .map(|s| rusqlite::types::Value::Text(s.to_string()))
        .collect();
    if delayed.is_some() {
        args.push(rusqlite::types::Value::Text(at));
    }
    let kind_clause = if let Some(kind) = kind {
        args.push(rusqlite::types::Value::Text(kind.to_string()));
        " AND kind = ?"
    } else {
        ""
    };
    let condition = format!("state IN ({placeholders}){delay_clause}{kind_clause}");
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM jobs WHERE {condition}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    args.push(rusqlite::types::Value::Integer(count));
    args.push(rusqlite::types::Value::Integer(start));
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE {condition} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

/// The jobs about one subject (`video:ID`), oldest first: what the upload page shows while a
/// video is processed.
pub fn by_subject(conn: &Connection, subject: &str) -> Result<Vec<JobRow>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE subject = ?1 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([subject], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
