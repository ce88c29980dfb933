//! `notifications` and `notification_settings`: what each user is told, read or not, and per
//! type whether they want to be told at all (who is told of what is in `notify`).

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::{StoreError, now};

/// PeerTube's UserNotificationType numbers Kinora produces.
pub const NEW_VIDEO_FROM_SUBSCRIPTION: i64 = 1;
pub const NEW_COMMENT_ON_MY_VIDEO: i64 = 2;
pub const NEW_ABUSE_FOR_MODERATORS: i64 = 3;
pub const MY_VIDEO_PUBLISHED: i64 = 6;
pub const NEW_USER_REGISTRATION: i64 = 9;
pub const NEW_FOLLOW: i64 = 10;
pub const COMMENT_MENTION: i64 = 11;
pub const NEW_INSTANCE_FOLLOWER: i64 = 13;
pub const ABUSE_STATE_CHANGE: i64 = 15;
pub const ABUSE_NEW_MESSAGE: i64 = 16;

/// PeerTube's UserNotificationSetting fields with their columns and PeerTube's defaults
/// (1 web, 2 email, 3 both). The table's column defaults say the same.
pub const SETTINGS: &[(&str, &str, i64)] = &[
    ("newVideoFromSubscription", "new_video_from_subscription", 1),
    ("newCommentOnMyVideo", "new_comment_on_my_video", 1),
    ("abuseAsModerator", "abuse_as_moderator", 3),
    (
        "videoAutoBlacklistAsModerator",
        "video_auto_blacklist_as_moderator",
        3,
    ),
    ("blacklistOnMyVideo", "blacklist_on_my_video", 3),
    ("myVideoPublished", "my_video_published", 1),
    ("myVideoImportFinished", "my_video_import_finished", 1),
    ("newFollow", "new_follow", 1),
    ("newUserRegistration", "new_user_registration", 1),
    ("commentMention", "comment_mention", 1),
    ("newInstanceFollower", "new_instance_follower", 1),
    ("autoInstanceFollowing", "auto_instance_following", 1),
    ("abuseStateChange", "abuse_state_change", 1),
    ("abuseNewMessage", "abuse_new_message", 1),
    ("newPeerTubeVersion", "new_peertube_version", 1),
    ("newPluginVersion", "new_plugin_version", 1),
    (
        "myVideoStudioEditionFinished",
        "my_video_studio_edition_finished",
        1,
    ),
];

/// The web bit of a setting value: without it no notification row is made.
pub const WEB: i64 = 1;

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: i64,
    pub read: bool,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub abuse_id: Option<i64>,
    pub follow_id: Option<i64>,
    pub account_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, user_id, type, read, video_id, comment_id, abuse_id, follow_id, \
     account_id, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<NotificationRow> {
    Ok(NotificationRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        kind: r.get(2)?,
        read: r.get(3)?,
        video_id: r.get(4)?,
        comment_id: r.get(5)?,
        abuse_id: r.get(6)?,
        follow_id: r.get(7)?,
        account_id: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

/// What a new notification refers to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Refs {
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub abuse_id: Option<i64>,
    pub follow_id: Option<i64>,
    pub account_id: Option<i64>,
}

pub fn insert(conn: &Connection, user_id: i64, kind: i64, refs: Refs) -> Result<i64, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO notifications (user_id, type, video_id, comment_id, abuse_id, follow_id, \
         account_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            user_id,
            kind,
            refs.video_id,
            refs.comment_id,
            refs.abuse_id,
            refs.follow_id,
            refs.account_id,
            at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// `(total, page)` of a user's notifications, newest first unless `oldest_first`.
pub fn list(
    conn: &Connection,
    user_id: i64,
    unread_only: bool,
    oldest_first: bool,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<NotificationRow>), StoreError> {
    let filter = if unread_only {
        "user_id = ?1 AND read = 0"
    } else {
        "user_id = ?1"
    };
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM notifications WHERE {filter}"),
        [user_id],
        |r| r.get(0),
    )?;
    let order = if oldest_first { "ASC" } else { "DESC" };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE {filter} \
         ORDER BY created_at {order}, id {order} LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(params![user_id, count, start], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

pub fn unread_count(conn: &Connection, user_id: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read = 0",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Marks these of the user's notifications read (ids of other users' are left alone).
pub fn mark_read(conn: &Connection, user_id: i64, ids: &[i64]) -> Result<usize, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let placeholders = (0..ids.len())
        .map(|i| format!("?{}", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let mut values: Vec<rusqlite::types::Value> = vec![user_id.into(), now().into()];
    values.extend(ids.iter().map(|&id| id.into()));
    Ok(conn.execute(
        &format!(
            "UPDATE notifications SET read = 1, updated_at = ?2 \
             WHERE user_id = ?1 AND read = 0 AND id IN ({placeholders})"
        ),
        params_from_iter(values.iter()),
    )?)
}

pub fn mark_all_read(conn: &Connection, user_id: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE notifications SET read = 1, updated_at = ?2 WHERE user_id = ?1 AND read = 0",
        params![user_id, now()],
    )?)
}

/// Every setting of a user as `(API name, value)`, in `SETTINGS` order.
pub fn settings(conn: &Connection, user_id: i64) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let columns = SETTINGS
        .iter()
        .map(|(_, c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ");
    let stored: Option<Vec<i64>> = conn
        .query_row(
            &format!("SELECT {columns} FROM notification_settings WHERE user_id = ?1"),
            [user_id],
            |r| (0..SETTINGS.len()).map(|i| r.get(i)).collect(),
        )
        .optional()?;
    Ok(SETTINGS
        .iter()
        .enumerate()
        .map(|(i, (name, _, default))| (*name, stored.as_ref().map(|s| s[i]).unwrap_or(*default)))
        .collect())
}

/// One setting's value for a user (its column is one of `SETTINGS`).
pub fn setting(conn: &Connection, user_id: i64, column: &str) -> Result<i64, StoreError> {
    let Some((_, column, default)) = SETTINGS.iter().find(|(_, c, _)| *c == column) else {
        return Ok(0);
    };
    Ok(conn
        .query_row(
            &format!("SELECT {column} FROM notification_settings WHERE user_id = ?1"),
            [user_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(*default))
}

/// Sets the given settings (`(API name, value)`; names not in `SETTINGS` are skipped), keeping
/// the others.
pub fn update_settings(
    conn: &Connection,
    user_id: i64,
    changes: &[(String, i64)],
) -> Result<(), StoreError> {
    let at = now();
    conn.execute(
        "INSERT OR IGNORE INTO notification_settings (user_id, updated_at) VALUES (?1, ?2)",
        params![user_id, at],
    )?;
    for (name, value) in changes {
        if let Some((_, column, _)) = SETTINGS.iter().find(|(n, _, _)| n == name) {
            conn.execute(
                &format!(
                    "UPDATE notification_settings SET {column} = ?1, updated_at = ?2 WHERE user_id = ?3"
                ),
                params![value, at, user_id],
            )?;
        }
    }
    Ok(())
}
