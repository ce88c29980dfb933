//! The `video-process` job: probe the original, plan its ladder, remux it for instant playback
//! when its codecs allow (publishing within seconds), and queue the encoded rungs.

use super::transcode::queue_transcode;
use super::{Pipeline, SharedPipeline};
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::media::{self, Action, LadderConfig, MediaError, Plan, split_pass};
use crate::store::videos::VideoRow;

pub struct ProcessVideo(pub SharedPipeline);

/// The resolutions of the plan's encoded rungs, in the plan's order (lowest first).
pub(super) fn encoded_rungs(plan: &Plan) -> Vec<u32> {
    plan.renditions
        .iter()
        .filter(|r| matches!(r.action, Action::EncodeAv1 { .. }))
        .map(|r| r.resolution)
        .collect()
}

impl JobHandler for ProcessVideo {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let p = &self.0;
        p.guarded(ctx, |video| process(p, ctx, video))
    }
}

fn process(p: &Pipeline, ctx: &JobContext, video: &VideoRow) -> Result<(), JobError> {
    let report = match media::probe(p.paths.original(video)) {
        Ok(r) => r,
        Err(e) => {
            return Err(p.fail(video, format!("The uploaded file cannot be read: {e}")));
        }
    };
    if !report.remuxable && !p.transcoding_enabled {
        let why = report
            .remux_blocker
            .clone()
            .unwrap_or_else(|| "its codecs are not browser-playable".into());
        return Err(p.fail(
            video,
            format!("This video needs re-encoding ({why}), which is turned off on this instance; the original is kept"),
        ));
    }
    let ladder = if p.transcoding_enabled {
        p.ladder()
    } else {
        LadderConfig {
            resolutions: Vec::new(),
            ..LadderConfig::default()
        }
    };
    let plan = media::plan(&report, &ladder).map_err(|e| {
        let why = match e {
            MediaError::Unsupported(why) => why,
            other => other.to_string(),
        };
        p.fail(video, format!("This video cannot be processed: {why}"))
    })?;
    let mut rungs = encoded_rungs(&plan);
    if plan.remux_possible {
        let failed = |why| {
            p.fail(
                video,
                format!("The video could not be packaged for streaming: {why}"),
            )
        };
        let Some(done) = p.run_pass(ctx, video, &plan.remux_only(), failed)? else {
            return Ok(());
        };
        p.publish_if_ready(video, done.duration, !rungs.is_empty())?;
        crate::crashpoint::hit("remux:published");
        if !rungs.is_empty() {
            let (now, later) = split_pass(rungs);
            queue_transcode(p, video, now, later)?;
        }
    } else if !rungs.is_empty() {
        // Nothing plays until a rung is encoded: the smallest first, alone, then the rest.
        let first = rungs.remove(0);
        queue_transcode(p, video, vec![first], rungs)?;
    }
    Ok(())
}
