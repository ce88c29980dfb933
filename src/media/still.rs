//! Audio-only uploads (MP3, FLAC, WAV, Ogg, M4A, Matroska/WebM audio): the audio encoded to
//! Opus with a video made of one still picture (the file's cover art when it has one, else a
//! generated cover), in the same HLS layout as any other video, with thumbnail and preview from
//! that picture.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use image::{Rgb, RgbImage, imageops};
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::{MetadataOptions, MetadataRevision};
use symphonia::core::probe::Hint;

use super::MediaError;
use super::audio::decode::AudioDecoder;
use super::audio::opus::EncodedAudio;
use super::audio::{Timing, Transcoder};
use super::control::Control;
use super::encode::av1::Av1Settings;
use super::mux::fmp4::{IDENTITY, OutKind, TrackSpec};
use super::output::PendingFiles;
use super::picture::Picture;
use super::plan::{Action, PlannedRendition};
use super::probe::{Container, ProbeReport};
use super::remux::RenditionOutput;
use super::transcode::TranscodeOptions;
use super::transcode::rung::{FrameTiming, Rung, Shared, SourceFrame};

/// Pictures per second of a still video: enough for every player, nearly free to encode.
pub const STILL_FPS: f64 = 2.0;
/// The still video's size: 640x360, a 16:9 frame the cover sits in.
pub const STILL_SIZE: (u32, u32) = (640, 360);
const TIMESCALE: u32 = 1000;

/// Encoded audio and the cover art (still encoded) found in an audio-only file.
struct AudioFile {
    audio: EncodedAudio,
    cover: Option<Vec<u8>>,
}

fn cover_of(rev: Option<&MetadataRevision>) -> Option<Vec<u8>> {
    let visuals = rev?.visuals();
    // The front cover when it is marked, else the first picture.
    visuals
        .iter()
        .find(|v| v.usage == Some(symphonia::core::meta::StandardVisualKey::FrontCover))
        .or(visuals.first())
        .map(|v| v.data.to_vec())
}

