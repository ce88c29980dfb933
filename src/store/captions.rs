//! `video_captions`: one WebVTT file per video and language (the files live under `captions/`).

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct CaptionRow {
    pub language: String,
    /// File name under `<data>/captions/`.
    pub file: String,
    pub updated_at: String,
}

/// A video's captions, by language.
pub fn of_video(conn: &Connection, video_id: i64) -> Result<Vec<CaptionRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT language, file, updated_at FROM video_captions WHERE video_id = ?1 ORDER BY language",
    )?;
    let rows = stmt.query_map([video_id], |r| {
        Ok(CaptionRow {
            language: r.get(0)?,
            file: r.get(1)?,
            updated_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Records `file` as the caption in `language`; returns the file it replaces, if any.
pub fn upsert(
    conn: &Connection,
    video_id: i64,
    language: &str,
    file: &str,
) -> Result<Option<String>, StoreError> {
    let old = file_of(conn, video_id, language)?;
    let at = now();
    conn.execute(
        "INSERT INTO video_captions (video_id, language, file, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT (video_id, language) DO UPDATE SET file = excluded.file, updated_at = excluded.updated_at",
        params![video_id, language, file, at],
    )?;
    Ok(old)
}

/// Removes the caption in `language`; returns its file, or `None` when there was none.
pub fn delete(
    conn: &Connection,
    video_id: i64,
    language: &str,
) -> Result<Option<String>, StoreError> {
    let old = file_of(conn, video_id, language)?;
    conn.execute(
        "DELETE FROM video_captions WHERE video_id = ?1 AND language = ?2",
        params![video_id, language],
    )?;
    Ok(old)
}

fn file_of(conn: &Connection, video_id: i64, language: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT file FROM video_captions WHERE video_id = ?1 AND language = ?2",
            params![video_id, language],
            |r| r.get(0),
        )
        .optional()?)
}
