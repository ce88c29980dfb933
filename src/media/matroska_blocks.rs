//! Matroska/WebM media data: walks the clusters once and records where every frame of the
//! wanted tracks lies, when it plays and whether it is a keyframe. Only element headers, block
//! headers and lace tables are read; frame data stays in the file (32 bytes per frame in memory).
//! Clusters of unknown size (WebM from browsers' MediaRecorder) are supported.
//!
//! Hand-written for the same reasons as `matroska.rs`: a streaming index over untrusted input,
//! every size bounded, and no whole cluster ever in memory.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use super::MediaError;
use super::matroska::{MkvInfo, read_header_at, uint, vint};

const C: &str = "Matroska";
const CLUSTER: u32 = 0x1F43_B675;
const TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const REFERENCE_BLOCK: u32 = 0xFB;
/// Level-1 elements: an unknown-size cluster ends where one of these starts.
const TOP_LEVEL: [u32; 8] = [
    CLUSTER,
    0x1C53_BB6B, // Cues
    0x1254_C367, // Tags
    0x1043_A770, // Chapters
    0x1941_A469, // Attachments
    0x114D_9B74, // SeekHead
    0x1549_A966, // Info
    0x1654_AE6B, // Tracks
];
/// Most frames one block may lace (the lace count is one byte).
const MAX_LACE: usize = 256;

/// One frame of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MkvFrame {
    pub offset: u64,
    pub size: u32,
    /// Presentation time in the segment's timestamp units (`MkvInfo::timestamp_scale` ns).
    pub pts: i64,
    pub key: bool,
}

/// Frames of each wanted track, in file (decode) order.
pub fn index<R: Read + Seek>(
    r: &mut R,
    info: &MkvInfo,
    file_len: u64,
    tracks: &[u64],
) -> Result<HashMap<u64, Vec<MkvFrame>>, MediaError> {
    let mut out: HashMap<u64, Vec<MkvFrame>> = tracks.iter().map(|&t| (t, Vec::new())).collect();
    let Some(mut pos) = info.first_cluster else {
        return Ok(out);
    };
    let end = info.segment_end.min(file_len);
    while pos < end {
        let h = read_header_at(r, pos, file_len)?;
        let body = pos + h.len as u64;
        if h.id != CLUSTER {
            match h.size {
                Some(size) => {
                    pos = body.saturating_add(size);
                    continue;
                }
                None => return Err(MediaError::malformed(C, "element of unknown size")),
            }
        }
        let cluster_end = match h.size {
            Some(size) => {
                let e = body.saturating_add(size);
                if e > file_len {
                    return Err(MediaError::Truncated(
                        "the file ends inside a Matroska cluster".into(),
                    ));
                }
                e
            }
            None => end,
        };
        pos = cluster(r, body, cluster_end, file_len, &mut out)?;
    }
    Ok(out)
}

/// Reads one cluster's children from `body`; returns where the next top-level element starts.
fn cluster<R: Read + Seek>(
    r: &mut R,
    body: u64,
    end: u64,
    file_len: u64,
    out: &mut HashMap<u64, Vec<MkvFrame>>,
) -> Result<u64, MediaError> {
    let mut cluster_ts: i64 = 0;
    let mut p = body;
    while p < end {
        let h = read_header_at(r, p, file_len)?;
        if TOP_LEVEL.contains(&h.id) {
            // Only an unknown-size cluster reaches the next level-1 element.
            return Ok(p);
        }
        let size = h
            .size
            .ok_or_else(|| MediaError::malformed(C, "cluster child of unknown size"))?;
        let at = p + h.len as u64;
        let next = at.saturating_add(size);
        if next > file_len {
            return Err(MediaError::Truncated(
                "the file ends inside a Matroska block".into(),
            ));
        }
        match h.id {
            TIMESTAMP => cluster_ts = read_uint(r, at, size)? as i64,
            SIMPLE_BLOCK => block(r, at, size, cluster_ts, None, out)?,
            BLOCK_GROUP => group(r, at, size, cluster_ts, file_len, out)?,
            _ => {}
        }
        p = next;
    }
    Ok(p.max(end))
}

fn read_uint<R: Read + Seek>(r: &mut R, at: u64, size: u64) -> Result<u64, MediaError> {
    if size > 8 {
        return Err(MediaError::malformed(C, "integer element over 8 bytes"));
    }
    let mut b = [0u8; 8];
    r.seek(SeekFrom::Start(at))?;
    r.read_exact(&mut b[..size as usize])?;
    Ok(uint(&b[..size as usize]))
}

