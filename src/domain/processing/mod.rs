//! The processing pipeline, in two job kinds. `video-process` probes the original, remuxes it
//! when browser-playable and publishes at once, then queues the AV1 ladder; `video-transcode`
//! encodes rungs (the first one alone when nothing could be remuxed, so the video plays as soon as
//! it is done). Every pass is written to a work directory and installed into the video's HLS
//! directory, whose master playlist then lists every rendition done so far.

mod pass;
mod process;
mod transcode;

pub use process::ProcessVideo;
pub use transcode::{TRANSCODE_JOB, TranscodeVideo};

use std::sync::Arc;

use crate::domain::instance_settings::LiveConfig;
use crate::domain::videos::VideoPaths;
use crate::jobs::{JobContext, JobError};
use crate::media::LadderConfig;
use crate::store::videos::{self, VideoRow};
use crate::store::{Store, StoreError};

/// What both job kinds need: the store, the file layout and the transcoding configuration.
pub struct Pipeline {
    pub store: Store,
    pub paths: VideoPaths,
    /// Public URL, for the web seeds written into torrents.
    pub base_url: String,
    /// The effective configuration, read at each job: transcoding resolutions changed by an
    /// administrator apply to the next job without a restart.
    pub settings: LiveConfig,
    /// False: remux only; uploads that need encoding fail with a reason.
    pub transcoding_enabled: bool,
    pub threads: usize,
    /// See `TranscodeOptions::max_damaged_percent`.
    pub max_damaged_percent: u8,
    /// Passes run in a worker process started this way; `None` runs them in this process.
    pub worker: Option<crate::media::worker::Launcher>,
}

pub type SharedPipeline = Arc<Pipeline>;

/// Attempts of each processing job; a job interrupted by crashes more often than this gives up.
pub const MAX_ATTEMPTS: i64 = 3;

fn retry(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

impl Pipeline {
    /// The AV1 ladder as configured now (file, environment, flags and administrators' settings).
    fn ladder(&self) -> LadderConfig {
        self.settings.get().ladder.clone()
    }

    /// Runs one processing job so that its video always ends published or failed with a reason:
    /// a retryable error on the last attempt, or a job restarted after crashing the server on
    /// its last attempt, fails a video that does not play yet.
    fn guarded(
        &self,
        ctx: &JobContext,
        job: impl FnOnce(&VideoRow) -> Result<(), JobError>,
    ) -> Result<(), JobError> {
        let Some(video) = self.video(&ctx.payload)? else {
            return Ok(()); // Deleted meanwhile: nothing to do.
        };
        if ctx.attempt > MAX_ATTEMPTS {
            return Err(self
                .fail_unless_playing(&video, "Processing was interrupted too many times".into()));
        }
        match job(&video) {
            Err(JobError::Retry(why)) if ctx.attempt >= MAX_ATTEMPTS => {
                Err(self.fail_unless_playing(&video, why))
            }
            other => other,
        }
    }

    /// Fails the video (state 7) when no rendition plays yet; else only the job fails.
    fn fail_unless_playing(&self, video: &VideoRow, reason: String) -> JobError {
        let id = video.id;
        match self
            .store
            .read_blocking(|c| videos::files(c, id))
            .map(|f| f.is_empty())
        {
            Ok(true) => self.fail(video, reason),
            Ok(false) => JobError::Permanent(reason),
            Err(e) => retry(e),
        }
    }

    /// Loads the job's video; `None` when it was deleted meanwhile (nothing to do).
    fn video(&self, payload: &serde_json::Value) -> Result<Option<VideoRow>, JobError> {
        let id = payload["videoId"]
            .as_i64()
            .ok_or_else(|| JobError::Permanent("job payload has no videoId".into()))?;
        self.store
            .read_blocking(|c| videos::by_id(c, id))
            .map_err(retry)
    }

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

    /// Publishes (state 1) with the duration, unless the uploader asked to wait for the whole
    /// ladder and rungs remain.
    fn publish_if_ready(
        &self,
        video: &VideoRow,
        duration: f64,
        rungs_left: bool,
    ) -> Result<(), JobError> {
        if video.wait_transcoding && rungs_left {
            return Ok(());
        }
        let id = video.id;
        self.store
            .write_blocking(|tx| crate::federation::hooks::publish(tx, id, duration.round() as i64))
            .map_err(retry)
    }
}