/// Decodes an audio-only file with symphonia's demuxers and encodes it to Opus.
fn read_with_symphonia(path: &Path, control: &Control) -> Result<AudioFile, MediaError> {
    let file = File::open(path).map_err(|source| MediaError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let inner = || -> Result<AudioFile, MediaError> {
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let fmt = FormatOptions {
            // Trims MP3 encoder delay and padding (LAME/Xing headers), as players do.
            enable_gapless: true,
            ..Default::default()
        };
        let mut probed = symphonia::default::get_probe()
            .format(&Hint::new(), mss, &fmt, &MetadataOptions::default())
            .map_err(|e| MediaError::malformed("audio", e.to_string()))?;
        let mut cover = probed.metadata.get().and_then(|m| cover_of(m.current()));
        let mut format = probed.format;
        if cover.is_none() {
            cover = cover_of(format.metadata().current());
        }
        let track = format.default_track().ok_or(MediaError::NoStreams)?.clone();
        let decoder = AudioDecoder::from_params(&track.codec_params)?;
        let mut t = Transcoder::new(decoder, Timing::default())?;
        let mut n = 0u64;
        loop {
            let packet = match format.next_packet() {
                Ok(p) => p,
                Err(symphonia::core::errors::Error::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    break;
                }
                Err(e) => return Err(MediaError::Decode(format!("audio: {e}"))),
            };
            if packet.track_id() != track.id {
                continue;
            }
            n += 1;
            if n.is_multiple_of(256) {
                control.check()?;
            }
            t.push(&packet.data)?;
        }
        Ok(AudioFile {
            audio: t.finish()?,
            cover,
        })
    };
    // symphonia parses untrusted bytes: a panic in it is an error for the uploader.
    crate::contained::contained("the audio parser", inner).unwrap_or_else(|| {
        Err(MediaError::malformed(
            "audio",
            "the audio parser rejected the file",
        ))
    })
}

/// The iTunes `covr` picture of an MP4/M4A (from its `moov`, read again: it is small).
fn mp4_cover(path: &Path) -> Result<Option<Vec<u8>>, MediaError> {
    let (mut file, len) = super::probe::open(path)?;
    let top = super::bmff::read_top_level(&mut file, len)?;
    Ok(super::bmff::cover::find_cover(&top.moov))
}

/// The attached cover picture of a Matroska/WebM (`Attachments`, found by the header walk).
fn matroska_cover(path: &Path) -> Result<Option<Vec<u8>>, MediaError> {
    let (mut file, len) = super::probe::open(path)?;
    let info = super::matroska::read_info(&mut file, len)?;
    Ok(super::matroska_cover::find_cover(&mut file, &info, len))
}

/// A generated cover: a diagonal two-colour gradient (colours from the file's name, so uploads
/// differ) with a disc and a bar suggesting a note. No text: that would need a font.
pub fn generated_cover(seed: &str) -> RgbImage {
    let h = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let hue = |k: u32| -> [f32; 3] {
        let x = ((h >> (k * 8)) & 0xff) as f32 / 255.0;
        [
            0.25 + 0.35 * x,
            0.15 + 0.3 * (1.0 - x),
            0.35 + 0.3 * ((x * 3.0) % 1.0),
        ]
    };
    let (a, b) = (hue(0), hue(3));
    let (w, hgt) = STILL_SIZE;
    RgbImage::from_fn(w, hgt, |x, y| {
        let t = (x as f32 / w as f32 + y as f32 / hgt as f32) / 2.0;
        let mut c = [0f32; 3];
        for i in 0..3 {
            c[i] = a[i] * (1.0 - t) + b[i] * t;
        }
        // A note: a disc, and a stem rising from its right side.
        let (cx, cy, r) = (300.0, 220.0, 34.0);
        let (fx, fy) = (x as f32, y as f32);
        let in_disc = (fx - cx).powi(2) + ((fy - cy) * 1.2).powi(2) < r * r;
        let in_stem = (cx + r - 8.0..cx + r).contains(&fx) && (110.0..cy).contains(&fy);
        if in_disc || in_stem {
            c = [0.95, 0.95, 0.95];
        }
        Rgb(c.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8))
    })
}

/// The still frame: the cover fitted inside 640x360 on a darkened, stretched copy of itself.
fn still_frame(cover: Option<&[u8]>, seed: &str) -> RgbImage {
    let (w, h) = STILL_SIZE;
    let art = cover
        .and_then(|bytes| image::load_from_memory(bytes).ok())
        .map(|i| i.to_rgb8())
        .filter(|i| i.width() >= 16 && i.height() >= 16);
    let Some(art) = art else {
        return generated_cover(seed);
    };
    let mut back = imageops::resize(&art, w, h, imageops::FilterType::Triangle);
    for p in back.pixels_mut() {
        p.0 = p.0.map(|v| v / 3);
    }
    let scale = (f64::from(w) / f64::from(art.width())).min(f64::from(h) / f64::from(art.height()));
    let (fw, fh) = (
        ((f64::from(art.width()) * scale) as u32).clamp(1, w),
        ((f64::from(art.height()) * scale) as u32).clamp(1, h),
    );
    let fitted = imageops::resize(&art, fw, fh, imageops::FilterType::CatmullRom);
    imageops::overlay(
        &mut back,
        &fitted,
        i64::from((w - fw) / 2),
        i64::from((h - fh) / 2),
    );
    back
}

/// The one rendition an audio-only upload gets.
pub fn still_rendition(cfg: &super::LadderConfig) -> PlannedRendition {
    let (width, height) = STILL_SIZE;
    PlannedRendition {
        resolution: height,
        width,
        height,
        frame_rate: Some(STILL_FPS),
        action: Action::EncodeAv1 {
            speed: cfg.av1_speed.at(height),
            quantizer: cfg.av1_quantizer.at(height),
            low_latency: cfg.av1_low_latency.at(height).0,
        },
        replaces_original: false,
    }
}

