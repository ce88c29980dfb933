//! `instance_secrets`: keys generated once per instance and kept for its life (the key that
//! signs video file tokens, ...).

use rusqlite::{Connection, params};

use super::StoreError;

/// The secret called `name`, created with `len` random bytes the first time it is asked for.
pub fn get_or_create(conn: &Connection, name: &str, len: usize) -> Result<Vec<u8>, StoreError> {
    let mut fresh = vec![0u8; len];
    rand::fill(&mut fresh[..]);
    conn.execute(
        "INSERT INTO instance_secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![name, fresh],
    )?;
    Ok(conn.query_row(
        "SELECT value FROM instance_secrets WHERE name = ?1",
        [name],
        |r| r.get(0),
    )?)
}
