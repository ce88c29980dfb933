//! Transcode: one H.264 or AV1 decode feeding every AV1 rendition of the ladder. Pictures come out of
//! the decoder in decode order, are put in display order, capped in frame rate, and handed to
//! every rung's thread, which scales and encodes them with keyframes forced at segment
//! boundaries (the same instants in every rung, so players can switch between them); each
//! rung's fMP4 grows segment by segment.

pub mod input;
pub mod rung;

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use super::MediaError;
use super::control::{Control, Progress};
use super::decode::reorder::{Reorder, depth_needed};
use super::decode::{VideoDecoder, open_video};
use super::encode::av1::{Av1Settings, Av1Tuning};
use super::mux::hls::media_playlist;
use super::output::PendingFiles;
use super::picture::Picture;
use super::plan::{Action, PlannedRendition};
use super::probe::ProbeLimits;
use super::remux::RenditionOutput;
use rung::{FrameTiming, Rung, RungDone, Shared, SourceFrame};

/// Transcode settings beyond the plan.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TranscodeOptions {
    pub segment_seconds: f64,
    /// Encoder threads per rung (rungs also run concurrently with each other).
    pub threads: usize,
    pub max_fps: f64,
    pub limits: ProbeLimits,
    /// rav1e settings beyond the speed preset.
    pub av1: Av1Tuning,
    /// A plan that remuxes and encodes nothing decodes no picture: take the thumbnail and
    /// preview from the original's first keyframes instead (off when the caller has its own).
    #[serde(default)]
    pub pictures_from_keyframes: bool,
    /// Share of the video's pictures, in percent, that may be lost to damage (concealed, see
    /// `decode_all`) before the job fails: 0 refuses any damage, 100 keeps whatever decodes.
    #[serde(default = "default_max_damaged_percent")]
    pub max_damaged_percent: u8,
    /// A rendition of the same upload written earlier (its fragmented MP4), whose Opus track is
    /// muxed again instead of encoding the audio anew. The server runs each of its passes in a
    /// worker process of its own (a rung above 720p has a pass to itself, and so does the
    /// first rung of an upload that cannot be remuxed), so a later pass cannot share the first
    /// one's packets in memory. Ignored (the audio is encoded) when that file has no Opus track
    /// in the shape `encode_rungs` writes.
    #[serde(default)]
    pub audio_from: Option<std::path::PathBuf>,
}

/// Half: a video that is mostly damage is more likely a broken file than a damaged upload.
pub const DEFAULT_MAX_DAMAGED_PERCENT: u8 = 50;

fn default_max_damaged_percent() -> u8 {
    DEFAULT_MAX_DAMAGED_PERCENT
}

impl Default for TranscodeOptions {
    fn default() -> Self {
        TranscodeOptions {
            segment_seconds: 4.0,
            threads: 2,
            max_fps: 60.0,
            limits: ProbeLimits::default(),
            av1: Av1Tuning::default(),
            pictures_from_keyframes: false,
            max_damaged_percent: DEFAULT_MAX_DAMAGED_PERCENT,
            audio_from: None,
        }
    }
}

/// Pictures queued per rung: enough to keep encoders busy while the decoder works ahead, few
/// enough to bound memory (a 1080p picture is 3 MB).
const QUEUE: usize = 4;

/// The input's audio as Opus, encoded by the first decoding pass of a run and muxed again by
/// the next ones (a rung above 720p has a pass of its own).
#[derive(Default)]
pub struct PassAudio(Option<Option<super::audio::opus::EncodedAudio>>);

