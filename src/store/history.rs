//! `user_video_history`: the position each user reached in each video, for resuming and for
//! their watch history list.

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, now};

pub fn record(
    conn: &Connection,
    user_id: i64,
    video_id: i64,
    current_time: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO user_video_history (user_id, video_id, position, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, video_id) DO UPDATE SET position = excluded.position,
         updated_at = excluded.updated_at",
        params![user_id, video_id, current_time, now()],
    )?;
    Ok(())
}

pub fn position(conn: &Connection, user_id: i64, video_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT position FROM user_video_history WHERE user_id = ?1 AND video_id = ?2",
            params![user_id, video_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// A page of the user's history, most recent first: (video id, position) and the total.
pub fn list(
    conn: &Connection,
    user_id: i64,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<(i64, i64)>), StoreError> {
    let total = conn.query_row(
        "SELECT COUNT(*) FROM user_video_history WHERE user_id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT video_id, position FROM user_video_history WHERE user_id = ?1
         ORDER BY updated_at DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt
        .query_map(params![user_id, count, start], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

pub fn remove(conn: &Connection, user_id: i64, video_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM user_video_history WHERE user_id = ?1 AND video_id = ?2",
        params![user_id, video_id],
    )?;
    Ok(())
}

/// Removes the entries last updated before `before` (all of them when `None`).
pub fn clear(conn: &Connection, user_id: i64, before: Option<&str>) -> Result<usize, StoreError> {
    Ok(match before {
        Some(date) => conn.execute(
            "DELETE FROM user_video_history WHERE user_id = ?1 AND updated_at < ?2",
            params![user_id, date],
        )?,
        None => conn.execute(
            "DELETE FROM user_video_history WHERE user_id = ?1",
            [user_id],
        )?,
    })
}
