//! Probing ISO BMFF files (MP4, MOV, M4A, 3GP) from the `moov` index.

use std::fs::File;

use super::report::{Container, ProbeReport, StreamKind, StreamReport, remux_blocker};
use crate::media::MediaError;
use crate::media::bmff::boxes::fourcc_str;
use crate::media::bmff::movie::parse_moov;
use crate::media::bmff::{Track, TrackKind, expand_samples, read_top_level};
use crate::media::codec::aac::parse_esds;
use crate::media::codec::support::assess;
use crate::media::codec::{Codec, codec_from_fourcc, details};

pub fn probe(file: &mut File, len: u64) -> Result<ProbeReport, MediaError> {
    let top = read_top_level(file, len)?;
    if top.fragmented {
        return Err(MediaError::Unsupported(
            "fragmented MP4 input is not supported yet (upload the original recording)".into(),
        ));
    }
    let movie = parse_moov(&top.moov)?;
    let container = match top.major_brand.as_ref() {
        Some(b"qt  ") | None => Container::Mov,
        Some(b"M4A ") | Some(b"M4B ") => Container::M4a,
        Some(b) if b.starts_with(b"3g") => Container::ThreeGp,
        Some(_) => Container::Mp4,
    };
    let mut streams = Vec::new();
    for track in &movie.tracks {
        streams.push(stream_report(streams.len(), track, movie.timescale, len)?);
    }
    let duration = movie.duration_seconds().or_else(|| {
        streams
            .iter()
            .filter_map(|s: &StreamReport| s.duration_seconds)
            .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))))
    });
    let blocker = remux_blocker(&streams);
    Ok(ProbeReport {
        container,
        format_name: top
            .major_brand
            .map(|b| fourcc_str(&b).trim().to_string())
            .unwrap_or_else(|| "qt".into()),
        size_bytes: len,
        duration_seconds: duration,
        bitrate: duration
            .filter(|&d| d > 0.0)
            .map(|d| (len as f64 * 8.0 / d) as u64),
        streams,
        remuxable: blocker.is_none(),
        remux_blocker: blocker,
        cover_art: crate::media::bmff::cover::find_cover(&top.moov).is_some(),
    })
}

fn stream_report(
    index: usize,
    track: &Track,
    movie_timescale: u32,
    file_len: u64,
) -> Result<StreamReport, MediaError> {
    let entry = &track.entry;
    let config = entry.config.as_ref().map(|(_, b)| b.as_slice());
    let esds = match &entry.config {
        Some((kind, body)) if kind.as_slice() == b"esds" => parse_esds(body),
        _ => None,
    };
    let kind = match track.kind {
        TrackKind::Video => StreamKind::Video,
        TrackKind::Audio => StreamKind::Audio,
        TrackKind::Other
            if &track.handler == b"sbtl"
                || &track.handler == b"text"
                || &track.handler == b"subt" =>
        {
            StreamKind::Subtitle
        }
        TrackKind::Other => StreamKind::Data,
    };
    let codec = match track.kind {
        TrackKind::Other => Codec::Other,
        _ => codec_from_fourcc(&entry.fourcc, esds.as_ref().map(|e| e.object_type)),
    };
    // For AAC the configuration is the AudioSpecificConfig inside esds, not esds itself.
    let codec_config = match codec {
        Codec::Aac | Codec::Mp3 => esds.as_ref().and_then(|e| e.decoder_specific),
        _ => config,
    };
    let d = details(codec, codec_config);
    let support = assess(codec, &d);
    let mut s = StreamReport::new(
        index,
        u64::from(track.id),
        kind,
        codec,
        fourcc_str(&entry.fourcc),
        &d,
        support,
    );
    s.language = track.language.clone();
    if track.entry.entry_count > 1 {
        s.unsupported_reason
            .get_or_insert_with(|| "several sample descriptions in one track".into());
        s.browser_playable = false;
    }

    let samples = expand_samples(track, file_len)?;
    let media_seconds = samples.iter().map(|x| u64::from(x.duration)).sum::<u64>() as f64
        / f64::from(track.timescale);
    let edited_seconds = (!track.edits.is_empty() && movie_timescale > 0)
        .then(|| {
            track.edits.iter().map(|e| e.duration).sum::<u64>() as f64 / f64::from(movie_timescale)
        })
        .filter(|&d| d > 0.0);
    let seconds = edited_seconds.unwrap_or(media_seconds);
    s.duration_seconds = (seconds > 0.0).then_some(seconds);
    let bytes: u64 = samples.iter().map(|x| u64::from(x.size)).sum();
    if media_seconds > 0.0 {
        s.bitrate = Some((bytes as f64 * 8.0 / media_seconds) as u64);
    }
    s.frame_count = Some(samples.len() as u64);
    match track.kind {
        TrackKind::Video => {
            if entry.width > 0 && entry.height > 0 {
                s.width = Some(u32::from(entry.width));
                s.height = Some(u32::from(entry.height));
            }
            s.rotation = track.rotation();
            s.set_display();
            if media_seconds > 0.0 && !samples.is_empty() {
                s.frame_rate = Some(round3(samples.len() as f64 / media_seconds));
            }
            // The last stts delta is often odd (muxers guess it); judge the rest.
            let n = track.tables.stts.len();
            let deltas: Vec<u32> = track
                .tables
                .stts
                .iter()
                .take(n.saturating_sub(1).max(1))
                .map(|e| e.1)
                .collect();
            s.variable_frame_rate = Some(deltas.windows(2).any(|w| w[0] != w[1]));
        }
        TrackKind::Audio => {
            if s.sample_rate.is_none() && entry.sample_rate > 0 {
                s.sample_rate = Some(entry.sample_rate);
            }
            if s.channels.is_none() && entry.channels > 0 {
                s.channels = Some(entry.channels);
            }
            if s.bitrate.is_none() {
                s.bitrate = esds
                    .as_ref()
                    .map(|e| u64::from(e.avg_bitrate))
                    .filter(|&b| b > 0);
            }
        }
        TrackKind::Other => {}
    }
    Ok(s)
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
