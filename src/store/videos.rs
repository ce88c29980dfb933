//! `videos`, `video_tags` and `video_files`: a video's metadata, state and HLS renditions.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

pub use super::video_list::{VideoFilter, list};
use super::{StoreError, now};

#[derive(Debug, Clone)]
pub struct VideoRow {
    pub id: i64,
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
    pub wait_transcoding: bool,
    pub state: i64,
    pub state_error: Option<String>,
    pub duration: i64,
    pub views: i64,
    pub likes: i64,
    pub dislikes: i64,
    pub original_filename: String,
    pub original_size: i64,
    pub hls_uuid: String,
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// File names under `thumbnails/` and `previews/`, once made.
    pub thumbnail_file: Option<String>,
    pub preview_file: Option<String>,
    /// The uploader chose the pictures; the pipeline keeps them.
    pub custom_pictures: bool,
    /// ActivityPub id of a remote video (None: local).
    pub url: Option<String>,
    /// A remote video's media links as cached from its origin (federation::objects::video).
    pub remote_media: Option<String>,
    /// When the video was first published elsewhere (PeerTube's `originallyPublishedAt`).
    pub originally_published_at: Option<String>,
    pub schedule: Option<Schedule>,
}

/// A scheduled privacy change (PeerTube's `scheduleUpdate`): at `at` (RFC 3339 UTC) the video
/// takes `privacy`, or keeps its own when None.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    pub at: String,
    pub privacy: Option<i64>,
}

pub(super) const COLUMNS: &str = "id, uuid, channel_id, name, description, support, category, licence, language, \
     privacy, nsfw, comments_policy, download_enabled, wait_transcoding, state, state_error, duration, \
     views, likes, dislikes, original_filename, original_size, hls_uuid, published_at, created_at, updated_at, \
     thumbnail_file, preview_file, custom_pictures, url, remote_media, originally_published_at, \
     schedule_at, schedule_privacy";

pub(super) fn from_row(r: &Row) -> rusqlite::Result<VideoRow> {
    Ok(VideoRow {
        id: r.get(0)?,
        uuid: r.get(1)?,
        channel_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        support: r.get(5)?,
        category: r.get(6)?,
        licence: r.get(7)?,
        language: r.get(8)?,
        privacy: r.get(9)?,
        nsfw: r.get(10)?,
        comments_policy: r.get(11)?,
        download_enabled: r.get(12)?,
        wait_transcoding: r.get(13)?,
        state: r.get(14)?,
        state_error: r.get(15)?,
        duration: r.get(16)?,
        views: r.get(17)?,
        likes: r.get(18)?,
        dislikes: r.get(19)?,
        original_filename: r.get(20)?,
        original_size: r.get(21)?,
        hls_uuid: r.get(22)?,
        published_at: r.get(23)?,
        created_at: r.get(24)?,
        updated_at: r.get(25)?,
        thumbnail_file: r.get(26)?,
        preview_file: r.get(27)?,
        custom_pictures: r.get(28)?,
        url: r.get(29)?,
        remote_media: r.get(30)?,
        originally_published_at: r.get(31)?,
        schedule: match r.get::<_, Option<String>>(32)? {
            Some(at) => Some(Schedule {
                at,
                privacy: r.get(33)?,
            }),
            None => None,
        },
    })
}

/// The metadata a client sends with an upload, already validated.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct VideoMetadata {
    pub name: String,
    pub channel_id: i64,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub privacy: i64,
    pub nsfw: bool,
    pub comments_policy: i64,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    pub tags: Vec<String>,
    /// RFC 3339, UTC.
    #[serde(default)]
    pub originally_published_at: Option<String>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
}