/// Encodes every `EncodeAv1` rung of `rungs` from one decode of `input`, writing into `pending`;
/// the audio is encoded unless an earlier pass of the same run left it in `audio`.
/// Returns the outputs and a representative frame for thumbnails.
pub fn encode_rungs(
    input_path: &Path,
    pending: &mut PendingFiles,
    rungs: &[PlannedRendition],
    opts: &TranscodeOptions,
    control: &Control,
    audio: &mut PassAudio,
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
        let Action::EncodeAv1 {
            speed,
            quantizer,
            low_latency,
        } = r.action
        else {
            continue;
        };
        // Pictures are turned upright before scaling, so rungs are encoded as displayed, with
        // an identity matrix: players that ignore track matrices in MSE still show them upright.
        let coded = (r.width, r.height);
        let settings = Av1Settings {
            width: coded.0,
            height: coded.1,
            fps,
            speed,
            quantizer,
            low_latency,
            threads: opts.threads,
            max_keyframe_interval: ((segment * fps).ceil() as u64).saturating_mul(2).max(1),
            tuning: opts.av1.clone(),
        };
        let file = pending.create(&format!("{}-fragmented.mp4", r.resolution))?;
        states.push(Rung::new(r.clone(), coded, &settings, file)?);
    }
    // Audio first: decoding and Opus encoding take a few percent of the video's time, and every
    // rung then muxes the same packets as its segments close.
    if audio.0.is_none() {
        audio.0 = match audio_of_earlier_rendition(opts) {
            Some(reused) => Some(Some(reused)),
            None => Some(input::encode_audio(&mut input, control)?),
        };
    }
    let opus = audio.0.as_ref().and_then(Option::as_ref);
    let opus_spec = opus.map(|a| opus_track(a, input.audio.as_ref()));
    let mut decoder = open_video(
        input.video_codec,
        &input.video_config,
        opts.threads,
        opts.limits.max_pixels(),
    )?;
    let total = input
        .video
        .samples
        .iter()
        .map(|s| u64::from(s.duration))
        .sum::<u64>() as f64
        / ts as f64;
    let started = Instant::now();
    let input::Input { file, video, .. } = &mut input;
    let video = &*video;
    let shared = Shared {
        video_spec: &video.spec,
        last_duration: video.samples.last().map(|s| s.duration).unwrap_or(1),
        audio: opus_spec.as_ref().zip(opus),
    };
    let ctx = DecodeContext {
        rotation,
        ts,
        max_fps: opts.max_fps,
        segment,
        total,
        started,
        max_damaged_percent: opts.max_damaged_percent,
    };
    let (decoded, done) = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for rung in states {
            let (tx, rx) = sync_channel::<Arc<SourceFrame>>(QUEUE);
            let shared = &shared;
            handles.push(scope.spawn(move || rung.run(rx, shared, control)));
            senders.push(tx);
        }
        let decoded = decode_all(decoder.as_mut(), file, video, &ctx, control, |frame| {
            let frame = Arc::new(frame);
            // A closed channel means that rung failed; its error is collected below.
            senders.iter().all(|tx| tx.send(frame.clone()).is_ok())
        });
        drop(senders);
        let done: Vec<Result<RungDone, MediaError>> = handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(MediaError::Encode("an encoder thread panicked".into()))
                })
            })
            .collect();
        (decoded, done)
    });
    // A decode that failed on its own starved the rungs: its error is the one to tell.
    let decoded = match decoded {
        Err(e) if !matches!(e, MediaError::Encode(_)) => return Err(e),
        other => other,
    };
    // Otherwise a rung's own failure explains a stopped decode better than "an encoder stopped".
    let mut rungs = Vec::new();
    for d in done {
        rungs.push(d?);
    }
    let (frame_count, picture) = decoded?;
    if frame_count == 0 {
        return Err(MediaError::Decode("no picture could be decoded".into()));
    }
    let mut outputs = Vec::new();
    for r in rungs {
        outputs.push(rendition_output(pending, r, fps, opus.is_some())?);
    }
    control.report(&Progress {
        stage: "transcode".into(),
        done_seconds: total,
        total_seconds: total,
        speed: total / ctx.started.elapsed().as_secs_f64().max(1e-6),
        frames_per_second: Some(frame_count as f64 / ctx.started.elapsed().as_secs_f64().max(1e-6)),
    });
    Ok((outputs, picture, 0))
}

