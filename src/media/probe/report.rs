//! The probe report: a serde-serialisable description of a file and each of its streams.

use serde::Serialize;

use crate::media::codec::support::Support;
use crate::media::codec::{Codec, CodecDetails};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Mp4,
    Mov,
    M4a,
    #[serde(rename = "3gp")]
    ThreeGp,
    Matroska,
    Webm,
    Mp3,
    Flac,
    Wav,
    Ogg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle,
    #[default]
    Data,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    pub container: Container,
    /// The ISO major brand or the Matroska DocType, as written.
    pub format_name: String,
    pub size_bytes: u64,
    pub duration_seconds: Option<f64>,
    pub bitrate: Option<u64>,
    pub streams: Vec<StreamReport>,
    /// The file can be remuxed to HLS without re-encoding (see `remux_blocker` when not).
    pub remuxable: bool,
    pub remux_blocker: Option<String>,
    /// The file carries a cover picture (MP4/M4A `covr`, ID3 APIC, FLAC PICTURE); an
    /// audio-only upload shows it instead of a generated cover.
    pub cover_art: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamReport {
    pub index: usize,
    /// Track ID (ISO) or track number (Matroska).
    pub id: u64,
    pub kind: StreamKind,
    pub codec: Codec,
    /// The sample entry four-cc or Matroska CodecID.
    pub codec_tag: String,
    /// RFC 6381 codec string for HLS `CODECS`.
    pub codec_string: Option<String>,
    pub profile: Option<String>,
    pub level: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Clockwise rotation a player applies before display (0, 90, 180, 270).
    pub rotation: u32,
    /// Size after rotation, as the viewer sees it.
    pub display_width: Option<u32>,
    pub display_height: Option<u32>,
    pub frame_rate: Option<f64>,
    pub variable_frame_rate: Option<bool>,
    pub frame_count: Option<u64>,
    pub bit_depth: Option<u8>,
    pub chroma_format: Option<u16>,
    pub interlaced: Option<bool>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u16>,
    pub bitrate: Option<u64>,
    pub duration_seconds: Option<f64>,
    pub language: Option<String>,
    pub decodable: bool,
    pub browser_playable: bool,
    pub unsupported_reason: Option<String>,
}

impl StreamReport {
    /// A report filled from codec details and support; the caller sets container-level fields.
    pub fn new(
        index: usize,
        id: u64,
        kind: StreamKind,
        codec: Codec,
        tag: String,
        d: &CodecDetails,
        s: Support,
    ) -> Self {
        StreamReport {
            index,
            id,
            kind,
            codec,
            codec_tag: tag,
            codec_string: d.codec_string.clone(),
            profile: d.profile.clone(),
            level: d.level.clone(),
            width: d.coded_width,
            height: d.coded_height,
            rotation: 0,
            display_width: None,
            display_height: None,
            frame_rate: None,
            variable_frame_rate: None,
            frame_count: None,
            bit_depth: d.bit_depth,
            chroma_format: d.chroma_format,
            interlaced: d.interlaced,
            sample_rate: d.sample_rate,
            channels: d.channels,
            bitrate: None,
            duration_seconds: None,
            language: None,
            decodable: s.decodable,
            browser_playable: s.browser_playable,
            unsupported_reason: s.reason,
        }
    }

    /// Fills the display size from width, height and rotation.
    pub fn set_display(&mut self) {
        if let (Some(w), Some(h)) = (self.width, self.height) {
            let swap = self.rotation % 180 == 90;
            self.display_width = Some(if swap { h } else { w });
            self.display_height = Some(if swap { w } else { h });
        }
    }
}

/// Whether a set of streams can be remuxed to CMAF/HLS as is: at most one video (H.264 or AV1)
/// and one audio (AAC or Opus) stream, all browser-playable; `None` when it can.
pub fn remux_blocker(streams: &[StreamReport]) -> Option<String> {
    let video: Vec<_> = streams
        .iter()
        .filter(|s| s.kind == StreamKind::Video)
        .collect();
    let audio: Vec<_> = streams
        .iter()
        .filter(|s| s.kind == StreamKind::Audio)
        .collect();
    let Some(v) = video.first() else {
        return Some("no video stream".into());
    };
    if !(matches!(v.codec, Codec::H264 | Codec::Av1) && v.browser_playable) {
        return Some(format!(
            "video codec {:?} is not browser-playable{}",
            v.codec,
            v.unsupported_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    }
    if let Some(a) = audio.first()
        && !(matches!(a.codec, Codec::Aac | Codec::Opus) && a.browser_playable)
    {
        return Some(format!(
            "audio codec {:?} is not browser-playable in fragmented MP4",
            a.codec
        ));
    }
    None
}
