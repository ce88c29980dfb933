//! The `video-process` job: from an uploaded original to published HLS. A browser-playable
//! original is remuxed without re-encoding (published within seconds); an original that needs
//! re-encoding fails with a readable reason until the AV1 ladder is wired in.

use std::path::PathBuf;

use crate::domain::torrents;
use crate::domain::videos::VideoPaths;
use crate::fsutil::write_atomic;
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::media::{self, Control, MediaError, RemuxOptions};
use crate::store::videos::{self, FileRow, VideoRow};
use crate::store::{Store, StoreError};

pub struct ProcessVideo {
    pub store: Store,
    pub paths: VideoPaths,
    /// Public URL, for the web seeds written into torrents.
    pub base_url: String,
}

fn retry(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

impl ProcessVideo {
    /// Marks the video failed (state 7) with a reason its owner can read; the job fails for good.
    fn fail(&self, video: &VideoRow, reason: String) -> JobError {
        let id = video.id;
        let stored = self
            .store
            .write_blocking(|tx| videos::set_failed(tx, id, &reason));
        if let Err(e) = stored {
            return retry(e);
        }
        JobError::Permanent(reason)
    }

    /// Writes each rendition's .torrent (web seed: its HTTP download) and returns the info hashes.
    fn torrents(&self, video: &VideoRow, out: &media::HlsOutput) -> std::io::Result<Vec<String>> {
        std::fs::create_dir_all(self.paths.torrents())?;
        let final_dir = self.paths.hls_dir(&video.uuid);
        out.renditions
            .iter()
            .map(|r| {
                let name = VideoPaths::rendition_name(&video.uuid, r.resolution as i64);
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

    fn publish(
        &self,
        video: &VideoRow,
        out: &media::HlsOutput,
        hashes: &[String],
        duration: f64,
    ) -> Result<(), StoreError> {
        let id = video.id;
        self.store.write_blocking(|tx| {
            for (r, infohash) in out.renditions.iter().zip(hashes) {
                let codecs = r.codecs.to_ascii_lowercase();
                videos::replace_file(
                    tx,
                    id,
                    &FileRow {
                        resolution: r.resolution as i64,
                        width: r.width as i64,
                        height: r.height as i64,
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
            videos::publish(tx, id, duration.round() as i64)
        })
    }
}

impl JobHandler for ProcessVideo {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let id = ctx.payload["videoId"]
            .as_i64()
            .ok_or_else(|| JobError::Permanent("job payload has no videoId".into()))?;
        let Some(video) = self
            .store
            .read_blocking(|c| videos::by_id(c, id))
            .map_err(retry)?
        else {
            return Ok(()); // Deleted meanwhile: nothing to do.
        };
        let original = self.paths.original(&video);
        let report = match media::probe(&original) {
            Ok(r) => r,
            Err(e) => {
                return Err(self.fail(&video, format!("The uploaded file cannot be read: {e}")));
            }
        };
        if !report.remuxable {
            let why = report
                .remux_blocker
                .clone()
                .unwrap_or_else(|| "its codecs are not browser-playable".into());
            return Err(self.fail(
                &video,
                format!("This video needs re-encoding ({why}), which this version of Kinora cannot do yet; the original is kept"),
            ));
        }
        let final_dir = self.paths.hls_dir(&video.uuid);
        let work_dir = PathBuf::from(format!("{}.work-{}", final_dir.display(), ctx.id));
        let _ = std::fs::remove_dir_all(&work_dir);
        let progress = ctx.progress_setter();
        let control = Control {
            cancel: ctx.cancel_flag(),
            progress: None,
        }
        .with_progress(move |p| progress((p.fraction() * 100.0) as i64));
        let out = match media::remux(&original, &work_dir, &RemuxOptions::default(), &control) {
            Ok(out) => out,
            Err(MediaError::Cancelled) => {
                let _ = std::fs::remove_dir_all(&work_dir);
                return Ok(());
            }
            Err(MediaError::Io(e)) | Err(MediaError::Open { source: e, .. }) => {
                let _ = std::fs::remove_dir_all(&work_dir);
                return Err(JobError::Retry(format!("file system error: {e}")));
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&work_dir);
                return Err(self.fail(
                    &video,
                    format!("The video could not be packaged for streaming: {e}"),
                ));
            }
        };
        // Swap the finished directory into place; a crash before this leaves only a work dir.
        let _ = std::fs::remove_dir_all(&final_dir);
        if let Some(parent) = final_dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| JobError::Retry(e.to_string()))?;
        }
        std::fs::rename(&work_dir, &final_dir).map_err(|e| JobError::Retry(e.to_string()))?;
        let hashes = self
            .torrents(&video, &out)
            .map_err(|e| JobError::Retry(format!("cannot write torrents: {e}")))?;
        let duration = report.duration_seconds.unwrap_or(0.0);
        self.publish(&video, &out, &hashes, duration).map_err(retry)
    }
}
