//! Cutting the timeline into HLS segments: each starts on a video keyframe once the target
//! duration is reached, and audio follows the video boundaries.

use std::ops::Range;

use super::source::SourceTrack;

/// One planned segment: which samples of each track it holds and when it plays.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentPlan {
    pub video: Range<usize>,
    pub audio: Range<usize>,
    pub start: f64,
    pub end: f64,
}

/// Plans segments of about `target` seconds.
pub fn plan_segments(
    video: &SourceTrack,
    audio: Option<&SourceTrack>,
    target: f64,
) -> Vec<SegmentPlan> {
    let n = video.samples.len();
    let mut starts = vec![0usize];
    let mut seg_start_t = video.pts(0);
    for i in 1..n {
        // A millisecond of slack absorbs timescale rounding (a 4 s GOP at 29.97 fps).
        if video.samples[i].sync && video.pts(i) - seg_start_t >= target - 0.001 {
            starts.push(i);
            seg_start_t = video.pts(i);
        }
    }
    let video_end = (0..n)
        .map(|i| video.pts(i) + video.seconds(u64::from(video.samples[i].duration)))
        .fold(f64::MIN, f64::max);
    let mut plans: Vec<SegmentPlan> = starts
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let e = starts.get(k + 1).copied().unwrap_or(n);
            SegmentPlan {
                video: s..e,
                audio: 0..0,
                // The first segment starts at zero even if the first frame is slightly later.
                start: if k == 0 {
                    0f64.min(video.pts(s))
                } else {
                    video.pts(s)
                },
                end: starts
                    .get(k + 1)
                    .map(|&x| video.pts(x))
                    .unwrap_or(video_end),
            }
        })
        .collect();
    if let Some(a) = audio {
        let mut j = 0;
        let count = plans.len();
        for (k, p) in plans.iter_mut().enumerate() {
            let first = j;
            let last_segment = k + 1 == count;
            while j < a.samples.len() && (last_segment || a.pts(j) < p.end) {
                j += 1;
            }
            p.audio = first..j;
        }
    }
    plans
}