/// A BlockGroup: its Block, keyframe unless a ReferenceBlock says it depends on another.
fn group<R: Read + Seek>(
    r: &mut R,
    at: u64,
    size: u64,
    cluster_ts: i64,
    file_len: u64,
    out: &mut HashMap<u64, Vec<MkvFrame>>,
) -> Result<(), MediaError> {
    let end = at + size;
    let mut p = at;
    let mut blk = None;
    let mut referenced = false;
    while p < end {
        let h = read_header_at(r, p, file_len)?;
        let s = h
            .size
            .ok_or_else(|| MediaError::malformed(C, "block group child of unknown size"))?;
        let body = p + h.len as u64;
        match h.id {
            BLOCK => blk = Some((body, s)),
            REFERENCE_BLOCK => referenced = true,
            _ => {}
        }
        p = body.saturating_add(s);
    }
    match blk {
        Some((body, s)) => block(r, body, s, cluster_ts, Some(!referenced), out),
        None => Ok(()),
    }
}

/// A (Simple)Block: track, relative timestamp, flags, and its frames (laced or not).
fn block<R: Read + Seek>(
    r: &mut R,
    at: u64,
    size: u64,
    cluster_ts: i64,
    key_override: Option<bool>,
    out: &mut HashMap<u64, Vec<MkvFrame>>,
) -> Result<(), MediaError> {
    // Enough for the block header and any lace table of up to 256 frames of modest size.
    let mut head = vec![0u8; size.min(4096) as usize];
    r.seek(SeekFrom::Start(at))?;
    r.read_exact(&mut head)?;
    let bad = || MediaError::malformed(C, "bad block header");
    let (track, tlen, _) = vint(&head, false).ok_or_else(bad)?;
    let Some(frames) = out.get_mut(&track) else {
        return Ok(());
    };
    let rel = i16::from_be_bytes([
        *head.get(tlen).ok_or_else(bad)?,
        *head.get(tlen + 1).ok_or_else(bad)?,
    ]);
    let flags = *head.get(tlen + 2).ok_or_else(bad)?;
    let key = key_override.unwrap_or(flags & 0x80 != 0);
    let pts = cluster_ts.saturating_add(i64::from(rel));
    let mut p = tlen + 3;
    let data_size = |p: usize| size.checked_sub(p as u64).ok_or_else(bad);
    let sizes: Vec<u64> = match (flags >> 1) & 3 {
        0 => vec![data_size(p)?],
        lacing => {
            let count = usize::from(*head.get(p).ok_or_else(bad)?) + 1;
            p += 1;
            if count > MAX_LACE {
                return Err(bad());
            }
            let mut sizes = Vec::with_capacity(count);
            match lacing {
                1 => {
                    // Xiph: each size as a run of 255s and a final byte.
                    for _ in 0..count - 1 {
                        let mut v = 0u64;
                        loop {
                            let b = *head.get(p).ok_or_else(bad)?;
                            p += 1;
                            v += u64::from(b);
                            if b != 255 {
                                break;
                            }
                        }
                        sizes.push(v);
                    }
                }
                3 => {
                    // EBML: the first size, then signed differences.
                    let (first, n, _) =
                        vint(head.get(p..).ok_or_else(bad)?, false).ok_or_else(bad)?;
                    p += n;
                    sizes.push(first);
                    let mut prev = first as i64;
                    for _ in 1..count - 1 {
                        let (raw, n, _) =
                            vint(head.get(p..).ok_or_else(bad)?, false).ok_or_else(bad)?;
                        p += n;
                        let bias = (1i64 << (7 * n - 1)) - 1;
                        prev += raw as i64 - bias;
                        sizes.push(u64::try_from(prev).map_err(|_| bad())?);
                    }
                }
                _ => {
                    // Fixed: equal sizes.
                    let total = data_size(p)?;
                    if total % count as u64 != 0 {
                        return Err(bad());
                    }
                    sizes = vec![total / count as u64; count - 1];
                }
            }
            let used: u64 = sizes.iter().sum();
            sizes.push(data_size(p)?.checked_sub(used).ok_or_else(bad)?);
            sizes
        }
    };
    let mut offset = at + p as u64;
    for (i, s) in sizes.into_iter().enumerate() {
        frames.push(MkvFrame {
            offset,
            size: u32::try_from(s).map_err(|_| bad())?,
            pts,
            // Laced frames share the block timestamp; only the first is the keyframe.
            key: key && i == 0,
        });
        offset += s;
    }
    Ok(())
}
