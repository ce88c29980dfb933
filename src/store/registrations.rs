//! `registrations`: sign-up requests waiting for a moderator when registration needs approval.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct RegistrationRow {
    pub id: i64,
    pub state: u8,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: Option<String>,
    pub channel_name: Option<String>,
    pub channel_display_name: Option<String>,
    pub reason: String,
    pub moderation_response: Option<String>,
    pub user_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, state, username, email, password_hash, display_name, channel_name, \
     channel_display_name, reason, moderation_response, user_id, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<RegistrationRow> {
    Ok(RegistrationRow {
        id: r.get(0)?,
        state: r.get(1)?,
        username: r.get(2)?,
        email: r.get(3)?,
        password_hash: r.get(4)?,
        display_name: r.get(5)?,
        channel_name: r.get(6)?,
        channel_display_name: r.get(7)?,
        reason: r.get(8)?,
        moderation_response: r.get(9)?,
        user_id: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

pub struct NewRegistration<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: Option<&'a str>,
    pub channel_name: Option<&'a str>,
    pub channel_display_name: Option<&'a str>,
    pub reason: &'a str,
}

pub fn insert(conn: &Connection, r: &NewRegistration) -> Result<i64, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO registrations (username, email, password_hash, display_name, channel_name, \
         channel_display_name, reason, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            r.username,
            r.email,
            r.password_hash,
            r.display_name,
            r.channel_name,
            r.channel_display_name,
            r.reason,
            at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<RegistrationRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM registrations WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// True when a pending request already claims this username, channel name or email.
pub fn pending_claims(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM registrations WHERE state = 1 AND \
             (username = ?1 OR channel_name = ?1 COLLATE NOCASE OR email = ?1)",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn list(
    conn: &Connection,
    start: i64,
    count: i64,
    newest_first: bool,
) -> Result<(i64, Vec<RegistrationRow>), StoreError> {
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM registrations", [], |r| r.get(0))?;
    let order = if newest_first { "DESC" } else { "ASC" };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM registrations ORDER BY created_at {order}, id {order} LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt
        .query_map(params![count, start], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

pub fn set_state(
    conn: &Connection,
    id: i64,
    state: u8,
    moderation_response: &str,
    user_id: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE registrations SET state = ?1, moderation_response = ?2, user_id = ?3, updated_at = ?4 \
         WHERE id = ?5",
        params![state, moderation_response, user_id, now(), id],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM registrations WHERE id = ?1", [id])?)
}
