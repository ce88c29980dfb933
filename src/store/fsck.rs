//! What the database says should be on disk, for `kinora admin fsck`: every video with its
//! renditions, the names of avatars, captions and upload sessions, and the running jobs; plus removing upload
//! sessions whose partial file is gone.

use std::collections::HashSet;

use rusqlite::Connection;

use super::StoreError;
use super::videos::{self, FileRow, VideoRow};

pub struct Expected {
    pub videos: Vec<(VideoRow, Vec<FileRow>)>,
    pub avatars: HashSet<String>,
    pub captions: HashSet<String>,
    pub upload_sessions: HashSet<String>,
    /// Jobs running now (a live server's), whose work directories are in use.
    pub running_jobs: HashSet<String>,
}

fn names(conn: &Connection, sql: &str) -> Result<HashSet<String>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One read transaction, so the picture is consistent even while the server writes.
pub fn expected(conn: &Connection) -> Result<Expected, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM videos ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut list = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(video) = videos::by_id(&tx, id)? {
            let files = videos::files(&tx, id)?;
            list.push((video, files));
        }
    }
    let expected = Expected {
        videos: list,
        avatars: names(
            &tx,
            "SELECT filename FROM actor_images WHERE remote_url IS NULL",
        )?,
        captions: names(&tx, "SELECT file FROM video_captions")?,
        upload_sessions: names(&tx, "SELECT id FROM upload_sessions")?,
        running_jobs: names(
            &tx,
            "SELECT CAST(id AS TEXT) FROM jobs WHERE state = 'running'",
        )?,
    };
    tx.finish()?;
    Ok(expected)
}

/// Deletes upload sessions (their partial files are gone, so they can never complete).
pub fn delete_upload_sessions(conn: &Connection, ids: &[String]) -> Result<usize, StoreError> {
    let mut n = 0;
    for id in ids {
        n += conn.execute("DELETE FROM upload_sessions WHERE id = ?1", [id])?;
    }
    Ok(n)
}
