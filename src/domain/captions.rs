//! Video captions: one WebVTT file per language, uploaded as WebVTT or SubRip by whoever may
//! change the video, listed to whoever may see it.

use super::subtitles::to_webvtt;
use super::videos::{self, VideoPaths};
use super::{DomainError, DomainResult, blocking};
use crate::fsutil::write_atomic;
use crate::store::Store;
use crate::store::captions::{self, CaptionRow};
use crate::store::users::UserRow;

/// Largest caption file accepted (PeerTube's limit).
pub const MAX_CAPTION_BYTES: u64 = 20 * 1024 * 1024;

/// The captions of a video `viewer` may see.
pub async fn list(
    store: &Store,
    reference: &str,
    viewer: Option<&UserRow>,
) -> DomainResult<Vec<CaptionRow>> {
    let details = videos::get(store, reference, viewer).await?;
    let id = details.video.id;
    Ok(store.read(move |c| captions::of_video(c, id)).await?)
}

/// Adds or replaces the caption in `language` with `bytes` (WebVTT or SubRip).
pub async fn put(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    reference: &str,
    language: String,
    bytes: Vec<u8>,
) -> DomainResult<()> {
    let details = videos::get(store, reference, Some(user)).await?;
    videos::require_manage(user, &details)?;
    let vtt = blocking(move || {
        to_webvtt(&bytes).map_err(|e| DomainError::invalid("captionfile", e.to_string()))
    })
    .await?;
    let dir = paths.captions();
    let file = format!("{}.vtt", uuid::Uuid::new_v4());
    let path = dir.join(&file);
    blocking({
        let path = path.clone();
        move || {
            std::fs::create_dir_all(path.parent().unwrap_or(&path))?;
            write_atomic(&path, vtt.as_bytes())?;
            Ok(())
        }
    })
    .await?;
    let id = details.video.id;
    let recorded = store
        .write(move |tx| {
            let old = captions::upsert(tx, id, &language, &file)?;
            send_update(tx, id);
            Ok::<_, DomainError>(old)
        })
        .await;
    match recorded {
        Ok(old) => {
            if let Some(old) = old {
                let _ = std::fs::remove_file(dir.join(old));
            }
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// Removes the caption in `language`; 404 when the video has none in it.
pub async fn delete(
    store: &Store,
    paths: &VideoPaths,
    user: &UserRow,
    reference: &str,
    language: String,
) -> DomainResult<()> {
    let details = videos::get(store, reference, Some(user)).await?;
    videos::require_manage(user, &details)?;
    let id = details.video.id;
    let old = store
        .write(move |tx| {
            let old = captions::delete(tx, id, &language)?;
            if old.is_some() {
                send_update(tx, id);
            }
            Ok::<_, DomainError>(old)
        })
        .await?
        .ok_or_else(|| {
            DomainError::NotFound("This video has no caption in this language".into())
        })?;
    let _ = std::fs::remove_file(paths.captions().join(old));
    Ok(())
}

/// The video's followers learn its new captions (a Video carries them in `subtitleLanguage`).
fn send_update(tx: &rusqlite::Connection, video_id: i64) {
    let federated = crate::federation::hooks::is_federated(tx, video_id);
    crate::federation::hooks::video_updated(tx, video_id, federated);
}