pub fn insert(
    conn: &Connection,
    uuid: &str,
    hls_uuid: &str,
    m: &VideoMetadata,
    original_filename: &str,
    original_size: i64,
) -> Result<i64, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO videos (uuid, channel_id, name, description, support, category, licence, language, \
         privacy, nsfw, comments_policy, download_enabled, wait_transcoding, state, original_filename, \
         original_size, hls_uuid, created_at, updated_at, originally_published_at, schedule_at, \
         schedule_privacy) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 2, ?14, ?15, ?16, ?17, ?17, ?18, \
         ?19, ?20)",
        params![
            uuid,
            m.channel_id,
            m.name,
            m.description,
            m.support,
            m.category,
            m.licence,
            m.language,
            m.privacy,
            m.nsfw,
            m.comments_policy,
            m.download_enabled,
            m.wait_transcoding,
            original_filename,
            original_size,
            hls_uuid,
            at,
            m.originally_published_at,
            m.schedule.as_ref().map(|s| &s.at),
            m.schedule.as_ref().and_then(|s| s.privacy)
        ],
    )?;
    let id = conn.last_insert_rowid();
    for tag in &m.tags {
        conn.execute(
            "INSERT OR IGNORE INTO video_tags (video_id, tag) VALUES (?1, ?2)",
            params![id, tag],
        )?;
    }
    Ok(id)
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<VideoRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM videos WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

pub fn by_uuid(conn: &Connection, uuid: &str) -> Result<Option<VideoRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM videos WHERE uuid = ?1"),
            [uuid],
            from_row,
        )
        .optional()?)
}

