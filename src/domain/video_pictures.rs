//! A video's thumbnail (280x157) and preview (850x480) chosen by its uploader
//! (`thumbnailfile`, `previewfile`): decoded with limits, cropped to 16:9, re-encoded as JPEG
//! and written under fresh names, then kept by the pipeline instead of a frame of its own.
//! As on PeerTube, one picture given alone stands for both.

use std::path::Path;

use super::images::render_sizes;
use super::videos::VideoPaths;
use super::{DomainError, DomainResult, blocking};
use crate::fsutil::write_atomic;
use crate::store::Store;
use crate::store::users::UserRow;
use crate::store::videos::{self, PictureNames};

const THUMBNAIL: (u32, u32) = (280, 157);
const PREVIEW: (u32, u32) = (850, 480);

/// Pictures as uploaded (either may be missing).
#[derive(Default)]
pub struct PictureUploads {
    pub thumbnail: Option<Vec<u8>>,
    pub preview: Option<Vec<u8>>,
}

impl PictureUploads {
    pub fn is_empty(&self) -> bool {
        self.thumbnail.is_none() && self.preview.is_none()
    }
}

/// Pictures written to disk, not yet recorded: `discard` them if the recording fails.
pub struct WrittenPictures {
    pub name: String,
}

impl WrittenPictures {
    pub fn discard(&self, paths: &VideoPaths) {
        let _ = std::fs::remove_file(paths.thumbnails().join(&self.name));
        let _ = std::fs::remove_file(paths.previews().join(&self.name));
    }
}

fn one(bytes: &[u8], size: (u32, u32), field: &'static str) -> DomainResult<Vec<u8>> {
    let mut out = render_sizes(bytes, &[size], field)?;
    out.pop()
        .map(|(jpeg, _, _)| jpeg)
        .ok_or_else(|| DomainError::invalid(field, "This image cannot be used"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> DomainResult<()> {
    std::fs::create_dir_all(dir)?;
    write_atomic(&dir.join(name), bytes)?;
    Ok(())
}

/// Checks and renders the uploads and writes them under one fresh name; `None` when there are
/// none. A picture that is not a readable image is a 400 naming its field.
pub async fn prepare(
    paths: &VideoPaths,
    uploads: PictureUploads,
) -> DomainResult<Option<WrittenPictures>> {
    if uploads.is_empty() {
        return Ok(None);
    }
    let paths = paths.clone();
    blocking(move || {
        let thumb_source = uploads.thumbnail.as_ref().or(uploads.preview.as_ref());
        let preview_source = uploads.preview.as_ref().or(uploads.thumbnail.as_ref());
        let (Some(t), Some(p)) = (thumb_source, preview_source) else {
            return Ok(None);
        };
        let thumb_field = if uploads.thumbnail.is_some() {
            "thumbnailfile"
        } else {
            "previewfile"
        };
        let preview_field = if uploads.preview.is_some() {
            "previewfile"
        } else {
            "thumbnailfile"
        };
        let thumbnail = one(t, THUMBNAIL, thumb_field)?;
        let preview = one(p, PREVIEW, preview_field)?;
        let written = WrittenPictures {
            name: format!("{}.jpg", uuid::Uuid::new_v4()),
        };
        let result = write(&paths.thumbnails(), &written.name, &thumbnail)
            .and_then(|_| write(&paths.previews(), &written.name, &preview));
        match result {
            Ok(()) => Ok(Some(written)),
            Err(e) => {
                written.discard(&paths);
                Err(e)
            }
        }
    })
    .await
}

/// Records written pictures as the video's own (inside the caller's transaction); returns the
/// names of the pictures they replace.
pub fn record(
    conn: &rusqlite::Connection,
    video_id: i64,
    written: &WrittenPictures,
) -> Result<PictureNames, crate::store::StoreError> {
    Ok(
        videos::set_pictures(conn, video_id, &written.name, &written.name, true)?
            .unwrap_or((None, None)),
    )
}

/// Records pictures `prepare` wrote as an existing video's own, deleting the ones they replace.
pub async fn record_written(
    store: &Store,
    paths: &VideoPaths,
    video_id: i64,
    written: WrittenPictures,
) -> DomainResult<()> {
    let name = written.name.clone();
    let recorded = store
        .write(move |tx| Ok::<_, DomainError>(record(tx, video_id, &WrittenPictures { name })?))
        .await;
    match recorded {
        Ok(old) => {
            remove(paths, old);
            Ok(())
        }
        Err(e) => {
            written.discard(paths);
            Err(e)
        }
    }
}

/// Changes a video's metadata (`videos::update`) and, when given, its pictures. The pictures
/// are checked and written first, so a bad image changes nothing; they are recorded after the
/// metadata, and discarded when the metadata is refused.
pub async fn update_with_pictures(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    reference: &str,
    fields: serde_json::Map<String, serde_json::Value>,
    pictures: PictureUploads,
    is_language: impl Fn(&str) -> bool,
) -> DomainResult<i64> {
    let written = prepare(paths, pictures).await?;
    let video_id = match super::videos::update(store, user, reference, fields, is_language).await {
        Ok(id) => id,
        Err(e) => {
            if let Some(w) = &written {
                w.discard(paths);
            }
            return Err(e);
        }
    };
    if let Some(w) = written {
        record_written(store, paths, video_id, w).await?;
    }
    Ok(video_id)
}

/// Deletes picture files by name (thumbnail, preview); missing ones are fine.
pub fn remove(paths: &VideoPaths, (thumbnail, preview): PictureNames) {
    if let Some(t) = thumbnail {
        let _ = std::fs::remove_file(paths.thumbnails().join(t));
    }
    if let Some(p) = preview {
        let _ = std::fs::remove_file(paths.previews().join(p));
    }
}