/// Encodes an audio-only input: Opus audio plus the still video, and the pictures.
pub fn encode(
    input: &Path,
    report: &ProbeReport,
    pending: &mut PendingFiles,
    rung: &PlannedRendition,
    opts: &TranscodeOptions,
    control: &Control,
) -> Result<RenditionOutput, MediaError> {
    let seed = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let AudioFile { audio, cover } = match report.container {
        Container::M4a | Container::Mp4 | Container::Mov | Container::ThreeGp => AudioFile {
            audio: super::transcode::input::encode_audio_only(input, &opts.limits, control)?,
            cover: mp4_cover(input)?,
        },
        Container::Matroska | Container::Webm => AudioFile {
            audio: super::transcode::input::encode_audio_only(input, &opts.limits, control)?,
            cover: matroska_cover(input)?,
        },
        _ => read_with_symphonia(input, control)?,
    };
    if audio.samples == 0 {
        return Err(MediaError::Decode("no audio could be decoded".into()));
    }
    let rgb = still_frame(cover.as_deref(), &seed);
    let pic = Picture::from_rgb(&rgb);
    super::thumbnails::write_images(&pic, 0, pending)?;
    let (
        Action::EncodeAv1 {
            speed,
            quantizer,
            low_latency,
        },
        (w, h),
    ) = (&rung.action, (rung.width, rung.height))
    else {
        return Err(MediaError::Unsupported(
            "a still video is always encoded".into(),
        ));
    };
    let duration_ms = (audio.samples * 1000).div_ceil(48_000).max(1);
    let segment = opts.segment_seconds.max(0.5);
    let settings = Av1Settings {
        width: w,
        height: h,
        fps: STILL_FPS,
        speed: *speed,
        quantizer: *quantizer,
        low_latency: *low_latency,
        threads: opts.threads,
        max_keyframe_interval: ((segment * STILL_FPS).ceil() as u64).max(1),
        tuning: opts.av1.clone(),
    };
    let file = pending.create(&format!("{}-fragmented.mp4", rung.resolution))?;
    let encoder = Rung::new(rung.clone(), (w, h), &settings, file)?;
    let video_spec = TrackSpec {
        id: 1,
        kind: OutKind::Video,
        timescale: TIMESCALE,
        sample_entry: Vec::new(),
        width: w,
        height: h,
        matrix: IDENTITY,
        language: 0x55c4,
        edit_media_time: None,
        duration: duration_ms,
    };
    let opus_spec = super::transcode::opus_track(&audio, None);
    let step = (f64::from(TIMESCALE) / STILL_FPS) as i64;
    let frame_count = ((duration_ms as i64 + step - 1) / step.max(1)).max(1);
    let shared = Shared {
        video_spec: &video_spec,
        last_duration: (duration_ms as i64 - (frame_count - 1) * step).max(1) as u32,
        audio: Some((&opus_spec, &audio)),
    };
    let frame = Arc::new(pic);
    let done = std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Arc<SourceFrame>>(2);
        let shared = &shared;
        let handle = scope.spawn(move || encoder.run(rx, shared, control));
        let mut next_key = 0.0;
        for i in 0..frame_count {
            let pts = i * step;
            let seconds = pts as f64 / f64::from(TIMESCALE);
            let key = seconds >= next_key - 1e-3;
            if key {
                next_key += segment;
            }
            let f = SourceFrame {
                pic: (*frame).clone(),
                timing: FrameTiming { pts, key },
            };
            if tx.send(Arc::new(f)).is_err() {
                break;
            }
        }
        drop(tx);
        handle
            .join()
            .unwrap_or_else(|_| Err(MediaError::Encode("the encoder thread panicked".into())))
    })?;
    super::transcode::rendition_output(pending, done, STILL_FPS, true)
}
