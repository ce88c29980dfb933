//! A video's HLS directory that grows one pass at a time: the instant remux first, then the
//! encoded rungs. Each pass is produced in its own work directory; installing it moves its
//! renditions in and rewrites the master playlist and segment hashes for every rendition now
//! present, master last, so a player always sees a complete, consistent set.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::MediaError;
use super::mux::hls::{SegmentEntry, VariantEntry, master_playlist, segments_sha256_json};
use super::output::PendingFiles;
use super::remux::{HlsOutput, RenditionOutput};

/// Describes the renditions installed so far; lets a later pass rebuild the master playlist
/// without re-reading the media files. Not served to clients.
pub const INDEX: &str = "renditions.json";
/// Picture files a pass may leave in its work directory.
pub const THUMBNAIL: &str = "thumbnail.jpg";
pub const PREVIEW: &str = "preview.jpg";

#[derive(Serialize, Deserialize)]
struct StoredRendition {
    #[serde(flatten)]
    rendition: RenditionOutput,
    segments: Vec<SegmentEntry>,
}

fn file_name(p: &Path) -> PathBuf {
    PathBuf::from(p.file_name().unwrap_or_default())
}

/// The renditions installed in `dir` (empty when nothing is), with absolute paths.
pub fn installed(dir: &Path) -> Result<Vec<RenditionOutput>, MediaError> {
    let bytes = match std::fs::read(dir.join(INDEX)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(MediaError::Io(e)),
    };
    let stored: Vec<StoredRendition> = serde_json::from_slice(&bytes)
        .map_err(|e| MediaError::malformed("renditions.json", e.to_string()))?;
    Ok(stored
        .into_iter()
        .map(|s| RenditionOutput {
            playlist: dir.join(&s.rendition.playlist),
            file: dir.join(&s.rendition.file),
            segments: s.segments,
            ..s.rendition
        })
        .collect())
}

/// Moves the renditions of `pass` (written into its own work directory) into `final_dir`, replacing any of
/// the same resolution, and rewrites the directory's playlists. Returns every rendition now
/// installed, highest resolution first. Pictures the pass made stay
/// in the work directory for the caller.
pub fn install(final_dir: &Path, pass: &HlsOutput) -> Result<Vec<RenditionOutput>, MediaError> {
    std::fs::create_dir_all(final_dir)?;
    let mut all = installed(final_dir)?;
    for r in &pass.renditions {
        for p in [&r.file, &r.playlist] {
            std::fs::rename(p, final_dir.join(file_name(p)))?;
        }
        all.retain(|x| x.resolution != r.resolution);
        all.push(RenditionOutput {
            file: final_dir.join(file_name(&r.file)),
            playlist: final_dir.join(file_name(&r.playlist)),
            ..r.clone()
        });
    }
    all.sort_by_key(|r| std::cmp::Reverse(r.resolution));
    write_index(final_dir, &all)?;
    Ok(all)
}

/// Rewrites the index, the segment hashes and the master playlist (renamed in that order).
fn write_index(dir: &Path, all: &[RenditionOutput]) -> Result<(), MediaError> {
    let stored: Vec<StoredRendition> = all
        .iter()
        .map(|r| StoredRendition {
            rendition: RenditionOutput {
                file: file_name(&r.file),
                playlist: file_name(&r.playlist),
                segments: Vec::new(),
                ..r.clone()
            },
            segments: r.segments.clone(),
        })
        .collect();
    let json = serde_json::to_vec(&stored)
        .map_err(|e| MediaError::malformed("renditions.json", e.to_string()))?;
    let hashes: Vec<(String, Vec<SegmentEntry>)> = all
        .iter()
        .map(|r| {
            (
                file_name(&r.file).to_string_lossy().into_owned(),
                r.segments.clone(),
            )
        })
        .collect();
    let variants: Vec<VariantEntry> = all.iter().map(RenditionOutput::variant).collect();
    let mut pending = PendingFiles::new(dir)?;
    pending.write(INDEX, &json)?;
    pending.write(
        "segments-sha256.json",
        segments_sha256_json(&hashes).as_bytes(),
    )?;
    pending.write("master.m3u8", master_playlist(&variants).as_bytes())?;
    pending.commit()?;
    Ok(())
}
