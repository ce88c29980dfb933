//! `actor_images`: the stored sizes of each actor's avatar and banner.

use rusqlite::{Connection, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct ImageRow {
    pub actor_id: i64,
    pub kind: String,
    pub filename: String,
    pub width: u32,
    pub height: u32,
    pub created_at: String,
    pub updated_at: String,
}

/// Replaces the actor's images of `kind` with `files` (filename, width, height) and returns the
/// file names that were replaced, so the caller can delete them after the commit.
pub fn replace(
    conn: &Connection,
    actor_id: i64,
    kind: &str,
    files: &[(String, u32, u32)],
) -> Result<Vec<String>, StoreError> {
    let old = remove(conn, actor_id, kind)?;
    let at = now();
    for (filename, width, height) in files {
        conn.execute(
            "INSERT INTO actor_images (actor_id, kind, filename, width, height, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![actor_id, kind, filename, width, height, at],
        )?;
    }
    Ok(old)
}

/// Removes the actor's images of `kind`, returning their file names.
pub fn remove(conn: &Connection, actor_id: i64, kind: &str) -> Result<Vec<String>, StoreError> {
    let old = of_actor(conn, actor_id)?
        .into_iter()
        .filter(|i| i.kind == kind)
        .map(|i| i.filename)
        .collect();
    conn.execute(
        "DELETE FROM actor_images WHERE actor_id = ?1 AND kind = ?2",
        params![actor_id, kind],
    )?;
    Ok(old)
}

pub fn of_actor(conn: &Connection, actor_id: i64) -> Result<Vec<ImageRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT actor_id, kind, filename, width, height, created_at, updated_at \
         FROM actor_images WHERE actor_id = ?1 ORDER BY kind, width",
    )?;
    let rows = stmt
        .query_map([actor_id], |r| {
            Ok(ImageRow {
                actor_id: r.get(0)?,
                kind: r.get(1)?,
                filename: r.get(2)?,
                width: r.get(3)?,
                height: r.get(4)?,
                created_at: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// File names of the images of several actors (to delete files when actors are deleted).
pub fn filenames_of_actors(
    conn: &Connection,
    actor_ids: &[i64],
) -> Result<Vec<String>, StoreError> {
    let mut names = Vec::new();
    for id in actor_ids {
        names.extend(of_actor(conn, *id)?.into_iter().map(|i| i.filename));
    }
    Ok(names)
}

/// True when `filename` belongs to some actor (the file server serves only known images).
pub fn exists(conn: &Connection, filename: &str) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM actor_images WHERE filename = ?1")?;
    Ok(stmt.exists([filename])?)
}
