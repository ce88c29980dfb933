//! The `video-transcode` job: encodes some AV1 rungs of a video's ladder in one decode, installs
//! them beside what already plays, then queues the rungs that remain.

use super::process::encoded_rungs;
use super::{Pipeline, SharedPipeline, retry};
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::media::{self, Action, Plan, split_pass};
use crate::store::jobs::{self, NewJob};
use crate::store::videos::{self, VideoRow};

pub const TRANSCODE_JOB: &str = "video-transcode";

pub struct TranscodeVideo(pub SharedPipeline);

/// Queues the encoding of `rungs`, to be followed by `next`.
pub(super) fn queue_transcode(
    p: &Pipeline,
    video: &VideoRow,
    rungs: Vec<u32>,
    next: Vec<u32>,
) -> Result<(), JobError> {
    let id = video.id;
    let key = rungs
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    p.store
        .write_blocking(|tx| {
            jobs::push(
                tx,
                &NewJob {
                    kind: TRANSCODE_JOB.into(),
                    payload:
                        serde_json::json!({ "videoId": id, "resolutions": rungs, "next": next })
                            .to_string(),
                    subject: Some(format!("video:{id}")),
                    unique_key: Some(format!("video:{id}:transcode:{key}")),
                    // A first rung (nothing plays yet) goes before ladders of playable videos.
                    priority: if video.state == 1 { 0 } else { 5 },
                    max_attempts: crate::domain::processing::MAX_ATTEMPTS,
                    ..Default::default()
                },
            )
        })
        .map(|_| ())
        .map_err(retry)
}

fn resolutions(value: &serde_json::Value) -> Vec<u32> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect()
        })
        .unwrap_or_default()
}

impl JobHandler for TranscodeVideo {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let p = &self.0;
        p.guarded(ctx, |video| transcode(p, ctx, video))
    }
}

fn transcode(p: &Pipeline, ctx: &JobContext, video: &VideoRow) -> Result<(), JobError> {
    let wanted = resolutions(&ctx.payload["resolutions"]);
    let next = resolutions(&ctx.payload["next"]);
    // Once something plays, a failed rung leaves the video as it is; before, it fails it.
    let on_failure = |why: String| {
        p.fail_unless_playing(video, format!("The video could not be encoded: {why}"))
    };
    let report = media::probe(p.paths.original(video)).map_err(|e| on_failure(e.to_string()))?;
    let plan = media::plan(&report, &p.ladder()).map_err(|e| on_failure(e.to_string()))?;
    // Rungs recorded by an earlier run of this job (interrupted after recording) are not
    // encoded again.
    let id = video.id;
    let encoded: Vec<u32> = p
        .store
        .read_blocking(|c| videos::files(c, id))
        .map_err(retry)?
        .into_iter()
        .filter(|f| f.codecs.starts_with("av01"))
        .filter_map(|f| u32::try_from(f.resolution).ok())
        .collect();
    let sub = Plan {
        renditions: plan
            .renditions
            .iter()
            .filter(|r| {
                matches!(r.action, Action::EncodeAv1 { .. })
                    && wanted.contains(&r.resolution)
                    && !encoded.contains(&r.resolution)
            })
            .cloned()
            .collect(),
        ..plan.clone()
    };
    let rungs_left = !next.is_empty();
    if !sub.renditions.is_empty() {
        let Some(done) = p.run_pass(ctx, video, &sub, on_failure)? else {
            return Ok(());
        };
        p.publish_if_ready(video, done.duration, rungs_left)?;
    } else if wanted.iter().any(|r| encoded.contains(r)) {
        let duration = report.duration_seconds.unwrap_or(0.0);
        p.publish_if_ready(video, duration, rungs_left)?;
    } else if encoded_rungs(&plan).is_empty() {
        // The ladder configuration changed since this job was queued: nothing to encode.
        return Err(on_failure("the ladder has no rung for this video".into()));
    }
    if rungs_left {
        let (now, later) = split_pass(next);
        queue_transcode(p, video, now, later)?;
    }
    Ok(())
}
