//! `follows`: who follows which actor, pending until accepted. Followers of local actors are
//! where deliveries go; follows by local actors are subscriptions and instance follows.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::fed_actors::FedActor;
use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct FollowRow {
    pub id: i64,
    pub follower_id: i64,
    pub target_id: i64,
    pub state: String,
    pub activity_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn from_row(r: &Row) -> rusqlite::Result<FollowRow> {
    Ok(FollowRow {
        id: r.get(0)?,
        follower_id: r.get(1)?,
        target_id: r.get(2)?,
        state: r.get(3)?,
        activity_url: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const COLUMNS: &str = "id, follower_id, target_id, state, activity_url, created_at, updated_at";

/// Records (or refreshes) a follow; returns its row.
pub fn upsert(
    conn: &Connection,
    follower_id: i64,
    target_id: i64,
    state: &str,
    activity_url: Option<&str>,
) -> Result<FollowRow, StoreError> {
    let at = now();
    let is_new = get(conn, follower_id, target_id)?.is_none();
    conn.execute(
        "INSERT INTO follows (follower_id, target_id, state, activity_url, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (follower_id, target_id) DO UPDATE SET \
         state = CASE WHEN follows.state = 'accepted' THEN 'accepted' ELSE excluded.state END, \
         activity_url = COALESCE(excluded.activity_url, follows.activity_url), updated_at = excluded.updated_at",
        params![follower_id, target_id, state, activity_url, at],
    )?;
    let row = get(conn, follower_id, target_id)?.ok_or(StoreError::TaskFailed)?;
    // Only a new follow is news: a repeated Follow or an acceptance refreshes the row quietly.
    if is_new {
        super::notify::follow_created(conn, row.id);
    }
    Ok(row)
}

pub fn get(
    conn: &Connection,
    follower_id: i64,
    target_id: i64,
) -> Result<Option<FollowRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM follows WHERE follower_id = ?1 AND target_id = ?2"),
            params![follower_id, target_id],
            from_row,
        )
        .optional()?)
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<FollowRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM follows WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

pub fn accept(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE follows SET state = 'accepted', updated_at = ?1 WHERE id = ?2 AND state = 'pending'",
        params![now(), id],
    )? == 1)
}

pub fn delete(conn: &Connection, follower_id: i64, target_id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM follows WHERE follower_id = ?1 AND target_id = ?2",
        params![follower_id, target_id],
    )? == 1)
}

pub fn delete_id(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM follows WHERE id = ?1", [id])? == 1)
}

/// Inboxes of the accepted remote followers of these local actors, shared inboxes first so
/// each server gets one copy: (host, inbox) pairs without duplicates.
pub fn follower_inboxes(
    conn: &Connection,
    target_ids: &[i64],
) -> Result<Vec<(String, String)>, StoreError> {
    if target_ids.is_empty() {
        return Ok(vec![]);
    }
    let placeholders = vec!["?"; target_ids.len()].join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT a.host, COALESCE(a.shared_inbox_url, a.inbox_url) FROM follows f \
         JOIN actors a ON a.id = f.follower_id \
         WHERE f.target_id IN ({placeholders}) AND f.state = 'accepted' AND a.host IS NOT NULL \
         AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(target_ids.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<Vec<(String, String)>, _>>()?;
    Ok(rows)
}

/// Which follows `list` returns: by state (`pending`, `accepted`; any when None) and by the
/// other side's actor type (`Person`, `Group`, `Application`; any when None).
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    pub state: Option<&'a str>,
    pub actor_type: Option<&'a str>,
}

impl ListFilter<'_> {
    pub const ACCEPTED: ListFilter<'static> = ListFilter {
        state: Some("accepted"),
        actor_type: None,
    };
}

/// Followers (or, with `following`, followed actors) of an actor that match `filter`, newest
/// first, with the total.
pub fn list(
    conn: &Connection,
    actor_id: i64,
    following: bool,
    filter: ListFilter,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<(FollowRow, FedActor)>), StoreError> {
    let (mine, other) = if following {
        ("follower_id", "target_id")
    } else {
        ("target_id", "follower_id")
    };
    let condition = format!(
        "FROM follows f JOIN actors a ON a.id = f.{other} WHERE f.{mine} = ?1 \
         AND (?2 IS NULL OR f.state = ?2) AND (?3 IS NULL OR a.kind = ?3)"
    );
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) {condition}"),
        params![actor_id, filter.state, filter.actor_type],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT f.id {condition} ORDER BY f.id DESC LIMIT ?4 OFFSET ?5"
    ))?;
    let ids = stmt
        .query_map(
            params![actor_id, filter.state, filter.actor_type, count, start],
            |r| r.get::<_, i64>(0),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(f) = by_id(conn, id)? {
            let other_id = if following {
                f.target_id
            } else {
                f.follower_id
            };
            if let Some(a) = super::fed_actors::by_id(conn, other_id)? {
                out.push((f, a));
            }
        }
    }
    Ok((total, out))
}

pub fn count(conn: &Connection, actor_id: i64, following: bool) -> Result<i64, StoreError> {
    let column = if following {
        "follower_id"
    } else {
        "target_id"
    };
    Ok(conn.query_row(
        &format!("SELECT COUNT(*) FROM follows WHERE {column} = ?1 AND state = 'accepted'"),
        [actor_id],
        |r| r.get(0),
    )?)
}

/// Accepted followers and followed actors of each actor: `(actor id, followers, following)`.
pub fn counts(conn: &Connection, actor_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    actor_ids
        .iter()
        .map(|&id| Ok((id, count(conn, id, false)?, count(conn, id, true)?)))
        .collect()
}
