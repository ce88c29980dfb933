//! `upload_sessions`: resumable uploads in progress.

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: String,
    pub user_id: i64,
    pub metadata: String,
    pub filename: String,
    pub size: i64,
    pub content_type: Option<String>,
    pub received: i64,
    pub video_id: Option<i64>,
    pub updated_at: String,
}

pub fn insert(conn: &Connection, u: &UploadRow) -> Result<(), StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO upload_sessions (id, user_id, metadata, filename, size, content_type, received, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)",
        params![u.id, u.user_id, u.metadata, u.filename, u.size, u.content_type, at],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<UploadRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, user_id, metadata, filename, size, content_type, received, video_id, updated_at \
             FROM upload_sessions WHERE id = ?1",
            [id],
            |r| {
                Ok(UploadRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    metadata: r.get(2)?,
                    filename: r.get(3)?,
                    size: r.get(4)?,
                    content_type: r.get(5)?,
                    received: r.get(6)?,
                    video_id: r.get(7)?,
                    updated_at: r.get(8)?,
                })
            },
        )
        .optional()?)
}

pub fn set_received(conn: &Connection, id: &str, received: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE upload_sessions SET received = ?1, updated_at = ?2 WHERE id = ?3",
        params![received, now(), id],
    )?;
    Ok(())
}

pub fn set_video(conn: &Connection, id: &str, video_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE upload_sessions SET video_id = ?1, updated_at = ?2 WHERE id = ?3",
        params![video_id, now(), id],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM upload_sessions WHERE id = ?1", [id])?)
}

/// Ids of sessions without a chunk since `before` (expired).
pub fn stale(conn: &Connection, before: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT id FROM upload_sessions WHERE updated_at < ?1")?;
    let ids = stmt
        .query_map([before], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}
