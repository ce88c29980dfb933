//! The `users` table: local users who can log in, with their role, quota and preferences.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter, types::Value};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub password_hash: String,
    pub role: u8,
    pub admin_flags: i64,
    pub video_quota: i64,
    pub video_quota_daily: i64,
    pub blocked: bool,
    pub blocked_reason: Option<String>,
    pub nsfw_policy: String,
    pub auto_play_video: bool,
    pub auto_play_next_video: bool,
    pub p2p_enabled: bool,
    pub videos_history_enabled: bool,
    pub theme: String,
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// Unread notifications, read with the row (a partial index makes it cheap) so every page
    /// header can show the count without a query of its own.
    pub unread_notifications: i64,
}

const COLUMNS: &str = "id, username, email, email_verified, password_hash, role, admin_flags, \
     video_quota, video_quota_daily, blocked, blocked_reason, nsfw_policy, auto_play_video, \
     auto_play_next_video, p2p_enabled, videos_history_enabled, theme, created_at, last_login_at, \
     (SELECT COUNT(*) FROM notifications n WHERE n.user_id = users.id AND n.read = 0)";

fn from_row(r: &Row) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        username: r.get(1)?,
        email: r.get(2)?,
        email_verified: r.get(3)?,
        password_hash: r.get(4)?,
        role: r.get(5)?,
        admin_flags: r.get(6)?,
        video_quota: r.get(7)?,
        video_quota_daily: r.get(8)?,
        blocked: r.get(9)?,
        blocked_reason: r.get(10)?,
        nsfw_policy: r.get(11)?,
        auto_play_video: r.get(12)?,
        auto_play_next_video: r.get(13)?,
        p2p_enabled: r.get(14)?,
        videos_history_enabled: r.get(15)?,
        theme: r.get(16)?,
        created_at: r.get(17)?,
        last_login_at: r.get(18)?,
        unread_notifications: r.get(19)?,
    })
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: u8,
    pub video_quota: i64,
    pub video_quota_daily: i64,
    pub email_verified: bool,
}

pub fn insert(conn: &Connection, user: &NewUser) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO users (username, email, email_verified, password_hash, role, video_quota, \
         video_quota_daily, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            user.username,
            user.email,
            user.email_verified,
            user.password_hash,
            user.role,
            user.video_quota,
            user.video_quota_daily,
            now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], from_row).optional()?)
}

pub fn by_username(conn: &Connection, username: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = ?1");
    Ok(conn.query_row(&sql, [username], from_row).optional()?)
}

/// PeerTube lets people log in with their username or their email address.
pub fn by_login(conn: &Connection, login: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = ?1 OR email = ?1 LIMIT 1");
    Ok(conn.query_row(&sql, [login], from_row).optional()?)
}

pub fn email_taken(
    conn: &Connection,
    email: &str,
    except_user: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE email = ?1 AND id IS NOT ?2",
            params![email, except_user],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

pub fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

pub fn count_admins(conn: &Connection) -> Result<i64, StoreError> {
    Ok(
        conn.query_row("SELECT COUNT(*) FROM users WHERE role = 0", [], |r| {
            r.get(0)
        })?,
    )
}

/// Sort keys PeerTube accepts for user lists, mapped to columns.
fn sort_clause(sort: &str) -> &'static str {
    match sort {
        "id" => "id ASC",
        "-id" => "id DESC",
        "username" => "username ASC",
        "-username" => "username DESC",
        "createdAt" => "created_at ASC",
        "lastLoginDate" => "last_login_at ASC",
        "-lastLoginDate" => "last_login_at DESC",
        "role" => "role ASC",
        "-role" => "role DESC",
        _ => "created_at DESC",
    }
}

pub struct UserFilter {
    pub start: i64,
    pub count: i64,
    pub sort: String,
    pub search: Option<String>,
    pub blocked: Option<bool>,
}

pub fn list(conn: &Connection, filter: &UserFilter) -> Result<(i64, Vec<UserRow>), StoreError> {
    let mut conditions = vec!["1 = 1".to_string()];
    let mut args: Vec<Value> = Vec::new();
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", search.replace(['%', '_'], ""));
        conditions.push("(username LIKE ? OR email LIKE ?)".into());
        args.push(Value::Text(pattern.clone()));
        args.push(Value::Text(pattern));
    }
    if let Some(blocked) = filter.blocked {
        conditions.push("blocked = ?".into());
        args.push(Value::Integer(blocked as i64));
    }
    let where_clause = conditions.join(" AND ");
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM users WHERE {where_clause}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE {where_clause} ORDER BY {}, id LIMIT ? OFFSET ?",
        sort_clause(&filter.sort)
    );
    args.push(Value::Integer(filter.count));
    args.push(Value::Integer(filter.start));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

/// Fields a user or an administrator may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct UserChanges {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub password_hash: Option<String>,
    pub role: Option<u8>,
    pub admin_flags: Option<i64>,
    pub video_quota: Option<i64>,
    pub video_quota_daily: Option<i64>,
    pub nsfw_policy: Option<String>,
    pub auto_play_video: Option<bool>,
    pub auto_play_next_video: Option<bool>,
    pub p2p_enabled: Option<bool>,
    pub videos_history_enabled: Option<bool>,
    pub theme: Option<String>,
}

pub fn update(conn: &Connection, id: i64, c: &UserChanges) -> Result<(), StoreError> {
    let mut sets: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut push = |column: &'static str, value: Option<Value>| {
        if let Some(v) = value {
            sets.push(column);
            args.push(v);
        }
    };
    push("email = ?", c.email.clone().map(Value::Text));
    push(
        "email_verified = ?",
        c.email_verified.map(|b| Value::Integer(b as i64)),
    );
    push(
        "password_hash = ?",
        c.password_hash.clone().map(Value::Text),
    );
    push("role = ?", c.role.map(|r| Value::Integer(r as i64)));
    push("admin_flags = ?", c.admin_flags.map(Value::Integer));
    push("video_quota = ?", c.video_quota.map(Value::Integer));
    push(
        "video_quota_daily = ?",
        c.video_quota_daily.map(Value::Integer),
    );
    push("nsfw_policy = ?", c.nsfw_policy.clone().map(Value::Text));
    push(
        "auto_play_video = ?",
        c.auto_play_video.map(|b| Value::Integer(b as i64)),
    );
    push(
        "auto_play_next_video = ?",
        c.auto_play_next_video.map(|b| Value::Integer(b as i64)),
    );
    push(
        "p2p_enabled = ?",
        c.p2p_enabled.map(|b| Value::Integer(b as i64)),
    );
    push(
        "videos_history_enabled = ?",
        c.videos_history_enabled.map(|b| Value::Integer(b as i64)),
    );
    push("theme = ?", c.theme.clone().map(Value::Text));
    if sets.is_empty() {
        return Ok(());
    }
    args.push(Value::Integer(id));
    let sql = format!("UPDATE users SET {} WHERE id = ?", sets.join(", "));
    conn.execute(&sql, params_from_iter(args.iter()))?;
    Ok(())
}

pub fn set_blocked(
    conn: &Connection,
    id: i64,
    blocked: bool,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET blocked = ?1, blocked_reason = ?2 WHERE id = ?3",
        params![blocked, reason, id],
    )?;
    Ok(())
}

pub fn touch_login(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET last_login_at = ?1 WHERE id = ?2",
        params![now(), id],
    )?;
    Ok(())
}

/// Deletes the user; its account, channels, tokens and images go with it (ON DELETE CASCADE
/// through accounts -> actors is done by the caller, which knows the actors).
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}
