//! Remote content cached from other servers: videos (with their origin's media links),
//! comments, rates and shares; received activity ids. (Reports received with Flag are in
//! `abuses`.)

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, now};

/// A remote video as read from its ActivityPub object.
#[derive(Debug, Clone, Default)]
pub struct RemoteVideo {
    pub url: String,
    pub uuid: String,
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub privacy: i64,
    pub nsfw: bool,
    pub comments_policy: i64,
    pub download_enabled: bool,
    pub state: i64,
    pub duration: i64,
    pub views: i64,
    pub published_at: Option<String>,
    pub updated_at: Option<String>,
    pub originally_published_at: Option<String>,
    pub tags: Vec<String>,
    /// JSON: playlist and file links, thumbnail and preview URLs (see federation::objects::video).
    pub media: String,
}

/// Inserts or refreshes a remote video by its id; the row id.
pub fn upsert_video(conn: &Connection, v: &RemoteVideo) -> Result<i64, StoreError> {
    let at = now();
    let published = v.published_at.clone().unwrap_or_else(|| at.clone());
    let updated = v.updated_at.clone().unwrap_or_else(|| at.clone());
    let existing: Option<i64> = conn
        .query_row("SELECT id FROM videos WHERE url = ?1", [&v.url], |r| {
            r.get(0)
        })
        .optional()?;
    let id = match existing {
        Some(id) => {
            conn.execute(
                "UPDATE videos SET channel_id = ?1, name = ?2, description = ?3, support = ?4, category = ?5, \
                 licence = ?6, language = ?7, privacy = ?8, nsfw = ?9, comments_policy = ?10, \
                 download_enabled = ?11, state = ?12, duration = ?13, views = MAX(views, ?14), \
                 published_at = ?15, updated_at = ?16, remote_media = ?17, fetched_at = ?18, \
                 originally_published_at = ?19 WHERE id = ?20",
                params![
                    v.channel_id, v.name, v.description, v.support, v.category, v.licence, v.language,
                    v.privacy, v.nsfw, v.comments_policy, v.download_enabled, v.state, v.duration,
                    v.views, published, updated, v.media, at, v.originally_published_at, id
                ],
            )?;
            conn.execute("DELETE FROM video_tags WHERE video_id = ?1", [id])?;
            id
        }
        None => {
            conn.execute(
                "INSERT INTO videos (uuid, channel_id, name, description, support, category, licence, language, \
                 privacy, nsfw, comments_policy, download_enabled, state, duration, views, original_filename, \
                 original_size, hls_uuid, published_at, created_at, updated_at, url, remote_media, fetched_at, \
                 originally_published_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, '', 0, '', ?16, ?16, ?17, ?18, ?19, ?20, ?21)",
                params![
                    v.uuid, v.channel_id, v.name, v.description, v.support, v.category, v.licence,
                    v.language, v.privacy, v.nsfw, v.comments_policy, v.download_enabled, v.state,
                    v.duration, v.views, published, updated, v.url, v.media, at, v.originally_published_at
                ],
            )?;
            conn.last_insert_rowid()
        }
    };
    for tag in &v.tags {
        conn.execute(
            "INSERT OR IGNORE INTO video_tags (video_id, tag) VALUES (?1, ?2)",
            params![id, tag],
        )?;
    }
    super::notify::video_from_subscription(conn, id);
    Ok(id)
}

pub fn video_id_by_url(conn: &Connection, url: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row("SELECT id FROM videos WHERE url = ?1", [url], |r| r.get(0))
        .optional()?)
}

/// (remote url, cached media JSON, fetched at) of a video; url None for a local video.
pub type RemoteParts = (Option<String>, Option<String>, Option<String>);

pub fn video_remote_parts(conn: &Connection, id: i64) -> Result<Option<RemoteParts>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT url, remote_media, fetched_at FROM videos WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

pub fn delete_video_by_url(
    conn: &Connection,
    url: &str,
    channel_ids: &[i64],
) -> Result<bool, StoreError> {
    let Some(id) = video_id_by_url(conn, url)? else {
        return Ok(false);
    };
    let channel: i64 =
        conn.query_row("SELECT channel_id FROM videos WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    if !channel_ids.contains(&channel) {
        return Ok(false);
    }
    conn.execute("DELETE FROM videos WHERE id = ?1", [id])?;
    Ok(true)
}

/// Inserts a remote comment unless its id is known (`held` for review, when new); the row id
/// (existing or new) and whether it is new.
#[allow(clippy::too_many_arguments)]
pub fn upsert_comment(
    conn: &Connection,
    url: &str,
    video_id: i64,
    account_id: i64,
    thread_id: Option<i64>,
    in_reply_to: Option<i64>,
    text: &str,
    published: Option<&str>,
    held: bool,
) -> Result<(i64, bool), StoreError> {
    if let Some(id) = comment_id_by_url(conn, url)? {
        conn.execute(
            "UPDATE video_comments SET text = ?1, updated_at = ?2 WHERE id = ?3 AND account_id = ?4 AND deleted_at IS NULL",
            params![text, now(), id, account_id],
        )?;
        return Ok((id, false));
    }
    let at = now();
    let created = published.unwrap_or(&at);
    conn.execute(
        "INSERT INTO video_comments (video_id, account_id, thread_id, in_reply_to, text, held_for_review, \
         created_at, updated_at, url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![video_id, account_id, thread_id, in_reply_to, text, held, created, at, url],
    )?;
    let id = conn.last_insert_rowid();
    // A remote comment on a local video tells its owner, as a local one does.
    super::notify::comment_created(conn, id);
    Ok((id, true))
}

