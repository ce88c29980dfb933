//! Matroska/WebM headers: the EBML header, segment `Info` and `Tracks`, read by seeking over the
//! top-level elements so clusters (the media data) are never loaded.
//!
//! Hand-written rather than matroska-demuxer: probing needs only these two elements, must stop at
//! the first cluster, and must bound every size it trusts; that is a hundred lines of EBML.

use std::io::{Read, Seek, SeekFrom};

use super::MediaError;

const C: &str = "Matroska";
const MAX_HEADER_ELEMENT: u64 = 16 * 1024 * 1024;

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TRACKS: u32 = 0x1654_AE6B;
const CLUSTER: u32 = 0x1F43_B675;
const SEEK_HEAD: u32 = 0x114D_9B74;
const SEEK: u32 = 0x4DBB;
const SEEK_ID: u32 = 0x53AB;
const SEEK_POSITION: u32 = 0x53AC;
pub(crate) const ATTACHMENTS: u32 = 0x1941_A469;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const DEFAULT_DURATION: u32 = 0x23_E383;
const LANGUAGE: u32 = 0x22_B59C;
const VIDEO: u32 = 0xE0;
const AUDIO: u32 = 0xE1;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const FLAG_INTERLACED: u32 = 0x9A;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const CHANNELS: u32 = 0x9F;
const BIT_DEPTH: u32 = 0x6264;
const CODEC_DELAY: u32 = 0x56AA;

#[derive(Debug, Clone, Default)]
pub struct MkvTrack {
    pub number: u64,
    /// 1 video, 2 audio, 17 subtitle.
    pub track_type: u64,
    pub codec_id: String,
    pub codec_private: Option<Vec<u8>>,
    pub default_duration_ns: Option<u64>,
    pub language: Option<String>,
    pub width: Option<u64>,
    pub height: Option<u64>,
    /// 1 interlaced, 2 progressive, 0 unknown.
    pub interlaced: Option<u64>,
    pub sample_rate: Option<f64>,
    pub channels: Option<u64>,
    pub bit_depth: Option<u64>,
    /// Samples the decoder must drop at the start (Opus pre-skip), nanoseconds.
    pub codec_delay_ns: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct MkvInfo {
    pub doc_type: String,
    pub duration_seconds: Option<f64>,
    pub tracks: Vec<MkvTrack>,
    /// Nanoseconds per block timestamp unit (1,000,000 unless the muxer chose otherwise).
    pub timestamp_scale: u64,
    /// Where the first cluster starts, and where the segment ends.
    pub first_cluster: Option<u64>,
    pub segment_end: u64,
    /// Where the `Attachments` element starts (its header), when the file has one: seen before
    /// the first cluster or listed in the SeekHead (muxers may write it after the clusters).
    pub attachments_at: Option<u64>,
}

/// An element header: ID (with its marker bits, as the spec writes IDs), body size, header length.
pub(crate) struct Header {
    pub id: u32,
    pub size: Option<u64>,
    pub len: usize,
}

pub(crate) fn vint(buf: &[u8], keep_marker: bool) -> Option<(u64, usize, bool)> {
    let first = *buf.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || buf.len() < len {
        return None;
    }
    let mut v = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & ((1u64 << (8 - len)) - 1)
    };
    for &b in &buf[1..len] {
        v = (v << 8) | u64::from(b);
    }
    let all_ones = !keep_marker && v == (1u64 << (7 * len)) - 1;
    Some((v, len, all_ones))
}

pub(crate) fn header(buf: &[u8]) -> Option<Header> {
    let (id, id_len, _) = vint(buf, true)?;
    if id_len > 4 {
        return None;
    }
    let (size, size_len, unknown) = vint(&buf[id_len..], false)?;
    Some(Header {
        id: id as u32,
        size: (!unknown).then_some(size),
        len: id_len + size_len,
    })
}

/// Children of an in-memory element body; an unknown or oversized child size ends the walk.
pub(crate) fn children(mut data: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    std::iter::from_fn(move || {
        let h = header(data)?;
        let rest = &data[h.len..];
        let size = h
            .size
            .map_or(rest.len(), |s| s.min(rest.len() as u64) as usize);
        let body = &rest[..size];
        data = &rest[size..];
        Some((h.id, body))
    })
}

