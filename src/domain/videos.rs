//! Videos: creation from an uploaded file (sniffed with the media prober), who may see what
//! (privacy), listing, and deletion with the files and jobs that belong to a video.

use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::channels::ChannelDetails;
use super::video_ids::{self, VideoRef};
use super::video_pictures::{self, WrittenPictures};
use super::{DomainError, DomainResult, blocking, roles};
use crate::store::actors;
use crate::store::images;
use crate::store::jobs::{self, NewJob};
use crate::store::users::UserRow;
use crate::store::videos::{self, FileRow, VideoFilter, VideoMetadata, VideoRow};
use crate::store::{Store, StoreError};

/// The job kind that turns an original into HLS renditions.
pub const PROCESS_JOB: &str = "video-process";

/// Where a video's files live under the data directory.
#[derive(Debug, Clone)]
pub struct VideoPaths {
    pub data_dir: PathBuf,
}

impl VideoPaths {
    pub fn originals(&self) -> PathBuf {
        self.data_dir.join("originals")
    }

    pub fn original(&self, video: &VideoRow) -> PathBuf {
        let ext = Path::new(&video.original_filename)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(|e| format!(".{}", e.to_ascii_lowercase()))
            .unwrap_or_default();
        self.originals().join(format!("{}{ext}", video.uuid))
    }

    pub fn hls_dir(&self, uuid: &str) -> PathBuf {
        self.data_dir
            .join("streaming-playlists")
            .join("hls")
            .join(uuid)
    }

    pub fn torrents(&self) -> PathBuf {
        self.data_dir.join("torrents")
    }

    /// `<uuid>-<resolution>`: the name of a rendition's torrent and web-video download.
    pub fn rendition_name(uuid: &str, resolution: i64) -> String {
        format!("{uuid}-{resolution}")
    }

    pub fn uploads(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    /// `<hls dir>.work-<job>` directories hold a pass until it is installed.
    pub fn is_work_dir(name: &str) -> bool {
        name.contains(".work-")
    }

    /// Removes every pass work directory; only safe when no job runs (at start-up).
    pub fn remove_work_dirs(&self) -> usize {
        let root = self.data_dir.join("streaming-playlists").join("hls");
        let Ok(entries) = std::fs::read_dir(&root) else {
            return 0;
        };
        entries
            .flatten()
            .filter(|e| Self::is_work_dir(&e.file_name().to_string_lossy()))
            .filter(|e| std::fs::remove_dir_all(e.path()).is_ok())
            .count()
    }

    /// Thumbnails (280x157) and previews (850x480), served under `/lazy-static/`.
    pub fn thumbnails(&self) -> PathBuf {
        self.data_dir.join("thumbnails")
    }

    pub fn previews(&self) -> PathBuf {
        self.data_dir.join("previews")
    }

    /// Remote videos' thumbnails and previews, fetched from their origin on first request
    /// (federation::pictures).
    pub fn remote_pictures(&self) -> PathBuf {
        self.data_dir.join("remote-pictures")
    }

    /// WebVTT captions, served under `/lazy-static/video-captions/`.
    pub fn captions(&self) -> PathBuf {
        self.data_dir.join("captions")
    }
}

#[derive(Debug, Clone)]
pub struct CreatedVideo {
    pub id: i64,
    pub uuid: String,
    pub short_uuid: String,
}

/// A video with everything the API shows about it.
#[derive(Debug, Clone)]
pub struct VideoDetails {
    pub video: VideoRow,
    pub tags: Vec<String>,
    pub files: Vec<FileRow>,
    /// Shared: the videos of one page often have one channel, and its details are a dozen
    /// strings that a copy per video would allocate again.
    pub channel: Arc<ChannelDetails>,
}

/// The channel must be the user's own; a moderator may not upload into others' channels either.
pub fn check_channel(
    conn: &rusqlite::Connection,
    user: &UserRow,
    channel_id: i64,
) -> DomainResult<()> {
    let channel = actors::channel_by_id(conn, channel_id)?
        .ok_or_else(|| DomainError::invalid("channelId", "This channel does not exist"))?;
    let account = actors::account_by_user(conn, user.id)?;
    if account.map(|a| a.id) != Some(channel.account_id) {
        return Err(DomainError::Forbidden(
            "You cannot publish to this channel".into(),
        ));
    }
    Ok(())
}

/// Refuses `incoming` more bytes when they would pass the user's total or daily quota.
pub fn check_quota(conn: &rusqlite::Connection, user: &UserRow, incoming: i64) -> DomainResult<()> {
    if user.video_quota >= 0 {
        let used = videos::bytes_of_user(conn, user.id, None)?;
        if used + incoming > user.video_quota {
            return Err(DomainError::QuotaReached(format!(
                "The video is larger than your remaining quota ({} of {} bytes used)",
                used, user.video_quota
            )));
        }
    }
    if user.video_quota_daily >= 0 {
        let since =
            crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(1));
        let used = videos::bytes_of_user(conn, user.id, Some(&since))?;
        if used + incoming > user.video_quota_daily {
            return Err(DomainError::QuotaReached(
                "The video is larger than what your daily quota still allows".into(),
            ));
        }
    }
    Ok(())
}

