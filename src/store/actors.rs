//! Actors and what is built on them: accounts (Person) and channels (Group). Local actors share
//! one name space, so a channel can never take an account's name or the other way round.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct ActorRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub host: Option<String>,
    pub url: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Accepted follows of this actor and by it (PeerTube's `followersCount` /
    /// `followingCount`). A remote actor's are its origin's totals when known, and never less
    /// than the follows this instance knows of (the origin's may predate ours).
    pub followers_count: i64,
    pub following_count: i64,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub actor: ActorRow,
}

#[derive(Debug, Clone)]
pub struct ChannelRow {
    pub id: i64,
    pub account_id: i64,
    pub support: Option<String>,
    pub actor: ActorRow,
}

// The two counts use the follows indexes (target_id, state) and (follower_id, target_id).
const ACTOR_COLUMNS: &str = "a.id, a.kind, a.name, a.host, a.url, a.display_name, a.description, \
     a.created_at, a.updated_at, \
     MAX(COALESCE(a.remote_followers_count, 0), \
         (SELECT COUNT(*) FROM follows f WHERE f.target_id = a.id AND f.state = 'accepted')), \
     MAX(COALESCE(a.remote_following_count, 0), \
         (SELECT COUNT(*) FROM follows f WHERE f.follower_id = a.id AND f.state = 'accepted'))";

/// Maps the eleven actor columns starting at `offset`.
fn actor_at(r: &Row, offset: usize) -> rusqlite::Result<ActorRow> {
    Ok(ActorRow {
        id: r.get(offset)?,
        kind: r.get(offset + 1)?,
        name: r.get(offset + 2)?,
        host: r.get(offset + 3)?,
        url: r.get(offset + 4)?,
        display_name: r.get(offset + 5)?,
        description: r.get(offset + 6)?,
        created_at: r.get(offset + 7)?,
        updated_at: r.get(offset + 8)?,
        followers_count: r.get(offset + 9)?,
        following_count: r.get(offset + 10)?,
    })
}

fn account_from_row(r: &Row) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        actor: actor_at(r, 2)?,
    })
}

fn channel_from_row(r: &Row) -> rusqlite::Result<ChannelRow> {
    Ok(ChannelRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        support: r.get(2)?,
        actor: actor_at(r, 3)?,
    })
}

fn account_select(condition: &str) -> String {
    format!(
        "SELECT acc.id, acc.user_id, {ACTOR_COLUMNS} FROM accounts acc \
         JOIN actors a ON a.id = acc.actor_id WHERE {condition}"
    )
}

fn channel_select(condition: &str) -> String {
    format!(
        "SELECT ch.id, ch.account_id, ch.support, {ACTOR_COLUMNS} FROM channels ch \
         JOIN actors a ON a.id = ch.actor_id WHERE {condition}"
    )
}

/// At most one row of `sql`, through the connection's statement cache: account and channel
/// look-ups run for every video page and comment list, and their joins cost more to parse
/// than to run.
fn one<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    from_row: fn(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params, from_row)
        .optional()?)
}

