//! `video_comments`: threads (a top comment) and their replies; deleted comments stay as
//! tombstones so threads keep their shape, as in PeerTube.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: i64,
    pub video_id: i64,
    pub account_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub in_reply_to: Option<i64>,
    pub text: String,
    pub held_for_review: bool,
    /// The `ApproveReply` that released this comment (ours, on a remote video), if any.
    pub reply_approval: Option<String>,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Replies in the thread (threads only).
    pub total_replies: i64,
}

const COLUMNS: &str = "c.id, c.video_id, c.account_id, c.thread_id, c.in_reply_to, c.text, c.held_for_review, \
     c.deleted_at, c.created_at, c.updated_at, c.reply_approval, \
     (SELECT COUNT(*) FROM video_comments r WHERE r.thread_id = c.id AND r.deleted_at IS NULL)";

fn from_row(r: &Row) -> rusqlite::Result<CommentRow> {
    Ok(CommentRow {
        id: r.get(0)?,
        video_id: r.get(1)?,
        account_id: r.get(2)?,
        thread_id: r.get(3)?,
        in_reply_to: r.get(4)?,
        text: r.get(5)?,
        held_for_review: r.get(6)?,
        deleted_at: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        reply_approval: r.get(10)?,
        total_replies: r.get(11)?,
    })
}

pub fn insert(
    conn: &Connection,
    video_id: i64,
    account_id: i64,
    parent: Option<&CommentRow>,
    text: &str,
    held: bool,
) -> Result<i64, StoreError> {
    let at = now();
    let thread = parent.map(|p| p.thread_id.unwrap_or(p.id));
    conn.execute(
        "INSERT INTO video_comments (video_id, account_id, thread_id, in_reply_to, text, held_for_review, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![video_id, account_id, thread, parent.map(|p| p.id), text, held, at],
    )?;
    let id = conn.last_insert_rowid();
    super::notify::comment_created(conn, id);
    Ok(id)
}

pub fn get(conn: &Connection, video_id: i64, id: i64) -> Result<Option<CommentRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM video_comments c WHERE c.id = ?1 AND c.video_id = ?2"),
            params![id, video_id],
            from_row,
        )
        .optional()?)
}

/// Top comments of a video, with the total. Held comments show only to `viewer_account` when it
/// wrote them, or to everyone when `show_held` (the video's owner).
pub fn threads(
    conn: &Connection,
    video_id: i64,
    viewer_account: Option<i64>,
    show_held: bool,
    newest_first: bool,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<CommentRow>), StoreError> {
    let visible = "c.video_id = ?1 AND c.thread_id IS NULL AND (c.held_for_review = 0 OR ?2 OR c.account_id IS ?3)";
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM video_comments c WHERE {visible}"),
        params![video_id, show_held, viewer_account],
        |r| r.get(0),
    )?;
    let order = if newest_first { "DESC" } else { "ASC" };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM video_comments c WHERE {visible} ORDER BY c.created_at {order}, c.id {order} LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt
        .query_map(
            params![video_id, show_held, viewer_account, count, start],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

/// Every reply of a thread, oldest first.
pub fn replies(
    conn: &Connection,
    thread_id: i64,
    viewer_account: Option<i64>,
    show_held: bool,
) -> Result<Vec<CommentRow>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM video_comments c WHERE c.thread_id = ?1 \
         AND (c.held_for_review = 0 OR ?2 OR c.account_id IS ?3) ORDER BY c.created_at, c.id"
    ))?;
    let rows = stmt
        .query_map(params![thread_id, show_held, viewer_account], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Releases a comment held for approval; `reply_approval` is the remote owner's `ApproveReply`
/// when that is what released it. False when it was not held.
pub fn approve(
    conn: &Connection,
    id: i64,
    reply_approval: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE video_comments SET held_for_review = 0, reply_approval = ?2 \
         WHERE id = ?1 AND held_for_review = 1",
        params![id, reply_approval],
    )? == 1)
}

/// Soft delete: the text goes, the place in the thread stays.
/// Marks every comment of an account deleted, before the account itself goes: the comments
/// stay as tombstones so their replies keep their threads, as deleted comments do (an
/// author-less comment otherwise showed with `account: null` and `isDeleted: false`, which
/// NewPipe cannot read).
pub fn delete_all_of_account(conn: &Connection, account_id: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE video_comments SET text = '', deleted_at = ?1, updated_at = ?1 \
         WHERE account_id = ?2 AND deleted_at IS NULL",
        params![now(), account_id],
    )?)
}

pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE video_comments SET text = '', deleted_at = ?1, updated_at = ?1 WHERE id = ?2",
        params![now(), id],
    )?;
    Ok(())
}

pub fn count_for_video(conn: &Connection, video_id: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM video_comments WHERE video_id = ?1 AND deleted_at IS NULL AND held_for_review = 0",
        [video_id],
        |r| r.get(0),
    )?)
}

/// A comment as a feed shows it: with its video and author.
#[derive(Debug, Clone)]
pub struct FeedComment {
    pub id: i64,
    pub thread_id: i64,
    pub text: String,
    pub created_at: String,
    pub video_uuid: String,
    pub video_name: String,
    pub author_name: String,
    pub author_display_name: String,
}

/// Which comments a feed lists: all, or those on one video, one account's or one channel's.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedScope {
    pub video_id: Option<i64>,
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
}

/// The newest visible comments (not deleted, not held for review) on public published videos.
pub fn recent_public(
    conn: &Connection,
    scope: FeedScope,
    limit: i64,
) -> Result<Vec<FeedComment>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, COALESCE(c.thread_id, c.id), c.text, c.created_at, v.uuid, v.name, a.name, a.display_name \
         FROM video_comments c \
         JOIN videos v ON v.id = c.video_id \
         JOIN channels ch ON ch.id = v.channel_id \
         JOIN accounts acc ON acc.id = c.account_id \
         JOIN actors a ON a.id = acc.actor_id \
         WHERE c.deleted_at IS NULL AND c.held_for_review = 0 AND v.privacy = 1 AND v.state = 1 \
           AND (?1 IS NULL OR v.id = ?1) AND (?2 IS NULL OR ch.account_id = ?2) \
           AND (?3 IS NULL OR ch.id = ?3) \
         ORDER BY c.created_at DESC, c.id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![scope.video_id, scope.account_id, scope.channel_id, limit],
        |r| {
            Ok(FeedComment {
                id: r.get(0)?,
                thread_id: r.get(1)?,
                text: r.get(2)?,
                created_at: r.get(3)?,
                video_uuid: r.get(4)?,
                video_name: r.get(5)?,
                author_name: r.get(6)?,
                author_display_name: r.get(7)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
