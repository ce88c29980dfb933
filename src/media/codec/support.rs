//! Support policy: for each stream, can Kinora decode it, can browsers play it as stored, and if
//! not, a sentence saying why.

use super::{Codec, CodecDetails};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    /// A decoder in Kinora's codec set handles the stream (H.264 8-bit 4:2:0 progressive, AV1 8-bit,
    /// AAC-LC, Opus, MP3, FLAC, Vorbis, PCM).
    pub decodable: bool,
    /// Browsers play the stream from a CMAF/HLS remux without re-encoding.
    pub browser_playable: bool,
    pub reason: Option<String>,
}

fn no(reason: &str) -> Support {
    Support {
        decodable: false,
        browser_playable: false,
        reason: Some(reason.to_string()),
    }
}

pub fn assess(codec: Codec, d: &CodecDetails) -> Support {
    match codec {
        Codec::H264 => {
            if d.interlaced == Some(true) {
                return no("interlaced H.264 is not supported");
            }
            if d.bit_depth.is_some_and(|b| b != 8) {
                return no("H.264 with more than 8 bits per sample is not supported");
            }
            if d.chroma_format.is_some_and(|c| c != 420) {
                return no("H.264 with 4:2:2 or 4:4:4 chroma is not supported");
            }
            Support {
                decodable: true,
                browser_playable: true,
                reason: None,
            }
        }
        Codec::Av1 => {
            // Browsers play Main profile (4:2:0 or monochrome, 8 or 10 bit); rav1d decodes every
            // profile and bit depth, and the pictures are converted to 8-bit 4:2:0.
            let layout_ok = d.chroma_format.is_none_or(|c| c == 420 || c == 400);
            let main = layout_ok && d.bit_depth.is_none_or(|b| b <= 10);
            let on = crate::media::decode::av1::enabled();
            Support {
                decodable: on,
                browser_playable: main,
                reason: match (on, main) {
                    (true, _) => None,
                    (false, true) => Some(
                        "AV1 is playable as is; AV1 decoding is off in this process (no lower resolutions)"
                            .into(),
                    ),
                    (false, false) => Some(
                        "AV1 beyond Main profile (4:2:2, 4:4:4 or 12-bit) is not playable in browsers, and AV1 decoding is off in this process"
                            .into(),
                    ),
                },
            }
        }
        Codec::Hevc => no(
            "HEVC (H.265) is not supported: Kinora has no pure-Rust HEVC decoder; the original stays downloadable",
        ),
        Codec::Vp8 | Codec::Vp9 => {
            no("VP8/VP9 video is not supported yet; the original stays downloadable")
        }
        Codec::Mpeg4Visual => no("MPEG-4 Part 2 video is not supported"),
        Codec::ProRes => no("ProRes is not supported"),
        Codec::Aac => match d.audio_object_type {
            Some(2) | None => Support {
                decodable: true,
                browser_playable: true,
                reason: None,
            },
            Some(5) | Some(29) => Support {
                decodable: false,
                browser_playable: true,
                reason: Some(
                    "HE-AAC is playable as is but Kinora's AAC decoder handles only AAC-LC".into(),
                ),
            },
            Some(_) => no("this AAC profile is not supported (only AAC-LC)"),
        },
        Codec::Opus => Support {
            decodable: true,
            browser_playable: true,
            reason: None,
        },
        Codec::Mp3 | Codec::Flac | Codec::Vorbis | Codec::Pcm => Support {
            decodable: true,
            browser_playable: false,
            reason: None,
        },
        Codec::Ac3 | Codec::Eac3 => no("AC-3/E-AC-3 audio is not supported"),
        Codec::Alac => no("ALAC audio is not supported"),
        Codec::Other => no("unknown codec"),
    }
}
