//! `deliveries` and `federation_hosts`: the durable outgoing queue, one cursor per remote
//! host (its oldest row), and each host's health (failures, unreachable past the horizon).

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
    pub host: String,
    pub inbox_url: String,
    pub signer: Signer,
    pub activity: String,
}

/// Who signs a delivery: a local actor, or one deleted since (its id and key kept in the row).
#[derive(Debug, Clone)]
pub enum Signer {
    Actor(i64),
    Departed {
        url: String,
        key_pem: String,
    },
    /// Deleted before it had a key: the row cannot be signed.
    Gone,
}

pub fn insert(
    conn: &Connection,
    host: &str,
    inbox_url: &str,
    signer_id: i64,
    activity: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO deliveries (host, inbox_url, signer_id, activity, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![host, inbox_url, signer_id, activity, now()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The next rows of a host's queue, oldest first.
pub fn next_for_host(
    conn: &Connection,
    host: &str,
    limit: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, host, inbox_url, signer_id, signer_url, signer_key_pem, activity \
         FROM deliveries WHERE host = ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![host, limit], |r| {
            let signer = match (r.get(3)?, r.get(4)?, r.get(5)?) {
                (Some(id), _, _) => Signer::Actor(id),
                (None, Some(url), Some(key_pem)) => Signer::Departed { url, key_pem },
                _ => Signer::Gone,
            };
            Ok(DeliveryRow {
                id: r.get(0)?,
                host: r.get(1)?,
                inbox_url: r.get(2)?,
                signer,
                activity: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Before a local actor's row is deleted: its queued deliveries keep its id and key, so they
/// are still sent (signed as it) once it is gone. Without a key nothing it queued can be
/// signed: those rows go.
pub fn keep_departing_signer(
    conn: &Connection,
    actor_id: i64,
    url: &str,
    key_pem: Option<&str>,
) -> Result<(), StoreError> {
    match key_pem {
        Some(pem) => conn.execute(
            "UPDATE deliveries SET signer_url = ?2, signer_key_pem = ?3 WHERE signer_id = ?1",
            params![actor_id, url, pem],
        )?,
        None => conn.execute("DELETE FROM deliveries WHERE signer_id = ?1", [actor_id])?,
    };
    Ok(())
}

pub fn remove(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM deliveries WHERE id = ?1", [id])?;
    Ok(())
}

pub fn drop_host(conn: &Connection, host: &str) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM deliveries WHERE host = ?1", [host])?)
}

/// Hosts with at least one queued row.
pub fn hosts_pending(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT DISTINCT host FROM deliveries")?;
    let hosts = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(hosts)
}

pub fn pending(conn: &Connection, host: &str) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM deliveries WHERE host = ?1",
        [host],
        |r| r.get(0),
    )?)
}

#[derive(Debug, Clone, Default)]
pub struct HostHealth {
    pub failing_since: Option<String>,
    pub failures: i64,
    pub unreachable: bool,
}

pub fn health(conn: &Connection, host: &str) -> Result<HostHealth, StoreError> {
    Ok(conn
        .query_row(
            "SELECT failing_since, failures, unreachable FROM federation_hosts WHERE host = ?1",
            [host],
            |r| {
                Ok(HostHealth {
                    failing_since: r.get(0)?,
                    failures: r.get(1)?,
                    unreachable: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// A delivery failed: counts it and dates the first failure of the streak.
pub fn record_failure(
    conn: &Connection,
    host: &str,
    error: &str,
) -> Result<HostHealth, StoreError> {
    let at = now();
    let error: String = error.chars().take(500).collect();
    conn.execute(
        "INSERT INTO federation_hosts (host, failing_since, failures, last_error, updated_at) \
         VALUES (?1, ?2, 1, ?3, ?2) ON CONFLICT (host) DO UPDATE SET \
         failing_since = COALESCE(federation_hosts.failing_since, excluded.failing_since), \
         failures = federation_hosts.failures + 1, last_error = excluded.last_error, updated_at = excluded.updated_at",
        params![host, at, error],
    )?;
    health(conn, host)
}

/// The host answered (or talked to us): its failure streak ends and it is reachable again.
pub fn record_success(conn: &Connection, host: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE federation_hosts SET failing_since = NULL, failures = 0, unreachable = 0, \
         updated_at = ?1 WHERE host = ?2 AND (failures > 0 OR unreachable = 1)",
        params![now(), host],
    )?;
    Ok(())
}

pub fn mark_unreachable(conn: &Connection, host: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE federation_hosts SET unreachable = 1, updated_at = ?1 WHERE host = ?2",
        params![now(), host],
    )?;
    Ok(())
}

pub fn is_unreachable(conn: &Connection, host: &str) -> Result<bool, StoreError> {
    Ok(health(conn, host)?.unreachable)
}
