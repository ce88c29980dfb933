//! `instance_settings`: the configuration keys an administrator changed, with their raw values.

use rusqlite::{Connection, params};

use super::{StoreError, now};

pub fn all(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare("SELECT key, value FROM instance_settings ORDER BY key")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Replaces every stored setting with `settings` (inside the caller's transaction).
pub fn replace_all(conn: &Connection, settings: &[(String, String)]) -> Result<(), StoreError> {
    conn.execute("DELETE FROM instance_settings", [])?;
    let at = now();
    for (key, value) in settings {
        conn.execute(
            "INSERT INTO instance_settings (key, value, updated_at) VALUES (?1, ?2, ?3)",
            params![key, value, at],
        )?;
    }
    Ok(())
}
