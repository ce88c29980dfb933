//! Transcode: one H.264 decode feeding every AV1 rendition of the ladder. Pictures come out of
//! the decoder in decode order, are put in display order, capped in frame rate, scaled per rung
//! and encoded with keyframes forced at segment boundaries (the same instants in every rung, so
//! players can switch between them); each rung's fMP4 grows segment by segment.

pub mod input;
pub mod rung;

use std::path::Path;
use std::time::Instant;

use super::MediaError;
use super::control::{Control, Progress};
use super::decode::h264::H264Decoder;
use super::decode::reorder::{MAX_REORDER, Reorder};
use super::encode::av1::Av1Settings;
use super::mux::hls::media_playlist;
use super::output::PendingFiles;
use super::picture::Picture;
use super::plan::{Action, PlannedRendition};
use super::probe::ProbeLimits;
use super::remux::RenditionOutput;
use rung::{FrameTiming, Rung};

/// Transcode settings beyond the plan.
#[derive(Debug, Clone)]
pub struct TranscodeOptions {
    pub segment_seconds: f64,
    pub threads: usize,
    pub max_fps: f64,
    pub limits: ProbeLimits,
}

impl Default for TranscodeOptions {
    fn default() -> Self {
        TranscodeOptions {
            segment_seconds: 4.0,
            threads: 2,
            max_fps: 60.0,
            limits: ProbeLimits::default(),
        }
    }
}

/// Encodes every `EncodeAv1` rung of `rungs` from one decode of `input`, writing into `pending`.
/// Returns the outputs and a representative frame for thumbnails.
pub fn encode_rungs(
    input_path: &Path,
    pending: &mut PendingFiles,
    rungs: &[PlannedRendition],
    opts: &TranscodeOptions,
    control: &Control,
) -> Result<(Vec<RenditionOutput>, Option<Picture>, u32), MediaError> {
    let mut input = input::open(input_path, &opts.limits)?;
    let rotation = input.rotation;
    let ts = i64::from(input.video.spec.timescale);
    let fps = input
        .report
        .streams
        .iter()
        .find_map(|s| s.frame_rate)
        .unwrap_or(30.0)
        .min(opts.max_fps);
    let segment = opts.segment_seconds.max(0.5);
    let mut states = Vec::new();
    for r in rungs {
        let Action::EncodeAv1 { speed, quantizer } = r.action else {
            continue;
        };
        // Encode in the source's coded orientation and keep its display matrix.
        let coded = if rotation % 180 == 90 {
            (r.height, r.width)
        } else {
            (r.width, r.height)
        };
        let settings = Av1Settings {
            width: coded.0,
            height: coded.1,
            fps,
            speed,
            quantizer,
            threads: opts.threads,
            max_keyframe_interval: ((segment * fps).ceil() as u64).saturating_mul(2).max(1),
        };
        let file = pending.create(&format!("{}-fragmented.mp4", r.resolution))?;
        states.push(Rung::new(r.clone(), coded, &settings, file)?);
    }
    let mut decoder = H264Decoder::new(&input.avcc)?;
    let mut reorder = Reorder::new(MAX_REORDER);
    let mut frames: Vec<FrameTiming> = Vec::new();
    let mut picker = super::thumbnails::FramePicker::default();
    let min_gap = (ts as f64 / opts.max_fps.max(1.0) * 0.999) as i64;
    let mut next_boundary = 0.0f64;
    let total = input
        .video
        .samples
        .iter()
        .map(|s| u64::from(s.duration))
        .sum::<u64>() as f64
        / ts as f64;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut sample = Vec::new();

    let n = input.video.samples.len();
    for i in 0..=n {
        control.check()?;
        let ready: Vec<(i64, Picture)> = if i < n {
            let s = input.video.samples[i];
            input::read_samples(&mut input.file, &input.video, i..i + 1, &mut sample)?;
            let pts = s.dts as i64 + input.video.dts_delay as i64 + i64::from(s.cts_offset)
                - input.video.cts_shift;
            match decoder.decode(&sample, s.sync)? {
                Some(pic) => reorder.push(pts, pic).into_iter().collect(),
                None => Vec::new(),
            }
        } else {
            std::iter::from_fn(|| reorder.pop()).collect()
        };
        for (pts, pic) in ready {
            // Frames before zero are cut by the edit list; frames too close together exceed the cap.
            if pts < 0 || frames.last().is_some_and(|f| pts - f.pts < min_gap) {
                continue;
            }
            let seconds = pts as f64 / ts as f64;
            let key = frames.is_empty() || seconds >= next_boundary - 1e-3;
            if key {
                while next_boundary <= seconds + 1e-3 {
                    next_boundary += segment;
                }
            }
            frames.push(FrameTiming { pts, key });
            picker.offer(seconds, &pic);
            for r in &mut states {
                r.send(&pic, key, &frames, &mut input)?;
            }
            if last_report.elapsed().as_secs_f64() >= 1.0 {
                last_report = Instant::now();
                control.report(&Progress {
                    stage: "transcode".into(),
                    done_seconds: seconds,
                    total_seconds: total,
                    speed: seconds / started.elapsed().as_secs_f64().max(1e-6),
                });
            }
        }
    }
    if frames.is_empty() {
        return Err(MediaError::Decode("no picture could be decoded".into()));
    }
    let mut outputs = Vec::new();
    for mut r in states {
        control.check()?;
        let (init_len, segments, size) = r.finish(&frames, &mut input)?;
        let file_name = format!("{}-fragmented.mp4", r.planned.resolution);
        let playlist_name = format!("{}.m3u8", r.planned.resolution);
        pending.write(
            &playlist_name,
            media_playlist(&file_name, init_len, &segments).as_bytes(),
        )?;
        let duration: f64 = segments.iter().map(|s| s.duration).sum();
        let bytes: u64 = segments.iter().map(|s| s.length).sum();
        let peak = segments
            .iter()
            .filter(|s| s.duration > 0.0)
            .map(|s| (s.length as f64 * 8.0 / s.duration) as u64)
            .max()
            .unwrap_or(0);
        let mut codecs = vec![r.codec_string.clone()];
        if let Some(a) = &input.audio {
            codecs.push(a.codec_string.clone());
        }
        outputs.push(RenditionOutput {
            resolution: r.planned.resolution,
            width: r.planned.width,
            height: r.planned.height,
            frame_rate: Some((fps * 1000.0).round() / 1000.0),
            codecs: codecs.join(","),
            playlist: pending.dir().join(&playlist_name),
            file: pending.dir().join(&file_name),
            size_bytes: size,
            duration_seconds: duration,
            bitrate: if duration > 0.0 {
                (bytes as f64 * 8.0 / duration) as u64
            } else {
                0
            },
            peak_bitrate: peak,
            segment_count: segments.len(),
            remuxed: false,
            segments,
        });
    }
    control.report(&Progress {
        stage: "transcode".into(),
        done_seconds: total,
        total_seconds: total,
        speed: total / started.elapsed().as_secs_f64().max(1e-6),
    });
    Ok((outputs, picker.best(), rotation))
}
