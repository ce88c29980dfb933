//! `blocked_hosts` and `blocked_accounts`: instance-wide block lists (owner NULL) and each
//! account's own. Host matching is exact or by subdomain: `ex.com` blocks `sub.ex.com`, never
//! `myex.com`.

use rusqlite::{Connection, params};

use super::{StoreError, now};

/// True when `host` is `blocked` or one of its subdomains.
pub fn host_matches(host: &str, blocked: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let blocked = blocked.trim_end_matches('.').to_ascii_lowercase();
    // Ports are not part of a domain block: `ex.com` also blocks `ex.com:8443`.
    let bare = host.rsplit_once(':').map_or(host.as_str(), |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host.as_str()
        }
    });
    let matches = |h: &str| h == blocked || h.ends_with(&format!(".{blocked}"));
    matches(&host) || matches(bare)
}

pub fn add_host(conn: &Connection, owner: Option<i64>, host: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO blocked_hosts (account_id, host, created_at) VALUES (?1, ?2, ?3)",
        params![owner, host.to_ascii_lowercase(), now()],
    )?;
    Ok(())
}

pub fn remove_host(conn: &Connection, owner: Option<i64>, host: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM blocked_hosts WHERE account_id IS ?1 AND host = ?2",
        params![owner, host],
    )? == 1)
}

/// (host, created at) blocked by this owner, newest first.
pub fn hosts(conn: &Connection, owner: Option<i64>) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT host, created_at FROM blocked_hosts WHERE account_id IS ?1 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map([owner], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Whether the instance blocks `host` (owner None) or this account does.
pub fn is_host_blocked(
    conn: &Connection,
    owner: Option<i64>,
    host: &str,
) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT host FROM blocked_hosts WHERE account_id IS ?1")?;
    let list = stmt
        .query_map([owner], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(list.iter().any(|b| host_matches(host, b)))
}

pub fn add_account(conn: &Connection, owner: Option<i64>, target: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO blocked_accounts (account_id, target_id, created_at) VALUES (?1, ?2, ?3)",
        params![owner, target, now()],
    )?;
    Ok(())
}

pub fn remove_account(
    conn: &Connection,
    owner: Option<i64>,
    target: i64,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM blocked_accounts WHERE account_id IS ?1 AND target_id = ?2",
        params![owner, target],
    )? == 1)
}

/// Target account ids blocked by this owner, newest first.
pub fn accounts(conn: &Connection, owner: Option<i64>) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT target_id, created_at FROM blocked_accounts WHERE account_id IS ?1 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map([owner], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn is_account_blocked(
    conn: &Connection,
    owner: Option<i64>,
    target: i64,
) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM blocked_accounts WHERE account_id IS ?1 AND target_id = ?2)",
        params![owner, target],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn domain_blocks_match_exactly_or_by_subdomain() {
        assert!(host_matches("ex.com", "ex.com"));
        assert!(host_matches("sub.ex.com", "ex.com"));
        assert!(host_matches("a.b.EX.com", "ex.com"));
        assert!(host_matches("ex.com:8443", "ex.com"));
        assert!(!host_matches("myex.com", "ex.com"));
        assert!(!host_matches("ex.com.evil.org", "ex.com"));
        assert!(!host_matches("ex.co", "ex.com"));
        assert!(host_matches("127.0.0.1:4000", "127.0.0.1:4000"));
        assert!(!host_matches("127.0.0.1:4001", "127.0.0.1:4000"));
    }
}