pub fn tags(conn: &Connection, video_id: i64) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM video_tags WHERE video_id = ?1 ORDER BY tag")?;
    let tags = stmt
        .query_map([video_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(tags)
}

/// The ids as one JSON array parameter, for `IN (SELECT value FROM json_each(?))`: one cached
/// statement whatever the page size, instead of a query per video.
fn id_array(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// Tags of several videos at once (a page of a list), by video id.
pub fn tags_of(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT video_id, tag FROM video_tags WHERE video_id IN (SELECT value FROM json_each(?1)) \
         ORDER BY video_id, tag",
    )?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    let rows = stmt.query_map([id_array(ids)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    for row in rows {
        let (id, tag) = row?;
        out.entry(id).or_default().push(tag);
    }
    Ok(out)
}

/// Publishes: state 1 and, the first time, the publication date.
pub fn publish(conn: &Connection, id: i64, duration: i64) -> Result<(), StoreError> {
    // Only the first publication of a local video tells its uploader; later passes that add
    // renditions publish again.
    let first = conn
        .query_row(
            "SELECT published_at IS NULL FROM videos WHERE id = ?1 AND url IS NULL",
            [id],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false);
    conn.execute(
        "UPDATE videos SET state = 1, state_error = NULL, duration = ?1, \
         published_at = COALESCE(published_at, ?2), updated_at = ?2 WHERE id = ?3",
        params![duration, now(), id],
    )?;
    if first {
        super::notify::video_published(conn, id);
    }
    super::notify::video_from_subscription(conn, id);
    Ok(())
}

/// A video's thumbnail and preview file names.
pub type PictureNames = (Option<String>, Option<String>);

/// Records new picture files; returns the previous names so the caller can delete them, or
/// `None` when nothing changed: generated pictures (`custom` false) never replace the
/// uploader's own.
pub fn set_pictures(
    conn: &Connection,
    id: i64,
    thumbnail: &str,
    preview: &str,
    custom: bool,
) -> Result<Option<PictureNames>, StoreError> {
    let old = conn
        .query_row(
            "SELECT thumbnail_file, preview_file FROM videos WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None));
    let changed = conn.execute(
        "UPDATE videos SET thumbnail_file = ?1, preview_file = ?2, \
         custom_pictures = (custom_pictures OR ?3), updated_at = ?4 \
         WHERE id = ?5 AND (?3 OR custom_pictures = 0)",
        params![thumbnail, preview, custom, now(), id],
    )?;
    Ok((changed > 0).then_some(old))
}

pub fn set_failed(conn: &Connection, id: i64, reason: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE videos SET state = 7, state_error = ?1, updated_at = ?2 WHERE id = ?3",
        params![reason, now(), id],
    )?;
    Ok(())
}

/// The ids of a channel's videos.
pub fn ids_of_channel(conn: &Connection, channel_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM videos WHERE channel_id = ?1")?;
    let ids = stmt
        .query_map([channel_id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM videos WHERE id = ?1", [id])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct FileRow {
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: f64,
    pub size: i64,
    pub bitrate: i64,
    pub codecs: String,
    pub has_audio: bool,
    pub has_video: bool,
    /// Info hash of the rendition's .torrent, once made.
    pub infohash: Option<String>,
}

pub fn replace_file(conn: &Connection, video_id: i64, f: &FileRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO video_files (video_id, resolution, width, height, fps, size, bitrate, codecs, \
         has_audio, has_video, infohash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT (video_id, resolution) DO UPDATE SET width = excluded.width, height = excluded.height, \
         fps = excluded.fps, size = excluded.size, bitrate = excluded.bitrate, codecs = excluded.codecs, \
         has_audio = excluded.has_audio, has_video = excluded.has_video, infohash = excluded.infohash",
        params![
            video_id, f.resolution, f.width, f.height, f.fps, f.size, f.bitrate, f.codecs, f.has_audio,
            f.has_video, f.infohash, now()
        ],
    )?;
    Ok(())
}

/// Deletes the file rows of a video whose resolution is not in `keep`.
pub fn retain_files(conn: &Connection, video_id: i64, keep: &[i64]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("SELECT resolution FROM video_files WHERE video_id = ?1")?;
    let present = stmt
        .query_map([video_id], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for res in present.into_iter().filter(|r| !keep.contains(r)) {
        conn.execute(
            "DELETE FROM video_files WHERE video_id = ?1 AND resolution = ?2",
            params![video_id, res],
        )?;
    }
    Ok(())
}

const FILE_COLUMNS: &str =
    "resolution, width, height, fps, size, bitrate, codecs, has_audio, has_video, infohash";

/// A `video_files` row whose `FILE_COLUMNS` start at column `at`.
fn file_from_row(r: &Row, at: usize) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        resolution: r.get(at)?,
        width: r.get(at + 1)?,
        height: r.get(at + 2)?,
        fps: r.get(at + 3)?,
        size: r.get(at + 4)?,
        bitrate: r.get(at + 5)?,
        codecs: r.get(at + 6)?,
        has_audio: r.get(at + 7)?,
        has_video: r.get(at + 8)?,
        infohash: r.get(at + 9)?,
    })
}

pub fn files(conn: &Connection, video_id: i64) -> Result<Vec<FileRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FILE_COLUMNS} FROM video_files WHERE video_id = ?1 ORDER BY resolution DESC"
    ))?;
    let rows = stmt
        .query_map([video_id], |r| file_from_row(r, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Width over height of the top rendition (renditions come highest first), to 4 decimals as
/// PeerTube stores it (the API's and the Video object's `aspectRatio`); none without one.
pub fn aspect_ratio(files: &[FileRow]) -> Option<f64> {
    files
        .first()
        .filter(|f| f.width > 0 && f.height > 0)
        .map(|f| (f.width as f64 / f.height as f64 * 10_000.0).round() / 10_000.0)
}

/// Renditions of several videos at once (a page of a list), by video id, highest first.
pub fn files_of(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<FileRow>>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT video_id, {FILE_COLUMNS} FROM video_files \
         WHERE video_id IN (SELECT value FROM json_each(?1)) ORDER BY video_id, resolution DESC"
    ))?;
    let mut out: HashMap<i64, Vec<FileRow>> = HashMap::new();
    let rows = stmt.query_map([id_array(ids)], |r| Ok((r.get(0)?, file_from_row(r, 1)?)))?;
    for row in rows {
        let (id, file) = row?;
        out.entry(id).or_default().push(file);
    }
    Ok(out)
}