pub(crate) fn uint(b: &[u8]) -> u64 {
    b.iter().take(8).fold(0, |v, &x| (v << 8) | u64::from(x))
}

fn float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => Some(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
        8 => Some(f64::from_be_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        _ => None,
    }
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches('\0')
        .to_string()
}

pub(crate) fn read_header_at<R: Read + Seek>(
    r: &mut R,
    pos: u64,
    file_len: u64,
) -> Result<Header, MediaError> {
    let mut buf = [0u8; 12];
    let n = (file_len - pos).min(12) as usize;
    r.seek(SeekFrom::Start(pos))?;
    r.read_exact(&mut buf[..n])?;
    header(&buf[..n])
        .ok_or_else(|| MediaError::malformed(C, format!("bad element header at byte {pos}")))
}

fn read_body<R: Read + Seek>(
    r: &mut R,
    pos: u64,
    size: u64,
    file_len: u64,
) -> Result<Vec<u8>, MediaError> {
    if size > MAX_HEADER_ELEMENT {
        return Err(MediaError::malformed(
            C,
            format!("header element of {size} bytes"),
        ));
    }
    if pos + size > file_len {
        return Err(MediaError::Truncated(
            "the file ends inside the Matroska headers".into(),
        ));
    }
    let mut body = vec![0u8; size as usize];
    r.seek(SeekFrom::Start(pos))?;
    r.read_exact(&mut body)?;
    Ok(body)
}

/// Reads the EBML header, then `Info` and `Tracks` from the first segment.
pub fn read_info<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<MkvInfo, MediaError> {
    let h = read_header_at(r, 0, file_len)?;
    let size = h
        .size
        .ok_or_else(|| MediaError::malformed(C, "EBML header of unknown size"))?;
    if h.id != EBML || size > 4096 {
        return Err(MediaError::malformed(C, "bad EBML header"));
    }
    let body = read_body(r, h.len as u64, size, file_len)?;
    let mut info = MkvInfo {
        doc_type: children(&body)
            .find(|(id, _)| *id == DOC_TYPE)
            .map(|(_, b)| text(b))
            .unwrap_or_else(|| "matroska".into()),
        ..Default::default()
    };
    let mut pos = h.len as u64 + size;
    let seg = loop {
        if pos >= file_len {
            return Err(MediaError::Truncated("no Matroska segment".into()));
        }
        let h = read_header_at(r, pos, file_len)?;
        if h.id == SEGMENT {
            break h;
        }
        pos += h.len as u64
            + h.size
                .ok_or_else(|| MediaError::malformed(C, "element of unknown size"))?;
    };
    let seg_start = pos + seg.len as u64;
    let seg_end = match seg.size {
        Some(s) => {
            let end = seg_start.saturating_add(s);
            if end > file_len {
                return Err(MediaError::Truncated(
                    "the file ends before its Matroska segment does".into(),
                ));
            }
            end
        }
        None => file_len,
    };
    let mut timecode_scale = 1_000_000u64;
    let mut raw_duration = None;
    let mut have_tracks = false;
    let mut p = seg_start;
    // Walk to the first cluster (seeking over sized elements such as Cues or Attachments), so
    // the demuxer knows where the media starts.
    while p < seg_end {
        let h = read_header_at(r, p, file_len)?;
        let body_at = p + h.len as u64;
        match (h.id, h.size) {
            (CLUSTER, _) => {
                info.first_cluster = Some(p);
                break;
            }
            (INFO, Some(size)) => {
                let body = read_body(r, body_at, size, file_len)?;
                for (id, b) in children(&body) {
                    match id {
                        TIMECODE_SCALE => timecode_scale = uint(b).max(1),
                        DURATION => raw_duration = float(b),
                        _ => {}
                    }
                }
            }
            (ATTACHMENTS, Some(_)) => info.attachments_at = Some(p),
            (SEEK_HEAD, Some(size)) if info.attachments_at.is_none() => {
                let body = read_body(r, body_at, size, file_len)?;
                info.attachments_at = seek_target(&body, ATTACHMENTS)
                    .map(|offset| seg_start.saturating_add(offset))
                    .filter(|&at| at < seg_end);
            }
            (TRACKS, Some(size)) => {
                let body = read_body(r, body_at, size, file_len)?;
                info.tracks = children(&body)
                    .filter(|(id, _)| *id == TRACK_ENTRY)
                    .map(|(_, b)| track(b))
                    .collect();
                have_tracks = true;
            }
            (_, None) => {
                return Err(MediaError::malformed(
                    C,
                    "top-level element of unknown size",
                ));
            }
            _ => {}
        }
        p = body_at.saturating_add(h.size.unwrap_or(0));
    }
    if !have_tracks {
        return Err(MediaError::malformed(
            C,
            "no Tracks element before the first cluster",
        ));
    }
    info.timestamp_scale = timecode_scale;
    info.segment_end = seg_end;
    info.duration_seconds = raw_duration
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|d| d * timecode_scale as f64 / 1e9);
    Ok(info)
}

