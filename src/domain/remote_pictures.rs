//! Pruning of `remote-pictures/`: remote videos' thumbnails and previews and remote actors'
//! avatars and banners are kept there when first asked for; a file whose video or actor is
//! gone, or whose origin has named a new picture since, is deleted here.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::videos::VideoPaths;
use super::{DomainResult, blocking};
use crate::federation::pictures::{self, Kind};
use crate::store::{Store, images, videos};

/// Files younger than this are left alone: their row may be committing.
const GRACE: Duration = Duration::from_secs(600);

/// Deletes the kept remote pictures nothing names any more; returns how many.
pub async fn prune(store: &Store, paths: &VideoPaths) -> DomainResult<usize> {
    let (store, dir) = (store.clone(), paths.remote_pictures());
    blocking(move || {
        let mut removed = remove_unnamed(&dir, |file| {
            let Some(uuid) = pictures::uuid_of(file) else {
                return Ok(false);
            };
            let video = store.read_blocking(|c| videos::by_uuid(c, uuid))?;
            Ok(video.is_some_and(|v| {
                [Kind::Thumbnail, Kind::Preview].into_iter().any(|kind| {
                    pictures::origin_url(&v, kind)
                        .is_some_and(|url| pictures::file_name(&v.uuid, &url) == file)
                })
            }))
        })?;
        removed += remove_unnamed(&dir.join("actors"), |file| {
            let image = store.read_blocking(|c| images::by_filename(c, file))?;
            Ok(image.is_some_and(|i| i.remote_url.is_some()))
        })?;
        Ok(removed)
    })
    .await
}

/// Deletes the files of `dir` older than `GRACE` that `named` does not know.
fn remove_unnamed(
    dir: &Path,
    mut named: impl FnMut(&str) -> DomainResult<bool>,
) -> DomainResult<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let young = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_none_or(|age| age < GRACE);
        let name = entry.file_name().to_string_lossy().into_owned();
        if !meta.is_file() || young || named(&name)? {
            continue;
        }
        if std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}