/// The Opus packets of `opts.audio_from`, when it names a rendition with audio in our shape.
/// A file that cannot be read costs only the encode it would have saved.
fn audio_of_earlier_rendition(opts: &TranscodeOptions) -> Option<super::audio::opus::EncodedAudio> {
    let path = opts.audio_from.as_deref()?;
    match super::audio::reread::opus_of_rendition(path) {
        Ok(Some(audio)) => {
            tracing::debug!(from = %path.display(), packets = audio.len(), "audio muxed again");
            Some(audio)
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(from = %path.display(), "the audio is encoded again: {e}");
            None
        }
    }
}

/// Writes a finished rung's media playlist and describes the rendition.
pub(crate) fn rendition_output(
    pending: &mut PendingFiles,
    r: RungDone,
    fps: f64,
    with_audio: bool,
) -> Result<RenditionOutput, MediaError> {
    let RungDone {
        planned,
        codec_string,
        init_len,
        segments,
        size,
    } = r;
    let file_name = format!("{}-fragmented.mp4", planned.resolution);
    let playlist_name = format!("{}.m3u8", planned.resolution);
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
    let mut codecs = vec![codec_string];
    if with_audio {
        codecs.push("opus".to_string());
    }
    Ok(RenditionOutput {
        resolution: planned.resolution,
        width: planned.width,
        height: planned.height,
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
    })
}

/// Timing facts the decode loop needs.
struct DecodeContext {
    /// Clockwise turn the source's display matrix asks for, applied to every picture.
    rotation: u32,
    /// Video timescale (ticks per second).
    ts: i64,
    max_fps: f64,
    segment: f64,
    total: f64,
    started: Instant,
    /// See `TranscodeOptions::max_damaged_percent`.
    max_damaged_percent: u8,
}

/// Decodes every sample of `video` in order, puts pictures in display order, drops those cut by
/// the edit list or over the frame-rate cap, marks segment-boundary keyframes, and hands each
/// to `deliver` (which returns false to stop). Returns the number of frames delivered and a
/// representative picture for thumbnails.
///
/// A sample the decoder refuses (a damaged upload: a bad sector, a cut transfer patched over)
/// is concealed as players and ffmpeg conceal it: the decoder restarts and the pictures up to
/// the next keyframe are skipped, the previous picture staying on screen longer. The job fails
/// only when more than `max_damaged_percent` of the samples are lost (half by default), or the
/// decoder cannot restart.
fn decode_all(
    decoder: &mut dyn VideoDecoder,
    file: &mut std::fs::File,
    video: &super::remux::source::SourceTrack,
    ctx: &DecodeContext,
    control: &Control,
    mut deliver: impl FnMut(SourceFrame) -> bool,
) -> Result<(usize, Option<Picture>), MediaError> {
    let ts = ctx.ts;
    let pts_of = |s: &super::bmff::samples::Sample| {
        s.dts as i64 + video.dts_delay as i64 + i64::from(s.cts_offset) - video.cts_shift
    };
    let decode_order: Vec<i64> = video.samples.iter().map(pts_of).collect();
    let mut reorder = Reorder::new(depth_needed(&decode_order));
    drop(decode_order);
    let mut picker = super::thumbnails::FramePicker::default();
    let min_gap = (ts as f64 / ctx.max_fps.max(1.0) * 0.999) as i64;
    let mut next_boundary = 0.0f64;
    let mut last_pts: Option<i64> = None;
    let mut count = 0usize;
    let mut last_report = Instant::now();
    let mut sample = Vec::new();
    let n = video.samples.len();
    let mut lost = Lost {
        total: n,
        max_percent: ctx.max_damaged_percent,
        ..Lost::default()
    };
    for i in 0..=n {
        control.check()?;
        let ready: Vec<(i64, Picture)> = if i < n {
            let s = video.samples[i];
            if lost.resyncing && !s.sync {
                lost.skip()?;
                continue;
            }
            input::read_samples(file, video, i..i + 1, &mut sample)?;
            let pts = pts_of(&s);
            let mut ready = Vec::new();
            match decoder.send(&sample, s.sync, pts) {
                Ok(pictures) => {
                    lost.resyncing = false;
                    for (pts, pic) in pictures {
                        ready.extend(reorder.push(pts, pic));
                    }
                }
                // A damaged sample: the decoder's refusal, or NAL lengths that do not fit.
                Err(e @ (MediaError::Decode(_) | MediaError::Malformed { .. }))
                    if decoder.restart() =>
                {
                    lost.first_error.get_or_insert(e.to_string());
                    lost.resyncing = true;
                    lost.skip()?;
                }
                Err(e) => return Err(e),
            }
            ready
        } else {
            // End of stream: what the decoder still holds (frame threads), then the buffer.
            let mut ready = Vec::new();
            for (pts, pic) in decoder.finish()? {
                ready.extend(reorder.push(pts, pic));
            }
            ready.extend(std::iter::from_fn(|| reorder.pop()));
            ready
        };
        for (pts, pic) in ready {
            // Frames before zero are cut by the edit list; frames too close together exceed the cap.
            if pts < 0 || last_pts.is_some_and(|l| pts - l < min_gap) {
                continue;
            }
            let seconds = pts as f64 / ts as f64;
            let key = count == 0 || seconds >= next_boundary - 1e-3;
            if key {
                while next_boundary <= seconds + 1e-3 {
                    next_boundary += ctx.segment;
                }
            }
            last_pts = Some(pts);
            count += 1;
            let pic = if ctx.rotation == 0 {
                pic
            } else {
                pic.rotated(ctx.rotation)
            };
            picker.offer(seconds, &pic);
            if !deliver(SourceFrame {
                pic,
                timing: FrameTiming { pts, key },
            }) {
                return Err(MediaError::Encode("an encoder stopped".into()));
            }
            if last_report.elapsed().as_secs_f64() >= 1.0 {
                last_report = Instant::now();
                control.report(&Progress {
                    stage: "transcode".into(),
                    done_seconds: seconds,
                    total_seconds: ctx.total,
                    speed: seconds / ctx.started.elapsed().as_secs_f64().max(1e-6),
                    frames_per_second: Some(
                        count as f64 / ctx.started.elapsed().as_secs_f64().max(1e-6),
                    ),
                });
            }
        }
    }
    if lost.samples > 0 {
        tracing::warn!(
            lost = lost.samples,
            of = n,
            first_error = lost.first_error.as_deref().unwrap_or(""),
            "damaged video samples were skipped"
        );
    }
    Ok((count, picker.best()))
}

