//! The remux input: an MP4/MOV opened for streaming, with its video and audio tracks' samples,
//! output sample entries and the timeline corrections its edit lists ask for.

use std::fs::File;
use std::path::Path;

use crate::media::bmff::movie::parse_moov;
use crate::media::bmff::{Sample, Track, TrackKind, expand_samples, read_top_level};
use crate::media::codec::aac::parse_esds;
use crate::media::mux::boxwriter::BoxWriter;
use crate::media::mux::fmp4::{OutKind, TrackSpec};
use crate::media::probe::{ProbeLimits, ProbeReport, StreamKind, probe_with};
use crate::media::{MediaError, probe};

/// One input track ready to be copied into fragments.
pub struct SourceTrack {
    pub spec: TrackSpec,
    pub samples: Vec<Sample>,
    /// Subtracted from every composition offset: the edit list's start, so that presentation
    /// begins at zero without an edit list in the output (CMAF's negative composition offsets).
    pub cts_shift: i64,
    /// Added to every decode time: an initial empty edit (a delayed start), media timescale.
    pub dts_delay: u64,
    pub codec_string: String,
}

impl SourceTrack {
    /// Presentation time in seconds of sample `i`, after edit corrections.
    pub fn pts(&self, i: usize) -> f64 {
        let s = &self.samples[i];
        let t = s.dts as i64 + self.dts_delay as i64 + i64::from(s.cts_offset)
            - self.cts_shift
            - self.spec.edit_media_time.unwrap_or(0) as i64;
        t as f64 / f64::from(self.spec.timescale)
    }

    pub fn seconds(&self, ticks: u64) -> f64 {
        ticks as f64 / f64::from(self.spec.timescale)
    }
}

pub struct Source {
    pub file: File,
    pub report: ProbeReport,
    pub video: SourceTrack,
    pub audio: Option<SourceTrack>,
}

/// Probes and opens `path` for remuxing; refuses inputs a browser could not play as they are.
pub fn open(path: &Path, limits: &ProbeLimits) -> Result<Source, MediaError> {
    let report = probe_with(path, limits)?;
    if let Some(why) = &report.remux_blocker {
        return Err(MediaError::Unsupported(format!("cannot remux: {why}")));
    }
    let (mut file, len) = probe::open(path)?;
    if matches!(
        report.container,
        crate::media::Container::Matroska | crate::media::Container::Webm
    ) {
        let mkv = super::mkv_source::open(&mut file, len, &report)?;
        let video = mkv.video.map(|v| v.0).ok_or(MediaError::NoStreams)?;
        if !video.samples.first().is_some_and(|s| s.sync) {
            return Err(MediaError::Unsupported(
                "the video does not start with a keyframe".into(),
            ));
        }
        return Ok(Source {
            file,
            report,
            video,
            audio: mkv.audio.map(|a| a.0),
        });
    }
    let top = read_top_level(&mut file, len)?;
    let movie = parse_moov(&top.moov)?;
    // Stream indices in the report follow the track order of the moov.
    let pick = |kind: StreamKind| {
        report
            .streams
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.index)
    };
    let video_index = pick(StreamKind::Video).ok_or(MediaError::NoStreams)?;
    let video_track = movie.tracks.get(video_index).ok_or(MediaError::NoStreams)?;
    let video_stream = &report.streams[video_index];
    let video = source_track(
        video_track,
        movie.timescale,
        len,
        1,
        video_stream.codec_string.clone().unwrap_or_default(),
    )?;
    if !video.samples.first().is_some_and(|s| s.sync) {
        return Err(MediaError::Unsupported(
            "the video does not start with a keyframe".into(),
        ));
    }
    let audio = match pick(StreamKind::Audio) {
        Some(i) => {
            let t = movie.tracks.get(i).ok_or(MediaError::NoStreams)?;
            let cs = report.streams[i].codec_string.clone().unwrap_or_default();
            Some(source_track(t, movie.timescale, len, 2, cs)?)
        }
        None => None,
    };
    Ok(Source {
        file,
        report,
        video,
        audio,
    })
}

