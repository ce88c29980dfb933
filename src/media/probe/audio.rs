//! Probing audio-only files (MP3, FLAC, WAV, Ogg) through symphonia's demuxers.

use std::fs::File;

use symphonia::core::codecs::{
    CODEC_TYPE_AAC, CODEC_TYPE_FLAC, CODEC_TYPE_MP3, CODEC_TYPE_OPUS, CODEC_TYPE_VORBIS,
};
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::report::{Container, ProbeReport, StreamKind, StreamReport};
use crate::contained::contained;
use crate::media::MediaError;
use crate::media::codec::support::assess;
use crate::media::codec::{Codec, CodecDetails};

pub fn probe(file: File, len: u64) -> Result<ProbeReport, MediaError> {
    // symphonia is a third-party parser fed untrusted bytes; a panic in it must still become an
    // error for the uploader.
    contained("the audio parser", || probe_inner(file, len)).unwrap_or_else(|| {
        Err(MediaError::malformed(
            "audio",
            "the audio parser rejected the file",
        ))
    })
}

fn probe_inner(file: File, len: u64) -> Result<ProbeReport, MediaError> {
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut probed = symphonia::default::get_probe()
        .format(
            &Hint::new(),
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| match e {
            symphonia::core::errors::Error::IoError(io) => MediaError::from(io),
            symphonia::core::errors::Error::Unsupported(_) => MediaError::UnknownFormat,
            other => MediaError::malformed("audio", other.to_string()),
        })?;
    // Pictures come with the container's tags (FLAC) or with tags in front of it (ID3).
    let mut cover_art = probed
        .metadata
        .get()
        .and_then(|m| m.current().map(|r| !r.visuals().is_empty()))
        .unwrap_or(false);
    let mut format = probed.format;
    cover_art |= format
        .metadata()
        .current()
        .is_some_and(|r| !r.visuals().is_empty());
    let mut streams = Vec::new();
    let mut container = None;
    let mut duration = None;
    for track in format.tracks() {
        let p = &track.codec_params;
        let (codec, c) = match p.codec {
            CODEC_TYPE_MP3 => (Codec::Mp3, Container::Mp3),
            CODEC_TYPE_FLAC => (Codec::Flac, Container::Flac),
            CODEC_TYPE_VORBIS => (Codec::Vorbis, Container::Ogg),
            CODEC_TYPE_OPUS => (Codec::Opus, Container::Ogg),
            CODEC_TYPE_AAC => (Codec::Aac, Container::Mp4),
            _ => (Codec::Pcm, Container::Wav),
        };
        container.get_or_insert(c);
        let tag = symphonia::default::get_codecs()
            .get_codec(p.codec)
            .map(|d| d.short_name.to_string())
            .unwrap_or_else(|| "unknown".into());
        let d = CodecDetails {
            sample_rate: p.sample_rate,
            channels: p.channels.map(|c| c.count() as u16),
            bit_depth: p.bits_per_sample.and_then(|b| u8::try_from(b).ok()),
            ..Default::default()
        };
        let mut s = StreamReport::new(
            streams.len(),
            u64::from(track.id),
            StreamKind::Audio,
            codec,
            tag,
            &d,
            assess(codec, &d),
        );
        if let (Some(frames), Some(rate)) = (p.n_frames, p.sample_rate)
            && rate > 0
        {
            let secs = frames as f64 / f64::from(rate);
            s.duration_seconds = Some(secs);
            duration = Some(duration.map_or(secs, |d: f64| d.max(secs)));
            if secs > 0.0 {
                s.bitrate = Some((len as f64 * 8.0 / secs) as u64);
            }
        }
        streams.push(s);
    }
    let container = container.ok_or(MediaError::NoStreams)?;
    Ok(ProbeReport {
        container,
        format_name: format!("{container:?}").to_lowercase(),
        size_bytes: len,
        duration_seconds: duration,
        bitrate: duration
            .filter(|&d| d > 0.0)
            .map(|d| (len as f64 * 8.0 / d) as u64),
        streams,
        remuxable: false,
        remux_blocker: Some("audio-only files are not remuxed".into()),
        cover_art,
    })
}
