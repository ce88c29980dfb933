//! The transcode input: an MP4/MOV or Matroska/WebM with H.264 or AV1 video and optionally an
//! audio track, both decoded (the audio is re-encoded to Opus once for every rendition); and the
//! audio track of an audio-only MP4/M4A or Matroska/WebM.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::media::audio::opus::EncodedAudio;
use crate::media::bmff::movie::parse_moov;
use crate::media::bmff::read_top_level;
use crate::media::codec::Codec;
use crate::media::codec::aac::parse_esds;
use crate::media::probe::{ProbeLimits, ProbeReport, StreamKind, probe_with};
use crate::media::remux::source::{SourceTrack, source_track};
use crate::media::{MediaError, probe};

pub struct Input {
    pub file: File,
    pub report: ProbeReport,
    pub video: SourceTrack,
    /// H.264 or AV1.
    pub video_codec: Codec,
    /// The decoder configuration: `avcC` for H.264, `av1C` for AV1 (may be empty for AV1).
    pub video_config: Vec<u8>,
    pub rotation: u32,
    pub audio: Option<SourceTrack>,
    /// The audio track's codec and configuration (AudioSpecificConfig for AAC).
    pub audio_codec: Option<AudioCodec>,
}

#[derive(Debug, Clone)]
pub struct AudioCodec {
    pub codec: Codec,
    pub config: Option<Vec<u8>>,
    pub sample_rate: u32,
    pub channels: u16,
    /// Where the edit list ends the audio (seconds), cutting the encoder's end padding.
    pub end_seconds: Option<f64>,
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
    if !matches!(vi.codec, Codec::H264 | Codec::Av1) {
        return Err(MediaError::Unsupported(format!(
            "this build decodes H.264 and AV1 video only ({:?} is not decoded)",
            vi.codec
        )));
    }
    let audio_index = report
        .streams
        .iter()
        .find(|s| s.kind == StreamKind::Audio)
        .map(|s| s.index);
    if let Some(i) = audio_index {
        let a = &report.streams[i];
        if !a.decodable {
            return Err(MediaError::Unsupported(
                a.unsupported_reason
                    .clone()
                    .unwrap_or_else(|| format!("{:?} audio cannot be decoded", a.codec)),
            ));
        }
    }
    let (mut file, len) = probe::open(path)?;
    if matches!(
        report.container,
        crate::media::Container::Matroska | crate::media::Container::Webm
    ) {
        return open_matroska(file, len, &report, vi.codec, vi.rotation);
    }
    let top = read_top_level(&mut file, len)?;
    let movie = parse_moov(&top.moov)?;
    let vt = movie.tracks.get(vi.index).ok_or(MediaError::NoStreams)?;
    let video_config = match (&vt.entry.config, vi.codec) {
        (Some((k, body)), Codec::H264) if k.as_slice() == b"avcC" => body.clone(),
        (Some((k, body)), Codec::Av1) if k.as_slice() == b"av1C" => body.clone(),
        // `av1C` is mandatory in MP4, but the sequence header also opens every keyframe.
        (_, Codec::Av1) => Vec::new(),
        _ => return Err(MediaError::malformed("MP4", "H.264 track without 'avcC'")),
    };
    let video = source_track(vt, movie.timescale, len, 1, String::new())?;
    let (audio, audio_codec) = match audio_index {
        Some(i) => {
            let t = movie.tracks.get(i).ok_or(MediaError::NoStreams)?;
            let s = &report.streams[i];
            let config = match &t.entry.config {
                Some((k, body)) if k.as_slice() == b"esds" => {
                    parse_esds(body).and_then(|e| e.decoder_specific.map(<[u8]>::to_vec))
                }
                _ => None,
            };
            // The presentation span the edit list gives (delay plus the first real edit).
            let end_seconds = (movie.timescale > 0)
                .then(|| {
                    let mut total = 0u64;
                    for e in &t.edits {
                        total = total.saturating_add(e.duration);
                        if e.media_time >= 0 {
                            return Some(total as f64 / f64::from(movie.timescale));
                        }
                    }
                    None
                })
                .flatten()
                .filter(|&d| d > 0.0);
            let codec = AudioCodec {
                codec: s.codec,
                config,
                sample_rate: s.sample_rate.unwrap_or(0),
                channels: s.channels.unwrap_or(2),
                end_seconds,
            };
            let track = source_track(
                t,
                movie.timescale,
                len,
                2,
                s.codec_string.clone().unwrap_or_default(),
            )?;
            (Some(track), Some(codec))
        }
        None => (None, None),
    };
    Ok(Input {
        file,
        rotation: vi.rotation,
        report: report.clone(),
        video,
        video_codec: vi.codec,
        video_config,
        audio,
        audio_codec,
    })
}

fn open_matroska(
    mut file: File,
    len: u64,
    report: &ProbeReport,
    codec: Codec,
    rotation: u32,
) -> Result<Input, MediaError> {
    let mkv = crate::media::remux::mkv_source::open(&mut file, len, report)?;
    let (video, vt) = mkv.video.ok_or(MediaError::NoStreams)?;
    let video_config = match (vt.codec_private.clone(), codec) {
        (Some(p), _) => p,
        // V_AV1's CodecPrivate is optional: the sequence header opens every keyframe.
        (None, Codec::Av1) => Vec::new(),
        (None, _) => {
            return Err(MediaError::malformed(
                "Matroska",
                "H.264 track without CodecPrivate",
            ));
        }
    };
    let (audio, audio_codec) = match mkv.audio {
        Some((track, t)) => {
            let s = report
                .streams
                .iter()
                .find(|s| s.kind == StreamKind::Audio)
                .ok_or(MediaError::NoStreams)?;
            let codec = AudioCodec {
                codec: s.codec,
                config: matroska_audio_config(s.codec, t.codec_private.as_deref())?,
                sample_rate: s.sample_rate.unwrap_or(0),
                channels: s.channels.unwrap_or(2),
                end_seconds: None,
            };
            (Some(track), Some(codec))
        }
        None => (None, None),
    };
    Ok(Input {
        file,
        report: report.clone(),
        video,
        video_codec: codec,
        video_config,
        rotation,
        audio,
        audio_codec,
    })
}

