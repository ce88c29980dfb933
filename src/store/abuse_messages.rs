//! `abuse_messages`: the conversation between a report's reporter and the moderators.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: i64,
    pub abuse_id: i64,
    pub account_id: Option<i64>,
    pub message: String,
    pub by_moderator: bool,
    pub created_at: String,
}

fn message_from_row(r: &Row) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        abuse_id: r.get(1)?,
        account_id: r.get(2)?,
        message: r.get(3)?,
        by_moderator: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const MESSAGE_COLUMNS: &str = "id, abuse_id, account_id, message, by_moderator, created_at";

/// Adds a message; a moderator's first answer marks the report processed.
pub fn insert(
    conn: &Connection,
    abuse_id: i64,
    account_id: i64,
    message: &str,
    by_moderator: bool,
) -> Result<i64, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO abuse_messages (abuse_id, account_id, message, by_moderator, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![abuse_id, account_id, message, by_moderator, at],
    )?;
    let id = conn.last_insert_rowid();
    super::notify::abuse_message_added(conn, abuse_id, account_id);
    if by_moderator {
        conn.execute(
            "UPDATE abuses SET processed_at = ?1 WHERE id = ?2 AND processed_at IS NULL",
            params![at, abuse_id],
        )?;
    }
    Ok(id)
}

pub fn list(conn: &Connection, abuse_id: i64) -> Result<Vec<MessageRow>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM abuse_messages WHERE abuse_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([abuse_id], message_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn get(
    conn: &Connection,
    abuse_id: i64,
    message_id: i64,
) -> Result<Option<MessageRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM abuse_messages WHERE id = ?1 AND abuse_id = ?2"
            ),
            params![message_id, abuse_id],
            message_from_row,
        )
        .optional()?)
}

pub fn delete(conn: &Connection, message_id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM abuse_messages WHERE id = ?1", [message_id])? == 1)
}