/// Turns an uploaded file into a video: sniffs it (a file that is not supported media is
/// refused and deleted), moves it under `originals/`, records the video and queues processing.
pub async fn create_from_file(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    meta: VideoMetadata,
    upload: PathBuf,
    filename: String,
    pictures: Option<WrittenPictures>,
) -> DomainResult<CreatedVideo> {
    let probe_path = upload.clone();
    let probed = blocking(move || Ok(crate::media::probe(&probe_path))).await?;
    let report = match probed {
        Ok(report) => report,
        Err(e) => {
            let _ = std::fs::remove_file(&upload);
            if let Some(p) = &pictures {
                p.discard(paths);
            }
            return Err(DomainError::UnsupportedMedia(format!(
                "This file is not a video or audio file Kinora can read: {e}"
            )));
        }
    };
    let size = report.size_bytes as i64;
    let scheduled = meta.schedule.is_some();
    let uuid = uuid::Uuid::new_v4();
    let hls_uuid = uuid::Uuid::new_v4().to_string();
    let uuid_text = uuid.hyphenated().to_string();
    let original_dir = paths.originals();
    std::fs::create_dir_all(&original_dir)?;
    let user = user.clone();
    let (paths2, upload2, filename2, uuid2) = (
        paths.clone(),
        upload.clone(),
        filename.clone(),
        uuid_text.clone(),
    );
    let picture_name = pictures.as_ref().map(|p| p.name.clone());
    let result = store
        .write(move |tx| {
            check_channel(tx, &user, meta.channel_id)?;
            check_quota(tx, &user, size)?;
            let id = videos::insert(tx, &uuid2, &hls_uuid, &meta, &filename2, size)?;
            if let Some(name) = picture_name {
                video_pictures::record(tx, id, &WrittenPictures { name })?;
            }
            let video = videos::by_id(tx, id)?
                .ok_or_else(|| DomainError::NotFound("Video not found".into()))?;
            // Moving inside the transaction: if the insert fails the file is still the upload,
            // and if the move fails the row is rolled back.
            std::fs::rename(&upload2, paths2.original(&video))?;
            jobs::push(
                tx,
                &NewJob {
                    kind: PROCESS_JOB.into(),
                    payload: serde_json::json!({ "videoId": id }).to_string(),
                    subject: Some(format!("video:{id}")),
                    unique_key: Some(format!("video:{id}:process")),
                    priority: 10,
                    max_attempts: crate::domain::processing::MAX_ATTEMPTS,
                    ..Default::default()
                },
            )?;
            Ok(id)
        })
        .await;
    match result {
        Ok(id) => {
            if scheduled {
                super::schedules::changed();
            }
            Ok(CreatedVideo {
                id,
                short_uuid: video_ids::short_uuid(&uuid),
                uuid: uuid_text,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&upload);
            if let Some(p) = &pictures {
                p.discard(paths);
            }
            Err(e)
        }
    }
}

fn find(conn: &rusqlite::Connection, reference: &VideoRef) -> Result<Option<VideoRow>, StoreError> {
    match reference {
        VideoRef::Id(id) => videos::by_id(conn, *id),
        VideoRef::Uuid(uuid) => videos::by_uuid(conn, uuid),
    }
}

fn details_in(conn: &rusqlite::Connection, video: VideoRow) -> DomainResult<VideoDetails> {
    let channel = channel_details(conn, video.channel_id)?;
    with_channel(conn, video, channel)
}

/// A video with its channel by row id, whatever its privacy (None when it or its channel is
/// gone); for lists that name a video a viewer already may know of, such as reports.
pub fn details_by_id(conn: &rusqlite::Connection, id: i64) -> DomainResult<Option<VideoDetails>> {
    let Some(video) = videos::by_id(conn, id)? else {
        return Ok(None);
    };
    match details_in(conn, video) {
        Ok(d) => Ok(Some(d)),
        Err(DomainError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn channel_details(conn: &rusqlite::Connection, channel_id: i64) -> DomainResult<ChannelDetails> {
    let channel = actors::channel_by_id(conn, channel_id)?
        .ok_or_else(|| DomainError::NotFound("Video channel not found".into()))?;
    let owner = actors::account_by_id(conn, channel.account_id)?
        .ok_or_else(|| DomainError::NotFound("Video owner not found".into()))?;
    Ok(ChannelDetails {
        images: images::of_actor(conn, channel.actor.id)?,
        owner_images: images::of_actor(conn, owner.actor.id)?,
        owner,
        channel,
    })
}

fn with_channel(
    conn: &rusqlite::Connection,
    video: VideoRow,
    channel: ChannelDetails,
) -> DomainResult<VideoDetails> {
    Ok(VideoDetails {
        tags: videos::tags(conn, video.id)?,
        files: videos::files(conn, video.id)?,
        channel: Arc::new(channel),
        video,
    })
}

/// Whether `viewer` may see this video: public and unlisted to anyone with the link, internal
/// to signed-in users, private to its owner and to moderators.
pub fn may_view(details: &VideoDetails, viewer: Option<&UserRow>) -> DomainResult<()> {
    match details.video.privacy {
        1 | 2 => Ok(()),
        privacy => match viewer {
            None => Err(DomainError::InvalidToken(
                "This video is not public: sign in to see it".into(),
            )),
            Some(_) if privacy == 4 => Ok(()),
            Some(u)
                if u.role <= roles::MODERATOR || details.channel.owner.user_id == Some(u.id) =>
            {
                Ok(())
            }
            Some(_) => Err(DomainError::Forbidden("This video is private".into())),
        },
    }
}

/// A video by id, UUID or shortUUID, if `viewer` may see it.
pub async fn get(
    store: &Store,
    reference: &str,
    viewer: Option<&UserRow>,
) -> DomainResult<VideoDetails> {
    let reference = video_ids::parse(reference)
        .ok_or_else(|| DomainError::NotFound("Video not found".into()))?;
    let details = store
        .read(move |conn| {
            let video = find(conn, &reference)?
                .ok_or_else(|| DomainError::NotFound("Video not found".into()))?;
            details_in(conn, video)
        })
        .await?;
    may_view(&details, viewer)?;
    Ok(details)
}

pub async fn list(store: &Store, filter: VideoFilter) -> DomainResult<(i64, Vec<VideoDetails>)> {
    let counted = store.clone();
    store
        .read(move |conn| list_in(conn, &counted, &filter))
        .await
}

/// A list rendered by `render` on the blocking thread that read it. With a `cache_key` (an
/// answer that depends on nothing but the filter and the database), a rendering made since the
/// database last changed is served instead (`store::page_cache`).
pub async fn list_rendered<R>(
    store: &Store,
    filter: VideoFilter,
    cache_key: Option<String>,
    render: R,
) -> DomainResult<bytes::Bytes>
where
    R: FnOnce(i64, &[VideoDetails]) -> DomainResult<bytes::Bytes> + Send + 'static,
{
    let cached = store.clone();
    store
        .read(move |conn| {
            let pages = cached.pages();
            let epoch = match &cache_key {
                Some(key) => {
                    let epoch = pages.epoch(conn)?;
                    if let Some(body) = pages.get(key, epoch) {
                        return Ok(body);
                    }
                    Some(epoch)
                }
                None => None,
            };
            let (total, list) = list_in(conn, &cached, &filter)?;
            let body = render(total, &list)?;
            if let (Some(key), Some(epoch)) = (cache_key, epoch) {
                pages.put(key, epoch, body.clone());
            }
            Ok(body)
        })
        .await
}

fn list_in(
    conn: &Connection,
    store: &Store,
    filter: &VideoFilter,
) -> DomainResult<(i64, Vec<VideoDetails>)> {
    let (total, rows) = videos::list(conn, filter, store.counts())?;
    // A page's tags and files in two queries, and each channel looked up once (a page
    // often holds many videos of one channel).
    let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
    let mut tags = videos::tags_of(conn, &ids)?;
    let mut files = videos::files_of(conn, &ids)?;
    let mut channels: HashMap<i64, Arc<ChannelDetails>> = HashMap::new();
    let mut list = Vec::with_capacity(rows.len());
    for video in rows {
        let channel = match channels.get(&video.channel_id) {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(channel_details(conn, video.channel_id)?);
                channels.insert(video.channel_id, c.clone());
                c
            }
        };
        list.push(VideoDetails {
            tags: tags.remove(&video.id).unwrap_or_default(),
            files: files.remove(&video.id).unwrap_or_default(),
            channel,
            video,
        });
    }
    Ok((total, list))
}

/// Deletes a video: its jobs are cancelled, its row and files removed. Owner or moderator.
pub async fn delete(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    reference: &str,
) -> DomainResult<()> {
    let details = get(store, reference, Some(user)).await?;
    if details.channel.owner.user_id != Some(user.id) && user.role > roles::MODERATOR {
        return Err(DomainError::Forbidden(
            "You cannot delete this video".into(),
        ));
    }
    let id = details.video.id;
    let deleted = store
        .write(move |tx| Ok::<_, DomainError>(delete_in(tx, id)?))
        .await?;
    if let Some(deleted) = deleted {
        deleted.remove_files(paths);
    }
    Ok(())
}

/// A video whose rows are deleted: its files, to remove once the deletion is committed.
pub struct DeletedVideo {
    video: VideoRow,
    files: Vec<FileRow>,
    captions: Vec<crate::store::captions::CaptionRow>,
}

impl DeletedVideo {
    /// Removes the original, renditions, pictures and captions; missing files are fine.
    pub fn remove_files(&self, paths: &VideoPaths) {
        remove_video_files(paths, &self.video, &self.files);
        for c in &self.captions {
            let _ = std::fs::remove_file(paths.captions().join(&c.file));
        }
    }
}

/// Deletes a video inside `tx` as every deletion must: its jobs cancelled, its followers told
/// (while its rows still exist), then its rows. Its files are for the caller to remove after
/// the commit.
pub fn delete_in(tx: &Connection, id: i64) -> Result<Option<DeletedVideo>, StoreError> {
    let Some(video) = videos::by_id(tx, id)? else {
        return Ok(None);
    };
    let files = videos::files(tx, id)?;
    let captions = crate::store::captions::of_video(tx, id)?;
    jobs::cancel_subject(tx, &format!("video:{id}"))?;
    crate::federation::hooks::video_deleting(tx, id);
    videos::delete(tx, id)?;
    Ok(Some(DeletedVideo {
        video,
        files,
        captions,
    }))
}

/// Deletes every video of a channel with [`delete_in`], before the channel itself goes: the
/// database would drop their rows by cascade, but leave their files on disk, their jobs
/// running and their copies on other instances.
pub fn delete_all_of_channel(
    tx: &Connection,
    channel_id: i64,
) -> Result<Vec<DeletedVideo>, StoreError> {
    let mut deleted = Vec::new();
    for id in videos::ids_of_channel(tx, channel_id)? {
        deleted.extend(delete_in(tx, id)?);
    }
    Ok(deleted)
}

/// Removes a video's original and renditions; missing files are fine.
pub fn remove_video_files(paths: &VideoPaths, video: &VideoRow, files: &[FileRow]) {
    let _ = std::fs::remove_file(paths.original(video));
    if let Some(name) = &video.thumbnail_file {
        let _ = std::fs::remove_file(paths.thumbnails().join(name));
    }
    if let Some(name) = &video.preview_file {
        let _ = std::fs::remove_file(paths.previews().join(name));
    }
    for f in files {
        let name = VideoPaths::rendition_name(&video.uuid, f.resolution);
        let _ = std::fs::remove_file(paths.torrents().join(format!("{name}.torrent")));
    }
    // Work directories of passes interrupted by a crash sit beside the HLS directory.
    let hls = paths.hls_dir(&video.uuid);
    if let (Some(parent), Some(name)) = (hls.parent(), hls.file_name())
        && let Ok(entries) = std::fs::read_dir(parent)
    {
        let prefix = format!("{}.work-", name.to_string_lossy());
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    if let Err(e) = std::fs::remove_dir_all(&hls)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(video = %video.uuid, error = %e, "could not delete the video's files");
    }
}

/// The owner, or a moderator, may change a video.
pub fn require_manage(user: &UserRow, details: &VideoDetails) -> DomainResult<()> {
    if details.channel.owner.user_id == Some(user.id) || user.role <= roles::MODERATOR {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "You cannot change this video".into(),
        ))
    }
}

/// Applies the fields a client sent over the current metadata and checks the result as a whole.
pub async fn update(
    store: &Store,
    user: &UserRow,
    reference: &str,
    changes: serde_json::Map<String, serde_json::Value>,
    is_language: impl Fn(&str) -> bool,
) -> DomainResult<i64> {
    let details = get(store, reference, Some(user)).await?;
    require_manage(user, &details)?;
    let v = &details.video;
    let mut fields = serde_json::json!({
        "name": v.name, "channelId": v.channel_id, "description": v.description, "support": v.support,
        "category": v.category, "licence": v.licence, "language": v.language, "privacy": v.privacy,
        "nsfw": v.nsfw, "commentsPolicy": v.comments_policy, "downloadEnabled": v.download_enabled,
        "waitTranscoding": v.wait_transcoding, "tags": details.tags,
        "originallyPublishedAt": v.originally_published_at,
        "scheduleUpdate": v.schedule.as_ref().map(|s| serde_json::json!({
            "updateAt": s.at, "privacy": s.privacy,
        })),
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let clears_comments_flag =
        changes.contains_key("commentsEnabled") && !changes.contains_key("commentsPolicy");
    fields.extend(changes);
    if clears_comments_flag {
        fields.remove("commentsPolicy");
    }
    let meta = super::video_meta::parse(&fields, is_language)?;
    let scheduled = meta.schedule.is_some();
    let (id, user) = (v.id, user.clone());
    let id = store
        .write(move |tx| {
            if meta.channel_id != details.video.channel_id {
                check_channel(tx, &user, meta.channel_id)?;
            }
            let federated = crate::federation::hooks::is_federated(tx, id);
            videos::update(tx, id, &meta)?;
            crate::federation::hooks::video_updated(tx, id, federated);
            Ok::<_, DomainError>(id)
        })
        .await?;
    if scheduled {
        super::schedules::changed();
    }
    Ok(id)
}

pub async fn rate(
    store: &Store,
    user: &UserRow,
    reference: &str,
    rating: Option<&'static str>,
) -> DomainResult<()> {
    let details = get(store, reference, Some(user)).await?;
    let (user_id, video_id) = (user.id, details.video.id);
    store
        .write(move |tx| {
            let previous = videos::rating(tx, user_id, video_id)?;
            videos::rate(tx, user_id, video_id, rating)?;
            crate::federation::hooks::video_rated(
                tx,
                user_id,
                video_id,
                previous.as_deref(),
                rating,
            );
            Ok::<_, DomainError>(())
        })
        .await
}

pub async fn rating(
    store: &Store,
    user: &UserRow,
    reference: &str,
) -> DomainResult<(i64, Option<String>)> {
    let details = get(store, reference, Some(user)).await?;
    let (user_id, video_id) = (user.id, details.video.id);
    let rating = store
        .read(move |conn| videos::rating(conn, user_id, video_id))
        .await?;
    Ok((video_id, rating))
}

/// Counts a view by `viewer` unless they were counted within the last hour; returns the
/// video's id. A player's `current_time` is checked first, as PeerTube's view validator does:
/// a position before 0 or past the end is refused and counts nothing.
pub async fn count_view(
    store: &Store,
    user: Option<&UserRow>,
    reference: &str,
    viewer: String,
    current_time: Option<f64>,
) -> DomainResult<i64> {
    let details = get(store, reference, user).await?;
    if let Some(time) = current_time {
        check_view_time(time, details.video.duration, &details.video.uuid)?;
    }
    let id = details.video.id;
    let since = crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
    store
        .write(move |tx| {
            if videos::count_view(tx, id, &viewer, &since)? {
                crate::federation::hooks::video_viewed(tx, id);
            }
            Ok::<_, DomainError>(())
        })
        .await?;
    Ok(id)
}

/// PeerTube compares whole seconds (it parses the time as an integer) with the duration. A
/// duration of 0 is not known yet (a live, or a video still processing), so any position passes.
fn check_view_time(time: f64, duration: i64, uuid: &str) -> DomainResult<()> {
    let whole = time.trunc();
    if !time.is_finite() || whole < 0.0 || (duration > 0 && whole > duration as f64) {
        return Err(DomainError::Invalid {
            field: "currentTime",
            message: format!("Current time {time} is invalid (video {uuid} duration: {duration})"),
        });
    }
    Ok(())
}

/// A video and the jobs processing it, for its owner or a moderator (the upload page polls it).
pub async fn processing(
    store: &Store,
    user: &UserRow,
    reference: &str,
) -> DomainResult<(VideoDetails, Vec<crate::store::jobs::JobRow>)> {
    let details = get(store, reference, Some(user)).await?;
    if details.channel.owner.user_id != Some(user.id) && user.role > roles::MODERATOR {
        return Err(DomainError::Forbidden(
            "Only the owner sees how a video is processed".into(),
        ));
    }
    let subject = format!("video:{}", details.video.id);
    let jobs = store
        .read(move |conn| Ok::<_, DomainError>(crate::store::jobs::by_subject(conn, &subject)?))
        .await?;
    Ok((details, jobs))
}