/// Samples skipped after decode errors (see `decode_all`).
#[derive(Default)]
struct Lost {
    samples: usize,
    /// The video's samples, and the percentage of them that may be lost.
    total: usize,
    max_percent: u8,
    /// Skipping to the next keyframe after an error.
    resyncing: bool,
    first_error: Option<String>,
}

impl Lost {
    /// Counts one more skipped sample; an error once more than the allowed share are lost.
    fn skip(&mut self) -> Result<(), MediaError> {
        self.samples += 1;
        if self.samples * 100 > self.total * usize::from(self.max_percent) {
            return Err(MediaError::Decode(format!(
                "more than {}% of the {} pictures are damaged ({} so far); the first: {}",
                self.max_percent,
                self.total,
                self.samples,
                self.first_error.as_deref().unwrap_or("unknown")
            )));
        }
        Ok(())
    }
}

/// The Opus track's header: 48 kHz timescale, pre-skip trimmed by a one-entry edit list.
pub(crate) fn opus_track(
    a: &super::audio::opus::EncodedAudio,
    source: Option<&super::remux::source::SourceTrack>,
) -> super::mux::fmp4::TrackSpec {
    use super::mux::fmp4::{IDENTITY, OutKind, TrackSpec};
    TrackSpec {
        id: 2,
        kind: OutKind::Audio,
        timescale: 48_000,
        sample_entry: super::audio::opus::opus_entry(a.pre_skip),
        width: 0,
        height: 0,
        matrix: IDENTITY,
        language: source.map(|s| s.spec.language).unwrap_or(0x55c4),
        edit_media_time: Some(u64::from(a.pre_skip)),
        duration: (a.len() * super::audio::opus::FRAME) as u64,
    }
}
