//! Probing Matroska and WebM files from their `Info` and `Tracks` headers.

use std::fs::File;

use super::bmff::round3;
use super::report::{Container, ProbeReport, StreamKind, StreamReport, remux_blocker};
use crate::media::MediaError;
use crate::media::codec::support::assess;
use crate::media::codec::{codec_from_matroska, details};
use crate::media::matroska::read_info;

pub fn probe(file: &mut File, len: u64) -> Result<ProbeReport, MediaError> {
    let info = read_info(file, len)?;
    let mut streams = Vec::new();
    for t in &info.tracks {
        let kind = match t.track_type {
            1 => StreamKind::Video,
            2 => StreamKind::Audio,
            17 => StreamKind::Subtitle,
            _ => StreamKind::Data,
        };
        let codec = codec_from_matroska(&t.codec_id);
        let mut d = details(codec, t.codec_private.as_deref());
        if t.interlaced == Some(1) {
            d.interlaced = Some(true);
        }
        let support = assess(codec, &d);
        let mut s = StreamReport::new(
            streams.len(),
            t.number,
            kind,
            codec,
            t.codec_id.clone(),
            &d,
            support,
        );
        s.language = t.language.clone();
        s.duration_seconds = info.duration_seconds;
        match kind {
            StreamKind::Video => {
                s.width = t.width.and_then(|w| u32::try_from(w).ok()).or(s.width);
                s.height = t.height.and_then(|h| u32::try_from(h).ok()).or(s.height);
                s.set_display();
                s.frame_rate = t.default_duration_ns.map(|ns| round3(1e9 / ns as f64));
            }
            StreamKind::Audio => {
                if s.sample_rate.is_none() {
                    s.sample_rate = t
                        .sample_rate
                        .filter(|r| *r > 0.0 && *r < 1e7)
                        .map(|r| r as u32);
                }
                if s.channels.is_none() {
                    s.channels = t.channels.and_then(|c| u16::try_from(c).ok());
                }
                s.bit_depth = t
                    .bit_depth
                    .and_then(|b| u8::try_from(b).ok())
                    .or(s.bit_depth);
            }
            _ => {}
        }
        streams.push(s);
    }
    let container = if info.doc_type == "webm" {
        Container::Webm
    } else {
        Container::Matroska
    };
    let blocker = remux_blocker(&streams);
    Ok(ProbeReport {
        container,
        format_name: info.doc_type.clone(),
        size_bytes: len,
        duration_seconds: info.duration_seconds,
        bitrate: info
            .duration_seconds
            .filter(|&d| d > 0.0)
            .map(|d| (len as f64 * 8.0 / d) as u64),
        streams,
        remuxable: blocker.is_none(),
        remux_blocker: blocker,
        cover_art: crate::media::matroska_cover::locate(file, &info, len).is_some(),
    })
}