/// The segment-relative position the SeekHead `body` gives for element `id`.
fn seek_target(body: &[u8], id: u32) -> Option<u64> {
    children(body)
        .filter(|(child, _)| *child == SEEK)
        .find_map(|(_, seek)| {
            let mut target = None;
            let mut position = None;
            for (child, b) in children(seek) {
                match child {
                    SEEK_ID => target = Some(uint(b)),
                    SEEK_POSITION => position = Some(uint(b)),
                    _ => {}
                }
            }
            (target == Some(u64::from(id)))
                .then_some(position)
                .flatten()
        })
}

fn track(body: &[u8]) -> MkvTrack {
    let mut t = MkvTrack::default();
    for (id, b) in children(body) {
        match id {
            TRACK_NUMBER => t.number = uint(b),
            TRACK_TYPE => t.track_type = uint(b),
            CODEC_ID => t.codec_id = text(b),
            CODEC_PRIVATE => t.codec_private = Some(b.to_vec()),
            DEFAULT_DURATION => t.default_duration_ns = Some(uint(b)).filter(|&d| d > 0),
            CODEC_DELAY => t.codec_delay_ns = Some(uint(b)),
            LANGUAGE => t.language = Some(text(b)).filter(|l| l != "und"),
            VIDEO => {
                for (id, b) in children(b) {
                    match id {
                        PIXEL_WIDTH => t.width = Some(uint(b)),
                        PIXEL_HEIGHT => t.height = Some(uint(b)),
                        FLAG_INTERLACED => t.interlaced = Some(uint(b)),
                        _ => {}
                    }
                }
            }
            AUDIO => {
                for (id, b) in children(b) {
                    match id {
                        SAMPLING_FREQUENCY => t.sample_rate = float(b),
                        CHANNELS => t.channels = Some(uint(b)),
                        BIT_DEPTH => t.bit_depth = Some(uint(b)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seek_head_gives_the_attachments_position() {
        // Seek { SeekID = Cues' ID, SeekPosition = 10 }, Seek { SeekID = Attachments', 4660 }.
        let seek = |id: &[u8], pos: &[u8]| {
            let body = [
                &[0x53, 0xAB, 0x80 | id.len() as u8][..],
                id,
                &[0x53, 0xAC, 0x80 | pos.len() as u8],
                pos,
            ]
            .concat();
            [&[0x4D, 0xBB, 0x80 | body.len() as u8][..], &body].concat()
        };
        let body = [
            seek(&[0x1C, 0x53, 0xBB, 0x6B], &[10]),
            seek(&[0x19, 0x41, 0xA4, 0x69], &[0x12, 0x34]),
        ]
        .concat();
        assert_eq!(seek_target(&body, ATTACHMENTS), Some(0x1234));
        assert_eq!(seek_target(&body, TRACKS), None);
        assert_eq!(
            seek_target(&body[..body.len() - 3], ATTACHMENTS),
            None,
            "cut short"
        );
    }
}