pub(crate) fn source_track(
    t: &Track,
    movie_timescale: u32,
    len: u64,
    out_id: u32,
    codec_string: String,
) -> Result<SourceTrack, MediaError> {
    let samples = expand_samples(t, len)?;
    if samples.is_empty() {
        return Err(MediaError::Unsupported(format!(
            "track {} has no samples",
            t.id
        )));
    }
    let (media_time, delay_movie) = t.edit_start();
    let dts_delay = if movie_timescale > 0 {
        (u128::from(delay_movie) * u128::from(t.timescale) / u128::from(movie_timescale)) as u64
    } else {
        0
    };
    let duration: u64 = samples.iter().map(|s| u64::from(s.duration)).sum();
    let (kind, sample_entry, cts_shift, edit_media_time) = match t.kind {
        TrackKind::Video => (OutKind::Video, t.entry.raw.clone(), media_time, None),
        // Audio keeps its priming as an edit list: players trim it, and rewriting timestamps
        // cannot express "decode this frame but do not play it".
        _ => (
            OutKind::Audio,
            audio_entry(t)?,
            0,
            (media_time > 0).then_some(media_time as u64),
        ),
    };
    let (width, height) = match kind {
        OutKind::Video => (t.tkhd_width >> 16, t.tkhd_height >> 16),
        OutKind::Audio => (0, 0),
    };
    let (width, height) = if width == 0 || height == 0 {
        (u32::from(t.entry.width), u32::from(t.entry.height))
    } else {
        (width, height)
    };
    Ok(SourceTrack {
        spec: TrackSpec {
            id: out_id,
            kind,
            timescale: t.timescale,
            sample_entry,
            width,
            height,
            matrix: t.matrix,
            language: pack_language(t.language.as_deref()),
            edit_media_time,
            duration: (duration + dts_delay).saturating_sub(edit_media_time.unwrap_or(0)),
        },
        samples,
        cts_shift,
        dts_delay,
        codec_string,
    })
}

fn pack_language(lang: Option<&str>) -> u16 {
    let code = lang.unwrap_or("und").as_bytes();
    if code.len() != 3 || !code.iter().all(u8::is_ascii_lowercase) {
        return pack_language(Some("und"));
    }
    code.iter()
        .fold(0u16, |v, &c| (v << 5) | u16::from(c - 0x60))
}

/// The audio sample entry for the output. `mp4a` is rebuilt as a plain ISO entry because
/// QuickTime files (phones) store version 1/2 sound descriptions and nest `esds` in `wave`,
/// which MSE parsers reject; other entries (Opus) are copied.
fn audio_entry(t: &Track) -> Result<Vec<u8>, MediaError> {
    if &t.entry.fourcc != b"mp4a" {
        return Ok(t.entry.raw.clone());
    }
    let Some((_, esds)) = t.entry.config.as_ref().filter(|(k, _)| k == b"esds") else {
        return Err(MediaError::Unsupported(
            "AAC track without an 'esds' configuration".into(),
        ));
    };
    let asc = parse_esds(esds).and_then(|e| e.decoder_specific);
    let d = asc
        .map(crate::media::codec::aac::details_from_asc)
        .unwrap_or_default();
    let channels = d.channels.unwrap_or(t.entry.channels).max(1);
    let rate = d.sample_rate.unwrap_or(t.entry.sample_rate);
    let mut w = BoxWriter::new();
    w.begin(b"mp4a");
    w.zeros(6);
    w.u16(1); // data reference index
    w.zeros(8);
    w.u16(channels);
    w.u16(16);
    w.u32(0);
    // The 16.16 rate field cannot hold 96 kHz and up; the AudioSpecificConfig is authoritative.
    w.u32(if rate < 65536 { rate << 16 } else { 0 });
    w.u32((esds.len() + 8) as u32);
    w.bytes(b"esds");
    w.bytes(esds);
    w.end();
    Ok(w.buf)
}