/// The decoder configuration symphonia expects from a Matroska CodecPrivate: FLAC's STREAMINFO
/// without the `fLaC` marker and block header, Vorbis's identification and setup headers
/// without the Xiph lacing (and the comment header), others as stored.
fn matroska_audio_config(
    codec: Codec,
    private: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, MediaError> {
    let Some(p) = private else { return Ok(None) };
    let bad = |what: &str| MediaError::malformed("Matroska", format!("bad {what} CodecPrivate"));
    Ok(Some(match codec {
        Codec::Flac => p
            .strip_prefix(b"fLaC")
            .and_then(|b| b.get(4..38))
            .ok_or_else(|| bad("FLAC"))?
            .to_vec(),
        Codec::Vorbis => {
            // Xiph lacing: count-1, then the first two sizes as runs of 255s.
            let mut i = 1;
            let mut sizes = [0usize; 2];
            if p.first() != Some(&2) {
                return Err(bad("Vorbis"));
            }
            for s in &mut sizes {
                loop {
                    let b = *p.get(i).ok_or_else(|| bad("Vorbis"))?;
                    i += 1;
                    *s += usize::from(b);
                    if b != 255 {
                        break;
                    }
                }
            }
            let ident = p.get(i..i + sizes[0]).ok_or_else(|| bad("Vorbis"))?;
            let setup = p
                .get(i + sizes[0] + sizes[1]..)
                .ok_or_else(|| bad("Vorbis"))?;
            [ident, setup].concat()
        }
        _ => p.to_vec(),
    }))
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

/// Decodes the input's audio and encodes it to Opus, on the presentation timeline of the video
/// (edit list applied: priming trimmed, a delayed start padded).
pub fn encode_audio(
    input: &mut Input,
    control: &crate::media::Control,
) -> Result<Option<EncodedAudio>, MediaError> {
    let (Some(track), Some(codec)) = (&input.audio, &input.audio_codec) else {
        return Ok(None);
    };
    encode_track(&mut input.file, track, codec, control).map(Some)
}

/// Encodes the audio track of an audio-only file (MP4/M4A or Matroska/WebM) to Opus.
pub fn encode_audio_only(
    path: &Path,
    limits: &ProbeLimits,
    control: &crate::media::Control,
) -> Result<EncodedAudio, MediaError> {
    let report = probe_with(path, limits)?;
    let s = report
        .streams
        .iter()
        .find(|s| s.kind == StreamKind::Audio)
        .ok_or(MediaError::NoStreams)?;
    let (mut file, len) = probe::open(path)?;
    let (track, config) = if matches!(
        report.container,
        crate::media::Container::Matroska | crate::media::Container::Webm
    ) {
        let mkv = crate::media::remux::mkv_source::open(&mut file, len, &report)?;
        let (track, t) = mkv.audio.ok_or(MediaError::NoStreams)?;
        let config = matroska_audio_config(s.codec, t.codec_private.as_deref())?;
        (track, config)
    } else {
        let top = read_top_level(&mut file, len)?;
        let movie = parse_moov(&top.moov)?;
        let t = movie.tracks.get(s.index).ok_or(MediaError::NoStreams)?;
        let config = match &t.entry.config {
            Some((k, body)) if k.as_slice() == b"esds" => {
                parse_esds(body).and_then(|e| e.decoder_specific.map(<[u8]>::to_vec))
            }
            _ => None,
        };
        (
            source_track(t, movie.timescale, len, 2, String::new())?,
            config,
        )
    };
    let codec = AudioCodec {
        codec: s.codec,
        config,
        sample_rate: s.sample_rate.unwrap_or(0),
        channels: s.channels.unwrap_or(2),
        end_seconds: None,
    };
    encode_track(&mut file, &track, &codec, control)
}

/// Decodes `track` sample by sample from `file` and encodes it to Opus, its first sample placed
/// where the track's timing (decode delay, edit list) puts it.
fn encode_track(
    file: &mut File,
    track: &SourceTrack,
    codec: &AudioCodec,
    control: &crate::media::Control,
) -> Result<EncodedAudio, MediaError> {
    use crate::media::audio::{Timing, decode::AudioDecoder, encode_all};
    let decoder = AudioDecoder::for_codec(
        codec.codec,
        codec.config.as_deref(),
        codec.sample_rate,
        codec.channels,
    )?;
    let first = track.samples.first().map(|s| s.dts).unwrap_or(0) as i64 + track.dts_delay as i64
        - track.spec.edit_media_time.unwrap_or(0) as i64;
    let timing = Timing {
        first_sample_seconds: first as f64 / f64::from(track.spec.timescale.max(1)),
        end_seconds: codec.end_seconds,
    };
    let mut i = 0;
    encode_all(
        decoder,
        timing,
        |buf| {
            if i >= track.samples.len() {
                return Ok(false);
            }
            read_samples(file, track, i..i + 1, buf)?;
            i += 1;
            Ok(true)
        },
        control,
    )
}