pub fn comment_id_by_url(conn: &Connection, url: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row("SELECT id FROM video_comments WHERE url = ?1", [url], |r| {
            r.get(0)
        })
        .optional()?)
}

/// (video id, thread id, author account id, url) of a comment.
pub type CommentParts = (i64, Option<i64>, Option<i64>, Option<String>);

pub fn comment_parts(conn: &Connection, id: i64) -> Result<Option<CommentParts>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT video_id, thread_id, account_id, url FROM video_comments WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
}

/// Soft-deletes a comment if `account_id` wrote it.
pub fn delete_comment_of(conn: &Connection, id: i64, account_id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE video_comments SET text = '', deleted_at = ?1, updated_at = ?1 \
         WHERE id = ?2 AND account_id = ?3 AND deleted_at IS NULL",
        params![now(), id, account_id],
    )? == 1)
}

/// Likes and dislikes of local users and remote actors together.
pub fn recount_rates(conn: &Connection, video_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE videos SET \
         likes = (SELECT COUNT(*) FROM video_rates WHERE video_id = ?1 AND rate = 'like') \
               + (SELECT COUNT(*) FROM video_remote_rates WHERE video_id = ?1 AND rate = 'like'), \
         dislikes = (SELECT COUNT(*) FROM video_rates WHERE video_id = ?1 AND rate = 'dislike') \
               + (SELECT COUNT(*) FROM video_remote_rates WHERE video_id = ?1 AND rate = 'dislike') \
         WHERE id = ?1",
        [video_id],
    )?;
    Ok(())
}

/// Sets (or with None removes) a remote actor's rating of a video.
pub fn set_remote_rate(
    conn: &Connection,
    actor_id: i64,
    video_id: i64,
    rate: Option<&str>,
    activity_url: Option<&str>,
) -> Result<(), StoreError> {
    match rate {
        Some(rate) => conn.execute(
            "INSERT INTO video_remote_rates (actor_id, video_id, rate, activity_url, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (actor_id, video_id) DO UPDATE SET \
             rate = excluded.rate, activity_url = excluded.activity_url",
            params![actor_id, video_id, rate, activity_url, now()],
        )?,
        None => conn.execute(
            "DELETE FROM video_remote_rates WHERE actor_id = ?1 AND video_id = ?2",
            params![actor_id, video_id],
        )?,
    };
    recount_rates(conn, video_id)
}

/// Removes a remote rating by the id of the activity that made it (Undo of a Like).
pub fn undo_remote_rate(
    conn: &Connection,
    actor_id: i64,
    activity_url: &str,
) -> Result<bool, StoreError> {
    let video: Option<i64> = conn
        .query_row(
            "SELECT video_id FROM video_remote_rates WHERE actor_id = ?1 AND activity_url = ?2",
            params![actor_id, activity_url],
            |r| r.get(0),
        )
        .optional()?;
    let Some(video_id) = video else {
        return Ok(false);
    };
    set_remote_rate(conn, actor_id, video_id, None, None)?;
    Ok(true)
}

pub fn add_share(
    conn: &Connection,
    actor_id: i64,
    video_id: i64,
    activity_url: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO video_shares (actor_id, video_id, activity_url, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![actor_id, video_id, activity_url, now()],
    )?;
    Ok(())
}

pub fn undo_share(
    conn: &Connection,
    actor_id: i64,
    activity_url: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM video_shares WHERE actor_id = ?1 AND activity_url = ?2",
        params![actor_id, activity_url],
    )? == 1)
}

pub fn count_shares(conn: &Connection, video_id: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM video_shares WHERE video_id = ?1",
        [video_id],
        |r| r.get(0),
    )?)
}

pub fn add_view(conn: &Connection, video_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE videos SET views = views + 1 WHERE id = ?1",
        [video_id],
    )?;
    Ok(())
}

/// Records an activity id; false when it was already seen (a replay or a duplicate delivery).
pub fn mark_received(conn: &Connection, url: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO received_activities (url, received_at) VALUES (?1, ?2)",
        params![url, now()],
    )? == 1)
}

pub fn was_received(conn: &Connection, url: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM received_activities WHERE url = ?1)",
        [url],
        |r| r.get(0),
    )?)
}

/// Forgets activity ids older than `before` (their signatures' dates are long expired).
pub fn prune_received(conn: &Connection, before: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM received_activities WHERE received_at < ?1",
        [before],
    )?)
}

/// (local published public videos, local comments) for NodeInfo.
pub fn local_stats(conn: &Connection) -> Result<(i64, i64), StoreError> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM videos WHERE url IS NULL AND privacy = 1 AND state = 1), \
         (SELECT COUNT(*) FROM video_comments WHERE url IS NULL AND deleted_at IS NULL)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
