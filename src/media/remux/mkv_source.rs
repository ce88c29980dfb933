//! Matroska/WebM as a remux or transcode source: the block index turned into the same
//! `SourceTrack`s an MP4 gives (decode times, composition offsets, sync flags), with ISO sample
//! entries built from the tracks' `CodecPrivate` (`avcC`, `av1C`, AudioSpecificConfig,
//! `OpusHead`).

use std::fs::File;

use crate::media::MediaError;
use crate::media::bmff::Sample;
use crate::media::codec::Codec;
use crate::media::matroska::{MkvInfo, MkvTrack, read_info};
use crate::media::matroska_blocks::{MkvFrame, index};
use crate::media::mux::boxwriter::BoxWriter;
use crate::media::mux::entries::av01_entry;
use crate::media::mux::fmp4::{IDENTITY, OutKind, TrackSpec};
use crate::media::probe::{ProbeReport, StreamKind, StreamReport};

use super::source::SourceTrack;

/// The chosen video and audio tracks of a Matroska file.
pub struct MkvSource {
    pub info: MkvInfo,
    pub video: Option<(SourceTrack, MkvTrack)>,
    pub audio: Option<(SourceTrack, MkvTrack)>,
}

fn pick(report: &ProbeReport, kind: StreamKind) -> Option<&StreamReport> {
    report.streams.iter().find(|s| s.kind == kind)
}

/// Indexes the first video and audio tracks of `file`.
pub fn open(file: &mut File, len: u64, report: &ProbeReport) -> Result<MkvSource, MediaError> {
    let info = read_info(file, len)?;
    let v = pick(report, StreamKind::Video);
    let a = pick(report, StreamKind::Audio);
    let wanted: Vec<u64> = [v, a].iter().flatten().map(|s| s.id).collect();
    let mut frames = index(file, &info, len, &wanted)?;
    let track = |s: &StreamReport| info.tracks.iter().find(|t| t.number == s.id).cloned();
    let mut build = |s: Option<&StreamReport>, out_id: u32| -> Result<_, MediaError> {
        let Some(s) = s else { return Ok(None) };
        let Some(t) = track(s) else { return Ok(None) };
        let list = frames.remove(&s.id).unwrap_or_default();
        Ok(Some((source_track(&info, &t, s, list, out_id)?, t)))
    };
    let video = build(v, 1)?;
    let audio = build(a, 2)?;
    Ok(MkvSource { info, video, audio })
}

/// Timescale of the block timestamps: ticks per second.
fn timescale(info: &MkvInfo) -> u32 {
    let scale = info.timestamp_scale.max(1);
    u32::try_from(1_000_000_000 / scale).unwrap_or(1000).max(1)
}

fn source_track(
    info: &MkvInfo,
    t: &MkvTrack,
    s: &StreamReport,
    frames: Vec<MkvFrame>,
    out_id: u32,
) -> Result<SourceTrack, MediaError> {
    if frames.is_empty() {
        return Err(MediaError::Unsupported(format!(
            "Matroska track {} has no frames",
            t.number
        )));
    }
    let ts = timescale(info);
    let default_ticks = t
        .default_duration_ns
        .map(|ns| (ns as f64 * f64::from(ts) / 1e9).round().max(1.0) as i64);
    let mut pts: Vec<i64> = frames.iter().map(|f| f.pts).collect();
    let video = s.kind == StreamKind::Video;
    if !video {
        spread_laced(&mut pts, default_ticks);
    }
    // Frames are stored in decode order; sorted presentation times give the decode times.
    let mut sorted = pts.clone();
    sorted.sort_unstable();
    let delay = pts
        .iter()
        .zip(&sorted)
        .map(|(p, d)| d - p)
        .max()
        .unwrap_or(0)
        .max(0);
    let first = sorted[0];
    let n = frames.len();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let dts = sorted[i] - first;
        let duration = if i + 1 < n {
            sorted[i + 1] - sorted[i]
        } else {
            default_ticks.unwrap_or_else(|| {
                if n > 1 {
                    sorted[n - 1] - sorted[n - 2]
                } else {
                    1
                }
            })
        };
        samples.push(Sample {
            offset: frames[i].offset,
            size: frames[i].size,
            dts: dts as u64,
            duration: u32::try_from(duration.max(0)).unwrap_or(0),
            cts_offset: i32::try_from(pts[i] - sorted[i] + delay).unwrap_or(0),
            // Audio frames are all sync samples; video keyframes come from the block flags.
            sync: !video || frames[i].key,
        });
    }
    let (width, height) = (s.width.unwrap_or(0), s.height.unwrap_or(0));
    let pre_skip = t
        .codec_delay_ns
        .map(|ns| (ns as f64 * f64::from(ts) / 1e9).round() as u64)
        .filter(|&d| d > 0);
    let duration: u64 = samples.iter().map(|x| u64::from(x.duration)).sum();
    let sample_entry = entry(s, t)?;
    let edit_media_time = if video { None } else { pre_skip };
    Ok(SourceTrack {
        spec: TrackSpec {
            id: out_id,
            kind: if video {
                OutKind::Video
            } else {
                OutKind::Audio
            },
            timescale: ts,
            sample_entry,
            width,
            height,
            matrix: IDENTITY,
            language: language(t.language.as_deref()),
            edit_media_time,
            duration: (duration + first.max(0) as u64).saturating_sub(edit_media_time.unwrap_or(0)),
        },
        samples,
        cts_shift: delay,
        dts_delay: first.max(0) as u64,
        codec_string: s.codec_string.clone().unwrap_or_default(),
    })
}

