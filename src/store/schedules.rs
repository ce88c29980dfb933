//! Scheduled privacy changes of videos (`videos.schedule_at`, PeerTube's `scheduleUpdate`):
//! the due ones, when the next one falls, and applying one.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;

/// Ids of the videos whose schedule is at or before `now`, earliest first.
pub fn due(conn: &Connection, now: &str) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM videos WHERE schedule_at IS NOT NULL AND schedule_at <= ?1 \
         ORDER BY schedule_at",
    )?;
    let ids = stmt
        .query_map([now], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// When the earliest schedule falls, if any.
pub fn next_at(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT MIN(schedule_at) FROM videos WHERE schedule_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Applies video `id`'s schedule at `now`: its privacy, and as PeerTube's `setPrivacy` does, a
/// new publication date when a published video leaves private (privacy 3), so it shows as new;
/// then the schedule is cleared. Subscribers hear of a video that became public.
pub fn apply(conn: &Connection, id: i64, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE videos SET privacy = COALESCE(schedule_privacy, privacy), \
         published_at = CASE WHEN privacy = 3 AND COALESCE(schedule_privacy, 3) != 3 \
           AND published_at IS NOT NULL THEN ?2 ELSE published_at END, \
         schedule_at = NULL, schedule_privacy = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    super::notify::video_from_subscription(conn, id);
    Ok(())
}
