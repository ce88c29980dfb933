//! One pass of the pipeline: run a plan into a work directory, install its renditions into the
//! video's HLS directory, keep its pictures, write each rendition's torrent and record the files.

use std::path::{Path, PathBuf};

use super::{Pipeline, retry};
use crate::crashpoint;
use crate::domain::torrents;
use crate::domain::videos::VideoPaths;
use crate::fsutil::write_atomic;
use crate::jobs::{JobContext, JobError};
use crate::media::hls_dir;
use crate::media::{self, Control, MediaError, Plan, RenditionOutput, TranscodeOptions};
use crate::store::videos::{self, FileRow, VideoRow};

/// What a finished pass tells its job.
pub struct PassDone {
    /// Media duration in seconds.
    pub duration: f64,
}

/// Removes the work directory however the pass ends.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An AV1 rung an earlier pass installed, whose Opus audio a later pass (a rung above 720p, or
/// the rest of a ladder after the first rung of an upload that could not be remuxed) muxes
/// again instead of encoding it anew: each pass runs in a worker process of its own.
fn encoded_audio(final_dir: &Path) -> Option<PathBuf> {
    hls_dir::installed(final_dir)
        .ok()?
        .into_iter()
        .find(|r| !r.remuxed && r.codecs.split(',').any(|c| c == "opus"))
        .map(|r| r.file)
}

impl Pipeline {
    /// Runs `plan` for `video`. `Ok(None)`: cancelled (the video is being deleted). A media
    /// failure becomes `on_failure(reason)`; file system trouble is retried.
    pub(super) fn run_pass(
        &self,
        ctx: &JobContext,
        video: &VideoRow,
        plan: &Plan,
        on_failure: impl Fn(String) -> JobError,
    ) -> Result<Option<PassDone>, JobError> {
        let original = self.paths.original(video);
        let final_dir = self.paths.hls_dir(&video.uuid);
        let work = WorkDir(PathBuf::from(format!(
            "{}.work-{}",
            final_dir.display(),
            ctx.id
        )));
        let _ = std::fs::remove_dir_all(&work.0);
        let progress = ctx.progress_setter();
        let control = Control {
            cancel: ctx.cancel_flag(),
            progress: None,
        }
        .with_progress(move |p| progress((p.fraction() * 100.0) as i64));
        let wants_pictures = !video.custom_pictures && video.thumbnail_file.is_none();
        let opts = TranscodeOptions {
            threads: self.threads,
            max_fps: self.ladder().max_fps,
            max_damaged_percent: self.max_damaged_percent,
            // In the worker, with the rest of the pass's decoding.
            pictures_from_keyframes: wants_pictures,
            audio_from: encoded_audio(&final_dir),
            ..TranscodeOptions::default()
        };
        let stage = if plan.remuxes() { "remux" } else { "encode" };
        crashpoint::hold(&format!("{stage}:running"), &control.cancel);
        let ran = match &self.worker {
            Some(launcher) => {
                media::worker::run(launcher, &original, &work.0, plan, &opts, &control)
            }
            None => media::run(&original, &work.0, plan, &opts, &control),
        };
        let out = match ran {
            Ok(out) => out,
            Err(MediaError::Cancelled) => return Ok(None),
            Err(MediaError::Io(e)) | Err(MediaError::Open { source: e, .. }) => {
                return Err(JobError::Retry(format!("file system error: {e}")));
            }
            // Killed or crashed: another attempt may well finish (the queue gives up after a
            // few, and then tells the owner this reason).
            Err(MediaError::WorkerStopped(why)) => return Err(JobError::Retry(why)),
            Err(e) => return Err(on_failure(e.to_string())),
        };
        crashpoint::hit(&format!("{stage}:ran"));
        let io = |e: std::io::Error| JobError::Retry(format!("file system error: {e}"));
        let installed = hls_dir::install(&final_dir, &out).map_err(|e| match e {
            MediaError::Io(e) => io(e),
            other => JobError::Retry(other.to_string()),
        })?;
        crashpoint::hit(&format!("{stage}:installed"));
        if wants_pictures {
            self.keep_pictures(video, &work.0).map_err(io)?;
        }
        let hashes = self.torrents(video, &out.renditions).map_err(io)?;
        crashpoint::hit(&format!("{stage}:torrents"));
        let still_there = self.record_files(video, &installed, &out.renditions, &hashes)?;
        crashpoint::hit(&format!("{stage}:recorded"));
        if !still_there {
            // Deleted while we worked: take our files away with it.
            let _ = std::fs::remove_dir_all(&final_dir);
            return Ok(None);
        }
        let duration = out
            .renditions
            .iter()
            .map(|r| r.duration_seconds)
            .fold(0.0, f64::max);
        Ok(Some(PassDone { duration }))
    }

