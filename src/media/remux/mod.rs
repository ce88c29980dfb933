//! Remux: a browser-playable MP4/MOV (H.264 or AV1 video, AAC or Opus audio) to the HLS layout
//! without re-encoding: `master.m3u8`, `<res>.m3u8`, `<res>-fragmented.mp4`, `segments-sha256.json`.
//! Streams sample data from the source segment by segment, so memory stays bounded by the
//! sample tables and one copy buffer.

pub mod mkv_source;
pub mod segments;
pub mod source;
pub mod write;

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::MediaError;
use super::control::Control;
use super::mux::hls::{
    SegmentEntry, VariantEntry, master_playlist, media_playlist, segments_sha256_json,
};
use super::output::PendingFiles;
use super::probe::ProbeLimits;

/// Remux settings.
#[derive(Debug, Clone)]
pub struct RemuxOptions {
    /// Target segment duration; segments start on the first keyframe after it.
    pub segment_seconds: f64,
    pub limits: ProbeLimits,
    /// Also write `thumbnail.jpg` and `preview.jpg`, decoded from the first keyframes (the
    /// command line's remux; the server has its own pictures step).
    pub pictures: bool,
}

impl Default for RemuxOptions {
    fn default() -> Self {
        RemuxOptions {
            segment_seconds: 4.0,
            limits: ProbeLimits::default(),
            pictures: false,
        }
    }
}

/// One rendition written to disk, as the job queue records it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RenditionOutput {
    /// PeerTube's resolution number: the smaller side of the displayed picture.
    pub resolution: u32,
    pub width: u32,
    pub height: u32,
    pub frame_rate: Option<f64>,
    pub codecs: String,
    pub playlist: PathBuf,
    pub file: PathBuf,
    pub size_bytes: u64,
    pub duration_seconds: f64,
    /// Average and peak (per segment) bits per second.
    pub bitrate: u64,
    pub peak_bitrate: u64,
    pub segment_count: usize,
    /// Copied from the original without re-encoding.
    pub remuxed: bool,
    #[serde(skip)]
    pub segments: Vec<SegmentEntry>,
}

impl RenditionOutput {
    pub fn variant(&self) -> VariantEntry {
        VariantEntry {
            playlist: file_name(&self.playlist),
            bandwidth: self.peak_bitrate,
            average_bandwidth: self.bitrate,
            width: self.width,
            height: self.height,
            frame_rate: self.frame_rate,
            codecs: self.codecs.clone(),
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Everything a remux or transcode wrote.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HlsOutput {
    pub master: PathBuf,
    pub segments_sha256: PathBuf,
    pub renditions: Vec<RenditionOutput>,
}

/// Remuxes `input` into `out_dir`. On error or cancellation no final-named file is left behind.
pub fn remux(
    input: &Path,
    out_dir: &Path,
    opts: &RemuxOptions,
    control: &Control,
) -> Result<HlsOutput, MediaError> {
    let mut pending = PendingFiles::new(out_dir)?;
    let rendition = remux_rendition(input, &mut pending, opts, control)?;
    if opts.pictures {
        super::thumbnails::try_from_keyframes(input, &mut pending, &opts.limits);
    }
    finish(pending, vec![rendition])
}

/// Writes the remuxed rendition's file and media playlist into `pending`.
pub fn remux_rendition(
    input: &Path,
    pending: &mut PendingFiles,
    opts: &RemuxOptions,
    control: &Control,
) -> Result<RenditionOutput, MediaError> {
    control.check()?;
    let mut src = source::open(input, &opts.limits)?;
    let plans = segments::plan_segments(
        &src.video,
        src.audio.as_ref(),
        opts.segment_seconds.max(0.5),
    );
    let vs = src
        .report
        .streams
        .iter()
        .find(|s| s.kind == super::StreamKind::Video)
        .cloned()
        .ok_or(MediaError::NoStreams)?;
    let (width, height) = (
        vs.display_width.unwrap_or(0),
        vs.display_height.unwrap_or(0),
    );
    let resolution = width.min(height);
    let file_name = format!("{resolution}-fragmented.mp4");
    let playlist_name = format!("{resolution}.m3u8");
    let out = pending.create(&file_name)?;
    let written = write::write_fragmented(
        &mut src,
        &plans,
        out,
        &format!("remux {resolution}p"),
        control,
    )?;
    pending.write(
        &playlist_name,
        media_playlist(&file_name, written.init_len, &written.segments).as_bytes(),
    )?;
    let duration: f64 = written.segments.iter().map(|s| s.duration).sum();
    let media_bytes: u64 = written.segments.iter().map(|s| s.length).sum();
    let peak = written
        .segments
        .iter()
        .filter(|s| s.duration > 0.0)
        .map(|s| (s.length as f64 * 8.0 / s.duration) as u64)
        .max()
        .unwrap_or(0);
    let mut codecs = vec![src.video.codec_string.clone()];
    if let Some(a) = &src.audio {
        codecs.push(a.codec_string.clone());
    }
    Ok(RenditionOutput {
        resolution,
        width,
        height,
        frame_rate: vs.frame_rate,
        codecs: codecs.join(","),
        playlist: pending.dir().join(&playlist_name),
        file: pending.dir().join(&file_name),
        size_bytes: written.size,
        duration_seconds: duration,
        bitrate: if duration > 0.0 {
            (media_bytes as f64 * 8.0 / duration) as u64
        } else {
            0
        },
        peak_bitrate: peak,
        segment_count: written.segments.len(),
        remuxed: true,
        segments: written.segments,
    })
}

/// Writes `segments-sha256.json` and `master.m3u8`, then renames everything into place.
pub fn finish(
    mut pending: PendingFiles,
    renditions: Vec<RenditionOutput>,
) -> Result<HlsOutput, MediaError> {
    let hashes: Vec<(String, Vec<SegmentEntry>)> = renditions
        .iter()
        .map(|r| (file_name(&r.file), r.segments.clone()))
        .collect();
    pending.write(
        "segments-sha256.json",
        segments_sha256_json(&hashes).as_bytes(),
    )?;
    let variants: Vec<VariantEntry> = renditions.iter().map(RenditionOutput::variant).collect();
    pending.write("master.m3u8", master_playlist(&variants).as_bytes())?;
    let dir = pending.dir().to_path_buf();
    pending.commit()?;
    Ok(HlsOutput {
        master: dir.join("master.m3u8"),
        segments_sha256: dir.join("segments-sha256.json"),
        renditions,
    })
}