/// Laced audio frames share their block's timestamp: spread them over the gap to the next
/// block (or the default duration), so every frame gets its own time.
fn spread_laced(pts: &mut [i64], default_ticks: Option<i64>) {
    let n = pts.len();
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && pts[j] == pts[i] {
            j += 1;
        }
        let count = (j - i) as i64;
        if count > 1 {
            let span = if j < n {
                pts[j] - pts[i]
            } else {
                default_ticks.unwrap_or(1) * count
            };
            for k in 0..count {
                pts[i + k as usize] = pts[i] + span * k / count;
            }
        }
        i = j;
    }
}

fn language(lang: Option<&str>) -> u16 {
    let code = lang.unwrap_or("und").as_bytes();
    let code = if code.len() == 3 && code.iter().all(u8::is_ascii_lowercase) {
        code
    } else {
        b"und"
    };
    code.iter()
        .fold(0u16, |v, &c| (v << 5) | u16::from(c - 0x60))
}

/// The ISO sample entry for a remux of this track, from its CodecPrivate.
fn entry(s: &StreamReport, t: &MkvTrack) -> Result<Vec<u8>, MediaError> {
    let private = t.codec_private.as_deref();
    let missing = |what: &str| {
        MediaError::Unsupported(format!(
            "Matroska track {} has no {what} in its CodecPrivate",
            t.number
        ))
    };
    let (w, h) = (s.width.unwrap_or(0), s.height.unwrap_or(0));
    Ok(match s.codec {
        Codec::H264 => avc1_entry(w, h, private.ok_or_else(|| missing("avcC"))?),
        Codec::Av1 => av01_entry(w, h, private.ok_or_else(|| missing("av1C"))?),
        Codec::Aac => mp4a_entry(
            s.channels.unwrap_or(2),
            s.sample_rate.unwrap_or(48_000),
            private.ok_or_else(|| missing("AudioSpecificConfig"))?,
        ),
        Codec::Opus => {
            let head = private.ok_or_else(|| missing("OpusHead"))?;
            if !head.starts_with(b"OpusHead") || head.len() < 19 {
                return Err(missing("valid OpusHead"));
            }
            let channels = head[9];
            let pre_skip = u16::from_le_bytes([head[10], head[11]]);
            let rate = u32::from_le_bytes([head[12], head[13], head[14], head[15]]);
            let gain = i16::from_le_bytes([head[16], head[17]]);
            if head[18] != 0 {
                return Err(MediaError::Unsupported(
                    "multichannel Opus (mapping family 1) cannot be remuxed".into(),
                ));
            }
            crate::media::audio::opus::opus_entry_with(channels, pre_skip, rate, gain)
        }
        // Other codecs are not remuxed; transcoding reads only the samples.
        _ => Vec::new(),
    })
}

/// `avc1` visual sample entry with the `avcC` record.
fn avc1_entry(width: u32, height: u32, avcc: &[u8]) -> Vec<u8> {
    let mut w = BoxWriter::new();
    w.begin(b"avc1");
    w.zeros(6);
    w.u16(1);
    w.zeros(16);
    w.u16(width.min(65535) as u16);
    w.u16(height.min(65535) as u16);
    w.u32(0x0048_0000);
    w.u32(0x0048_0000);
    w.u32(0);
    w.u16(1);
    w.zeros(32);
    w.u16(0x0018);
    w.u16(0xffff);
    w.begin(b"avcC");
    w.bytes(avcc);
    w.end();
    w.end();
    w.buf
}

/// A descriptor tag with its length in the 4-byte form every parser accepts.
fn descriptor(w: &mut BoxWriter, tag: u8, body: &[u8]) {
    w.u8(tag);
    let n = body.len() as u32;
    for shift in [21, 14, 7] {
        w.u8(0x80 | ((n >> shift) & 0x7f) as u8);
    }
    w.u8((n & 0x7f) as u8);
    w.bytes(body);
}

/// `mp4a` audio sample entry with an `esds` wrapping the AudioSpecificConfig.
pub fn mp4a_entry(channels: u16, rate: u32, asc: &[u8]) -> Vec<u8> {
    let mut dsi = BoxWriter::new();
    descriptor(&mut dsi, 5, asc);
    let mut dc = BoxWriter::new();
    dc.u8(0x40); // MPEG-4 audio
    dc.u8(0x15); // audio stream
    dc.zeros(3); // buffer size
    dc.u32(0); // max bitrate
    dc.u32(0); // average bitrate
    dc.bytes(&dsi.buf);
    let mut es = BoxWriter::new();
    es.u16(0); // ES id
    es.u8(0); // flags
    descriptor(&mut es, 4, &dc.buf);
    descriptor(&mut es, 6, &[2]); // SL config: predefined MP4
    let mut w = BoxWriter::new();
    w.begin(b"mp4a");
    w.zeros(6);
    w.u16(1);
    w.zeros(8);
    w.u16(channels.max(1));
    w.u16(16);
    w.u32(0);
    w.u32(if rate < 65536 { rate << 16 } else { 0 });
    w.begin_full(b"esds", 0, 0);
    descriptor(&mut w, 3, &es.buf);
    w.end();
    w.end();
    w.buf
}
