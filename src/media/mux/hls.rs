//! HLS playlists: the master playlist and byte-range media playlists over one fragmented MP4, plus
//! the per-segment SHA-256 map PeerTube clients use to check P2P segments.

use std::collections::BTreeMap;
use std::fmt::Write;

/// One segment of a media playlist: a byte range of the rendition's file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentEntry {
    pub offset: u64,
    pub length: u64,
    pub duration: f64,
    pub sha256: String,
}

/// One rendition as the master playlist lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantEntry {
    pub playlist: String,
    pub bandwidth: u64,
    pub average_bandwidth: u64,
    pub width: u32,
    pub height: u32,
    pub frame_rate: Option<f64>,
    pub codecs: String,
}

/// A byte-range media playlist over `file`, whose init segment is `init_len` bytes at offset 0.
pub fn media_playlist(file: &str, init_len: u64, segments: &[SegmentEntry]) -> String {
    let target = segments
        .iter()
        .map(|s| s.duration.ceil() as u64)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut out = String::new();
    // Writing into a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(out, "#EXTM3U");
    let _ = writeln!(out, "#EXT-X-VERSION:7");
    let _ = writeln!(out, "#EXT-X-TARGETDURATION:{target}");
    let _ = writeln!(out, "#EXT-X-MEDIA-SEQUENCE:0");
    let _ = writeln!(out, "#EXT-X-PLAYLIST-TYPE:VOD");
    let _ = writeln!(out, "#EXT-X-INDEPENDENT-SEGMENTS");
    let _ = writeln!(out, "#EXT-X-MAP:URI=\"{file}\",BYTERANGE=\"{init_len}@0\"");
    for s in segments {
        let _ = writeln!(out, "#EXTINF:{:.6},", s.duration);
        let _ = writeln!(out, "#EXT-X-BYTERANGE:{}@{}", s.length, s.offset);
        let _ = writeln!(out, "{file}");
    }
    let _ = writeln!(out, "#EXT-X-ENDLIST");
    out
}

/// The master playlist listing every rendition, lowest bandwidth first.
pub fn master_playlist(variants: &[VariantEntry]) -> String {
    let mut v: Vec<&VariantEntry> = variants.iter().collect();
    v.sort_by_key(|x| x.bandwidth);
    let mut out = String::new();
    let _ = writeln!(out, "#EXTM3U");
    let _ = writeln!(out, "#EXT-X-VERSION:7");
    let _ = writeln!(out, "#EXT-X-INDEPENDENT-SEGMENTS");
    for x in v {
        let _ = write!(
            out,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},RESOLUTION={}x{}",
            x.bandwidth, x.average_bandwidth, x.width, x.height
        );
        if let Some(fps) = x.frame_rate {
            let _ = write!(out, ",FRAME-RATE={fps:.3}");
        }
        let _ = writeln!(out, ",CODECS=\"{}\"", x.codecs);
        let _ = writeln!(out, "{}", x.playlist);
    }
    out
}

/// `{ "<file>": { "<first>-<last>": "<sha256>" } }` with inclusive byte ranges, as PeerTube writes
/// `segments-sha256.json`.
pub fn segments_sha256_json(files: &[(String, Vec<SegmentEntry>)]) -> String {
    let map: BTreeMap<&str, BTreeMap<String, &str>> = files
        .iter()
        .map(|(name, segs)| {
            let ranges = segs
                .iter()
                .map(|s| {
                    (
                        format!("{}-{}", s.offset, s.offset + s.length - 1),
                        s.sha256.as_str(),
                    )
                })
                .collect();
            (name.as_str(), ranges)
        })
        .collect();
    serde_json::to_string_pretty(&map).unwrap_or_else(|_| "{}".into())
}