/// Bytes a user stores: originals plus renditions of all their videos (for quotas).
pub fn bytes_of_user(
    conn: &Connection,
    user_id: i64,
    since: Option<&str>,
) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(v.original_size + COALESCE((SELECT SUM(size) FROM video_files f WHERE f.video_id = v.id), 0)), 0) \
         FROM videos v JOIN channels ch ON ch.id = v.channel_id JOIN accounts acc ON acc.id = ch.account_id \
         WHERE acc.user_id = ?1 AND (?2 IS NULL OR v.created_at >= ?2)",
        params![user_id, since],
        |r| r.get(0),
    )?)
}

/// Replaces a video's editable metadata and tags.
pub fn update(conn: &Connection, id: i64, m: &VideoMetadata) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE videos SET name = ?1, description = ?2, support = ?3, category = ?4, licence = ?5, \
         language = ?6, privacy = ?7, nsfw = ?8, comments_policy = ?9, download_enabled = ?10, \
         wait_transcoding = ?11, channel_id = ?12, updated_at = ?13, originally_published_at = ?14, \
         schedule_at = ?15, schedule_privacy = ?16 WHERE id = ?17",
        params![
            m.name,
            m.description,
            m.support,
            m.category,
            m.licence,
            m.language,
            m.privacy,
            m.nsfw,
            m.comments_policy,
            m.download_enabled,
            m.wait_transcoding,
            m.channel_id,
            now(),
            m.originally_published_at,
            m.schedule.as_ref().map(|s| &s.at),
            m.schedule.as_ref().and_then(|s| s.privacy),
            id
        ],
    )?;
    conn.execute("DELETE FROM video_tags WHERE video_id = ?1", [id])?;
    for tag in &m.tags {
        conn.execute(
            "INSERT OR IGNORE INTO video_tags (video_id, tag) VALUES (?1, ?2)",
            params![id, tag],
        )?;
    }
    // Made public after its publication: news to the channel's subscribers (once).
    if m.privacy == 1 {
        super::notify::video_from_subscription(conn, id);
    }
    Ok(())
}

/// Sets (or with `None` removes) a user's rating and keeps the video's counters in step.
pub fn rate(
    conn: &Connection,
    user_id: i64,
    video_id: i64,
    rate: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM video_rates WHERE user_id = ?1 AND video_id = ?2",
        params![user_id, video_id],
    )?;
    if let Some(rate) = rate {
        conn.execute(
            "INSERT INTO video_rates (user_id, video_id, rate, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![user_id, video_id, rate, now()],
        )?;
    }
    // Remote actors' ratings (federation) count too.
    super::remote::recount_rates(conn, video_id)
}

pub fn rating(
    conn: &Connection,
    user_id: i64,
    video_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT rate FROM video_rates WHERE user_id = ?1 AND video_id = ?2",
            params![user_id, video_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Counts a view unless this viewer's last counted view is newer than `since`; true if counted.
pub fn count_view(
    conn: &Connection,
    video_id: i64,
    viewer: &str,
    since: &str,
) -> Result<bool, StoreError> {
    let at = now();
    let changed = conn.execute(
        "INSERT INTO video_views (video_id, viewer, counted_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (video_id, viewer) DO UPDATE SET counted_at = excluded.counted_at \
         WHERE video_views.counted_at < ?4",
        params![video_id, viewer, at, since],
    )?;
    if changed == 1 {
        conn.execute(
            "UPDATE videos SET views = views + 1 WHERE id = ?1",
            [video_id],
        )?;
    }
    Ok(changed == 1)
}

/// Bytes all videos take: originals plus renditions (the storage total on the admin page).
pub fn bytes_total(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE((SELECT SUM(original_size) FROM videos), 0) + \
         COALESCE((SELECT SUM(size) FROM video_files), 0)",
        [],
        |r| r.get(0),
    )?)
}