/// True when a local actor (account, channel or the instance actor) already has this name.
pub fn local_name_taken(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM actors WHERE host IS NULL AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn insert_actor(
    conn: &Connection,
    kind: &str,
    name: &str,
    display_name: &str,
    description: Option<&str>,
) -> Result<i64, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO actors (kind, name, display_name, description, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![kind, name, display_name, description, at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update_actor(
    conn: &Connection,
    actor_id: i64,
    display_name: Option<&str>,
    description: Option<Option<&str>>,
) -> Result<(), StoreError> {
    if let Some(name) = display_name {
        conn.execute(
            "UPDATE actors SET display_name = ?1 WHERE id = ?2",
            params![name, actor_id],
        )?;
    }
    if let Some(description) = description {
        conn.execute(
            "UPDATE actors SET description = ?1 WHERE id = ?2",
            params![description, actor_id],
        )?;
    }
    conn.execute(
        "UPDATE actors SET updated_at = ?1 WHERE id = ?2",
        params![now(), actor_id],
    )?;
    Ok(())
}

pub fn insert_account(
    conn: &Connection,
    actor_id: i64,
    user_id: Option<i64>,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO accounts (actor_id, user_id) VALUES (?1, ?2)",
        params![actor_id, user_id],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_channel(
    conn: &Connection,
    actor_id: i64,
    account_id: i64,
    support: Option<&str>,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO channels (actor_id, account_id, support) VALUES (?1, ?2, ?3)",
        params![actor_id, account_id, support],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn set_channel_support(
    conn: &Connection,
    channel_id: i64,
    support: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE channels SET support = ?1 WHERE id = ?2",
        params![support, channel_id],
    )?;
    Ok(())
}

pub fn account_by_user(conn: &Connection, user_id: i64) -> Result<Option<AccountRow>, StoreError> {
    one(
        conn,
        &account_select("acc.user_id = ?1"),
        [user_id],
        account_from_row,
    )
}

pub fn account_by_id(conn: &Connection, id: i64) -> Result<Option<AccountRow>, StoreError> {
    one(conn, &account_select("acc.id = ?1"), [id], account_from_row)
}

/// An account by name; `host` None means a local account.
pub fn account_by_name(
    conn: &Connection,
    name: &str,
    host: Option<&str>,
) -> Result<Option<AccountRow>, StoreError> {
    one(
        conn,
        &account_select("a.name = ?1 AND a.host IS ?2"),
        params![name, host],
        account_from_row,
    )
}

pub fn channel_by_id(conn: &Connection, id: i64) -> Result<Option<ChannelRow>, StoreError> {
    one(conn, &channel_select("ch.id = ?1"), [id], channel_from_row)
}

pub fn channel_by_name(
    conn: &Connection,
    name: &str,
    host: Option<&str>,
) -> Result<Option<ChannelRow>, StoreError> {
    one(
        conn,
        &channel_select("a.name = ?1 AND a.host IS ?2"),
        params![name, host],
        channel_from_row,
    )
}

pub fn channels_of_account(
    conn: &Connection,
    account_id: i64,
) -> Result<Vec<ChannelRow>, StoreError> {
    let mut stmt = conn.prepare(&channel_select("ch.account_id = ?1 ORDER BY ch.id"))?;
    let rows = stmt
        .query_map([account_id], channel_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn count_channels_of_account(conn: &Connection, account_id: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM channels WHERE account_id = ?1",
        [account_id],
        |r| r.get(0),
    )?)
}

fn channel_sort(sort: &str) -> &'static str {
    match sort {
        "createdAt" => "a.created_at ASC",
        "-createdAt" => "a.created_at DESC",
        "name" | "displayName" => "a.display_name COLLATE NOCASE ASC",
        "-name" | "-displayName" => "a.display_name COLLATE NOCASE DESC",
        _ => "a.created_at ASC",
    }
}

/// A page of channels, optionally only those of one account, and the total count.
pub fn list_channels(
    conn: &Connection,
    account_id: Option<i64>,
    start: i64,
    count: i64,
    sort: &str,
) -> Result<(i64, Vec<ChannelRow>), StoreError> {
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM channels WHERE ?1 IS NULL OR account_id = ?1",
        [account_id],
        |r| r.get(0),
    )?;
    let sql = channel_select(&format!(
        "(?1 IS NULL OR ch.account_id = ?1) ORDER BY {}, ch.id LIMIT ?2 OFFSET ?3",
        channel_sort(sort)
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(params![account_id, count, start], channel_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

pub fn delete_actor(conn: &Connection, actor_id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM actors WHERE id = ?1", [actor_id])?;
    Ok(())
}

/// Actor ids of an account and all its channels (what must go when the account goes).
pub fn actor_ids_of_account(conn: &Connection, account_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT actor_id FROM channels WHERE account_id = ?1 \
         UNION ALL SELECT actor_id FROM accounts WHERE id = ?1",
    )?;
    let ids = stmt
        .query_map([account_id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// Channels whose name or display name contains `text` (case-insensitive), by display name.
pub fn search_channels(
    conn: &Connection,
    text: &str,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<ChannelRow>), StoreError> {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let condition = "(a.name LIKE ?1 ESCAPE '\\' OR a.display_name LIKE ?1 ESCAPE '\\')";
    let total: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM channels ch JOIN actors a ON a.id = ch.actor_id WHERE {condition}"
        ),
        [&pattern],
        |r| r.get(0),
    )?;
    let sql = channel_select(&format!(
        "{condition} ORDER BY a.display_name COLLATE NOCASE, ch.id LIMIT ?2 OFFSET ?3"
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(params![pattern, count, start], channel_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}
