//! `actor_images`: the stored sizes of each actor's avatar and banner.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

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
    /// Where a remote actor's image comes from; None for our own uploads.
    pub remote_url: Option<String>,
}

/// An image a remote actor's document names (`icon` for avatars, `image` for banners); 0
/// for a size the document does not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteImage {
    pub kind: &'static str,
    pub url: String,
    pub width: u32,
    pub height: u32,
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

const COLUMNS: &str = "actor_id, kind, filename, width, height, created_at, updated_at, remote_url";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<ImageRow> {
    Ok(ImageRow {
        actor_id: r.get(0)?,
        kind: r.get(1)?,
        filename: r.get(2)?,
        width: r.get(3)?,
        height: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        remote_url: r.get(7)?,
    })
}

pub fn of_actor(conn: &Connection, actor_id: i64) -> Result<Vec<ImageRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM actor_images WHERE actor_id = ?1 ORDER BY kind, width"
    ))?;
    let rows = stmt
        .query_map([actor_id], from_row)?
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

/// The image named `filename`, if some actor has it (the file server serves only those).
pub fn by_filename(conn: &Connection, filename: &str) -> Result<Option<ImageRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM actor_images WHERE filename = ?1"
    ))?;
    Ok(stmt.query_row([filename], from_row).optional()?)
}

/// Keeps a remote actor's image rows in step with its document. Each gets a name of its own
/// (a hash of the actor's and the image's URLs), so a changed picture gets a new name and
/// cached copies of the old one are never served for it. Unchanged images keep their rows.
pub fn set_remote(
    conn: &Connection,
    actor_id: i64,
    actor_url: &str,
    wanted: &[RemoteImage],
) -> Result<(), StoreError> {
    let current: Vec<RemoteImage> = of_actor(conn, actor_id)?
        .into_iter()
        .filter_map(|i| {
            Some(RemoteImage {
                kind: if i.kind == "banner" {
                    "banner"
                } else {
                    "avatar"
                },
                url: i.remote_url?,
                width: i.width,
                height: i.height,
            })
        })
        .collect();
    let sorted = |list: &[RemoteImage]| {
        let mut v = list.to_vec();
        v.sort_by(|a, b| (a.kind, &a.url, a.width).cmp(&(b.kind, &b.url, b.width)));
        v
    };
    if sorted(&current) == sorted(wanted) {
        return Ok(());
    }
    conn.execute("DELETE FROM actor_images WHERE actor_id = ?1", [actor_id])?;
    let at = now();
    for image in wanted {
        let hash = Sha256::digest(format!("{actor_url}\n{}", image.url).as_bytes());
        let filename = format!("{}.jpg", hex::encode(&hash[..8]));
        conn.execute(
            "INSERT OR IGNORE INTO actor_images \
             (actor_id, kind, filename, width, height, created_at, updated_at, remote_url) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![
                actor_id,
                image.kind,
                filename,
                image.width,
                image.height,
                at,
                image.url
            ],
        )?;
    }
    Ok(())
}
