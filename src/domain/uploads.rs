//! Resumable uploads (PeerTube's `upload-resumable`, the uploadx protocol): a session records
//! the metadata and the declared size; chunks are appended at the offset the session has
//! reached; the last chunk turns the file into a video. Sessions expire after an hour without
//! a chunk.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::videos::{self, CreatedVideo, VideoPaths};
use super::{DomainError, DomainResult, video_meta};
use crate::store::uploads::{self, UploadRow};
use crate::store::users::UserRow;
use crate::store::videos::VideoMetadata;
use crate::store::{Store, timestamp};

pub const SESSION_LIFETIME: Duration = Duration::from_secs(3600);

pub fn part_path(paths: &VideoPaths, id: &str) -> PathBuf {
    paths.uploads().join(format!("{id}.part"))
}

/// What a client announces when it opens a resumable upload.
pub struct NewUpload {
    /// The JSON body: video metadata plus `filename`.
    pub fields: Map<String, Value>,
    /// `X-Upload-Content-Length`.
    pub size: u64,
    /// `X-Upload-Content-Type`.
    pub content_type: Option<String>,
}

/// Opens a session after checking the metadata, the channel, the size limit and the quota.
pub async fn start(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    upload: NewUpload,
    max_size: u64,
    is_language: impl Fn(&str) -> bool,
) -> DomainResult<String> {
    let NewUpload {
        fields,
        size,
        content_type,
    } = upload;
    let meta = video_meta::parse(&fields, is_language)?;
    let filename = fields
        .get("filename")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| DomainError::invalid("filename", "filename is required"))?
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect::<String>();
    if size == 0 {
        return Err(DomainError::invalid(
            "X-Upload-Content-Length",
            "The file is empty",
        ));
    }
    if size > max_size {
        return Err(DomainError::TooLarge(format!(
            "The file is {size} bytes, more than the {max_size} bytes this instance accepts"
        )));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    std::fs::create_dir_all(paths.uploads())?;
    std::fs::File::create(part_path(paths, &id))?;
    let row = UploadRow {
        id: id.clone(),
        user_id: user.id,
        metadata: serde_json::to_string(&meta)
            .map_err(|e| DomainError::invalid("metadata", e.to_string()))?,
        filename,
        size: size as i64,
        content_type,
        received: 0,
        video_id: None,
        updated_at: String::new(),
    };
    let user = user.clone();
    let result = store
        .write(move |tx| {
            videos::check_channel(tx, &user, meta.channel_id)?;
            videos::check_quota(tx, &user, size as i64)?;
            uploads::insert(tx, &row)?;
            Ok::<_, DomainError>(())
        })
        .await;
    if result.is_err() {
        let _ = std::fs::remove_file(part_path(paths, &id));
    }
    result.map(|_| id)
}

/// The caller's live session; sessions of other users are as good as missing.
pub async fn session(store: &Store, user: &UserRow, id: &str) -> DomainResult<UploadRow> {
    let id = id.to_string();
    let row = store.read(move |conn| uploads::get(conn, &id)).await?;
    let expired_before = timestamp(time::OffsetDateTime::now_utc() - SESSION_LIFETIME);
    match row {
        Some(r)
            if r.user_id == user.id && (r.updated_at > expired_before || r.video_id.is_some()) =>
        {
            Ok(r)
        }
        _ => Err(DomainError::NotFound(
            "No upload with this upload_id (it may have expired)".into(),
        )),
    }
}

pub async fn record_received(store: &Store, id: &str, received: i64) -> DomainResult<()> {
    let id = id.to_string();
    Ok(store
        .write(move |tx| uploads::set_received(tx, &id, received))
        .await?)
}

/// All bytes are in: the file becomes a video (once; a repeated last chunk gets the same video).
pub async fn finish(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    session: &UploadRow,
) -> DomainResult<CreatedVideo> {
    let meta: VideoMetadata = serde_json::from_str(&session.metadata)
        .map_err(|e| DomainError::invalid("metadata", e.to_string()))?;
    let created = videos::create_from_file(
        store,
        paths,
        user,
        meta,
        part_path(paths, &session.id),
        session.filename.clone(),
        None,
    )
    .await;
    let id = session.id.clone();
    match created {
        Ok(video) => {
            let video_id = video.id;
            store
                .write(move |tx| uploads::set_video(tx, &id, video_id))
                .await?;
            Ok(video)
        }
        Err(e) => {
            // The file is gone (refused or failed): so is the session.
            let _ = store.write(move |tx| uploads::delete(tx, &id)).await;
            Err(e)
        }
    }
}

pub async fn cancel(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    id: &str,
) -> DomainResult<()> {
    let session = session(store, user, id).await?;
    let sid = session.id.clone();
    store.write(move |tx| uploads::delete(tx, &sid)).await?;
    let _ = std::fs::remove_file(part_path(paths, &session.id));
    Ok(())
}

/// Deletes sessions without a chunk for an hour, with their partial files.
pub async fn expire(store: &Store, paths: &VideoPaths) -> DomainResult<usize> {
    let before = timestamp(time::OffsetDateTime::now_utc() - SESSION_LIFETIME);
    let ids = store
        .write(move |tx| {
            let ids = uploads::stale(tx, &before)?;
            for id in &ids {
                uploads::delete(tx, id)?;
            }
            Ok::<_, DomainError>(ids)
        })
        .await?;
    for id in &ids {
        let _ = std::fs::remove_file(part_path(paths, id));
    }
    Ok(ids.len())
}