    /// Moves the pass's thumbnail and preview to fresh names and records them.
    fn keep_pictures(&self, video: &VideoRow, work: &Path) -> std::io::Result<()> {
        let (thumb, preview) = (work.join(hls_dir::THUMBNAIL), work.join(hls_dir::PREVIEW));
        if !thumb.exists() || !preview.exists() {
            return Ok(());
        }
        let name = format!("{}.jpg", uuid::Uuid::new_v4());
        std::fs::create_dir_all(self.paths.thumbnails())?;
        std::fs::create_dir_all(self.paths.previews())?;
        std::fs::rename(&thumb, self.paths.thumbnails().join(&name))?;
        std::fs::rename(&preview, self.paths.previews().join(&name))?;
        let id = video.id;
        let old = self
            .store
            .write_blocking(|tx| videos::set_pictures(tx, id, &name, &name, false))
            .map_err(std::io::Error::other)?;
        match old {
            Some(old) => crate::domain::video_pictures::remove(&self.paths, old),
            // The uploader's pictures arrived meanwhile: they stay.
            None => {
                crate::domain::video_pictures::remove(&self.paths, (Some(name.clone()), Some(name)))
            }
        }
        Ok(())
    }

    /// Writes each rendition's .torrent (web seed: its HTTP download); returns the info hashes.
    fn torrents(
        &self,
        video: &VideoRow,
        renditions: &[RenditionOutput],
    ) -> std::io::Result<Vec<String>> {
        std::fs::create_dir_all(self.paths.torrents())?;
        let final_dir = self.paths.hls_dir(&video.uuid);
        renditions
            .iter()
            .map(|r| {
                let name = VideoPaths::rendition_name(&video.uuid, i64::from(r.resolution));
                let web_seed = format!("{}/static/web-videos/{name}.mp4", self.base_url);
                let file = final_dir.join(r.file.file_name().unwrap_or_default());
                let (bytes, infohash) = torrents::create(&file, &format!("{name}.mp4"), &web_seed)?;
                write_atomic(
                    &self.paths.torrents().join(format!("{name}.torrent")),
                    &bytes,
                )?;
                Ok(infohash)
            })
            .collect()
    }

    /// Records the pass's renditions; false when the video no longer exists.
    fn record_files(
        &self,
        video: &VideoRow,
        installed: &[RenditionOutput],
        pass: &[RenditionOutput],
        hashes: &[String],
    ) -> Result<bool, JobError> {
        let id = video.id;
        self.store
            .write_blocking(|tx| {
                if videos::by_id(tx, id)?.is_none() {
                    return Ok(false);
                }
                for (r, infohash) in pass.iter().zip(hashes) {
                    let codecs = r.codecs.to_ascii_lowercase();
                    videos::replace_file(
                        tx,
                        id,
                        &FileRow {
                            resolution: i64::from(r.resolution),
                            width: i64::from(r.width),
                            height: i64::from(r.height),
                            fps: r.frame_rate.unwrap_or(0.0),
                            size: r.size_bytes as i64,
                            bitrate: r.bitrate as i64,
                            codecs: r.codecs.clone(),
                            has_audio: codecs.contains("mp4a") || codecs.contains("opus"),
                            has_video: r.width > 0,
                            infohash: Some(infohash.clone()),
                        },
                    )?;
                }
                // Rows of renditions no longer installed (an AV1 rung replaced the original's).
                let keep: Vec<i64> = installed.iter().map(|r| i64::from(r.resolution)).collect();
                videos::retain_files(tx, id, &keep)?;
                Ok(true)
            })
            .map_err(retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{LadderConfig, run};

    /// The audio a pass above 720p muxes again comes from an installed AV1 rung, never from
    /// the remuxed original, even when that is AV1 and Opus (as uploaded, in the uploader's
    /// packets and timing).
    #[test]
    fn a_later_pass_takes_the_audio_of_an_encoded_rung_not_the_remux() {
        crate::media::decode::av1::set_mode(crate::media::decode::av1::Av1Mode::InProcess);
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/media/av1_opus.mp4");
        let ladder = LadderConfig {
            resolutions: vec![36],
            ..LadderConfig::default()
        };
        let plan = media::plan(&media::probe(&src).unwrap(), &ladder).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let hls = dir.path().join("hls");
        assert_eq!(encoded_audio(&hls), None, "nothing installed yet");
        let opts = TranscodeOptions::default();
        for (plan, expected) in [
            (plan.remux_only(), None),
            (plan.clone(), Some(hls.join("36-fragmented.mp4"))),
        ] {
            let work = tempfile::tempdir().unwrap();
            let out = run(&src, work.path(), &plan, &opts, &Control::new()).unwrap();
            hls_dir::install(&hls, &out).unwrap();
            assert_eq!(encoded_audio(&hls), expected);
        }
    }
}
