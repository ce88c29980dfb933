//! The transcode input: an MP4/MOV with H.264 video (decoded) and optionally AAC or Opus audio
//! (copied into every rendition, with its priming edit).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::media::bmff::movie::parse_moov;
use crate::media::bmff::read_top_level;
use crate::media::codec::Codec;
use crate::media::probe::{ProbeLimits, ProbeReport, StreamKind, probe_with};
use crate::media::remux::source::{SourceTrack, source_track};
use crate::media::{MediaError, probe};

pub struct Input {
    pub file: File,
    pub report: ProbeReport,
    pub video: SourceTrack,
    pub avcc: Vec<u8>,
    pub rotation: u32,
    pub audio: Option<SourceTrack>,
}

pub fn open(path: &Path, limits: &ProbeLimits) -> Result<Input, MediaError> {
    let report = probe_with(path, limits)?;
    let vi = report
        .streams
        .iter()
        .find(|s| s.kind == StreamKind::Video)
        .ok_or_else(|| {
            MediaError::Unsupported("audio-only uploads are not transcoded yet".into())
        })?;
    if !vi.decodable {
        return Err(MediaError::Unsupported(
            vi.unsupported_reason
                .clone()
                .unwrap_or_else(|| "the video cannot be decoded".into()),
        ));
    }
    if vi.codec != Codec::H264
        || !matches!(
            report.container,
            crate::media::Container::Mp4
                | crate::media::Container::Mov
                | crate::media::Container::ThreeGp
        )
    {
        return Err(MediaError::Unsupported(
            "this build transcodes H.264 in MP4/MOV only (AV1 and Matroska inputs are not decoded yet)".into(),
        ));
    }
    let audio_index = report
        .streams
        .iter()
        .find(|s| s.kind == StreamKind::Audio)
        .map(|s| s.index);
    if let Some(i) = audio_index {
        let a = &report.streams[i];
        if !(matches!(a.codec, Codec::Aac | Codec::Opus) && a.browser_playable) {
            return Err(MediaError::Unsupported(format!(
                "{:?} audio would need re-encoding, which is not implemented yet",
                a.codec
            )));
        }
    }
    let (mut file, len) = probe::open(path)?;
    let top = read_top_level(&mut file, len)?;
    let movie = parse_moov(&top.moov)?;
    let vt = movie.tracks.get(vi.index).ok_or(MediaError::NoStreams)?;
    let avcc = match &vt.entry.config {
        Some((k, body)) if k.as_slice() == b"avcC" => body.clone(),
        _ => return Err(MediaError::malformed("MP4", "H.264 track without 'avcC'")),
    };
    let video = source_track(vt, movie.timescale, len, 1, String::new())?;
    let audio = match audio_index {
        Some(i) => {
            let t = movie.tracks.get(i).ok_or(MediaError::NoStreams)?;
            Some(source_track(
                t,
                movie.timescale,
                len,
                2,
                report.streams[i].codec_string.clone().unwrap_or_default(),
            )?)
        }
        None => None,
    };
    Ok(Input {
        file,
        rotation: vi.rotation,
        report: report.clone(),
        video,
        avcc,
        audio,
    })
}

/// Reads the bytes of samples `range` of `track` back to back.
pub fn read_samples(
    file: &mut File,
    track: &SourceTrack,
    range: std::ops::Range<usize>,
    out: &mut Vec<u8>,
) -> Result<(), MediaError> {
    out.clear();
    for s in &track.samples[range] {
        let at = out.len();
        out.resize(at + s.size as usize, 0);
        file.seek(SeekFrom::Start(s.offset))?;
        file.read_exact(&mut out[at..])?;
    }
    Ok(())
}
