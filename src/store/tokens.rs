//! OAuth clients and tokens. Tokens are kept as SHA-256 hashes only.

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, now};

pub struct ClientRow {
    pub client_id: String,
    pub client_secret: String,
}

pub fn local_client(conn: &Connection) -> Result<Option<ClientRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT client_id, client_secret FROM oauth_clients ORDER BY id LIMIT 1",
            [],
            |r| {
                Ok(ClientRow {
                    client_id: r.get(0)?,
                    client_secret: r.get(1)?,
                })
            },
        )
        .optional()?)
}

pub fn insert_client(
    conn: &Connection,
    client_id: &str,
    client_secret: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO oauth_clients (client_id, client_secret) VALUES (?1, ?2)",
        params![client_id, client_secret],
    )?;
    Ok(())
}

pub struct NewToken<'a> {
    pub user_id: i64,
    pub access_hash: &'a str,
    pub refresh_hash: &'a str,
    pub access_expires_at: &'a str,
    pub refresh_expires_at: &'a str,
}

pub fn insert(conn: &Connection, t: &NewToken) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO oauth_tokens (user_id, access_hash, refresh_hash, access_expires_at, \
         refresh_expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            t.user_id,
            t.access_hash,
            t.refresh_hash,
            t.access_expires_at,
            t.refresh_expires_at,
            now()
        ],
    )?;
    Ok(())
}

/// The user owning a live access token.
pub fn user_for_access(
    conn: &Connection,
    access_hash: &str,
    at: &str,
) -> Result<Option<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM oauth_tokens WHERE access_hash = ?1 AND access_expires_at > ?2",
    )?;
    Ok(stmt
        .query_row(params![access_hash, at], |r| r.get(0))
        .optional()?)
}

/// Removes a live refresh token and returns its user, so a refresh token works only once.
pub fn take_refresh(
    conn: &Connection,
    refresh_hash: &str,
    at: &str,
) -> Result<Option<i64>, StoreError> {
    let user: Option<i64> = conn
        .query_row(
            "SELECT user_id FROM oauth_tokens WHERE refresh_hash = ?1 AND refresh_expires_at > ?2",
            params![refresh_hash, at],
            |r| r.get(0),
        )
        .optional()?;
    if user.is_some() {
        conn.execute(
            "DELETE FROM oauth_tokens WHERE refresh_hash = ?1",
            [refresh_hash],
        )?;
    }
    Ok(user)
}

pub fn delete_by_access(conn: &Connection, access_hash: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM oauth_tokens WHERE access_hash = ?1",
        [access_hash],
    )?)
}

pub fn delete_for_user(conn: &Connection, user_id: i64) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM oauth_tokens WHERE user_id = ?1", [user_id])?)
}

pub fn delete_expired(conn: &Connection, at: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM oauth_tokens WHERE refresh_expires_at <= ?1",
        [at],
    )?)
}
