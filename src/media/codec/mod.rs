//! Codec identification: which codec a stream uses, its profile and level, its RFC 6381 `CODECS`
//! string, and whether Kinora can decode it or a browser can play it as is.

pub mod aac;
pub mod av1;
pub mod h264;
pub mod support;

use serde::Serialize;

/// The codecs Kinora recognises; anything else is `Other` with its tag kept in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    H264,
    Hevc,
    Av1,
    Vp8,
    Vp9,
    Mpeg4Visual,
    ProRes,
    Aac,
    Opus,
    Mp3,
    Flac,
    Vorbis,
    Ac3,
    Eac3,
    Alac,
    Pcm,
    Other,
}

/// What the codec configuration says, beyond the codec itself.
#[derive(Debug, Clone, Default)]
pub struct CodecDetails {
    pub profile: Option<String>,
    pub level: Option<String>,
    /// RFC 6381 string for HLS `CODECS`, e.g. `avc1.64001f` or `mp4a.40.2`.
    pub codec_string: Option<String>,
    pub bit_depth: Option<u8>,
    /// 420, 422, 444 or 400 (monochrome).
    pub chroma_format: Option<u16>,
    pub interlaced: Option<bool>,
    /// Coded size from the bitstream header, when the codec has one we read.
    pub coded_width: Option<u32>,
    pub coded_height: Option<u32>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u16>,
    /// AAC audio object type (2 = LC, 5 = HE, 29 = HE v2).
    pub audio_object_type: Option<u8>,
}

/// Maps an ISO BMFF sample entry four-cc (plus `esds` object type for `mp4a`) to a codec.
pub fn codec_from_fourcc(fourcc: &[u8; 4], esds_object_type: Option<u8>) -> Codec {
    match fourcc {
        b"avc1" | b"avc3" => Codec::H264,
        b"hvc1" | b"hev1" => Codec::Hevc,
        b"av01" => Codec::Av1,
        b"vp08" => Codec::Vp8,
        b"vp09" => Codec::Vp9,
        b"mp4v" => Codec::Mpeg4Visual,
        b"apcn" | b"apch" | b"apcs" | b"apco" | b"ap4h" | b"ap4x" => Codec::ProRes,
        b"mp4a" => match esds_object_type {
            Some(0x69) | Some(0x6B) => Codec::Mp3,
            Some(0x40) | Some(0x66) | Some(0x67) | Some(0x68) | None => Codec::Aac,
            Some(_) => Codec::Other,
        },
        b"Opus" => Codec::Opus,
        b".mp3" => Codec::Mp3,
        b"fLaC" => Codec::Flac,
        b"ac-3" => Codec::Ac3,
        b"ec-3" => Codec::Eac3,
        b"alac" => Codec::Alac,
        b"sowt" | b"twos" | b"lpcm" | b"ipcm" | b"fpcm" | b"in24" | b"in32" | b"fl32" | b"fl64"
        | b"raw " => Codec::Pcm,
        _ => Codec::Other,
    }
}

/// Maps a Matroska `CodecID` to a codec.
pub fn codec_from_matroska(id: &str) -> Codec {
    match id {
        "V_MPEG4/ISO/AVC" => Codec::H264,
        "V_MPEGH/ISO/HEVC" => Codec::Hevc,
        "V_AV1" => Codec::Av1,
        "V_VP8" => Codec::Vp8,
        "V_VP9" => Codec::Vp9,
        "V_MPEG4/ISO/ASP" | "V_MPEG4/ISO/SP" | "V_MPEG4/ISO/AP" => Codec::Mpeg4Visual,
        "V_PRORES" => Codec::ProRes,
        "A_OPUS" => Codec::Opus,
        "A_VORBIS" => Codec::Vorbis,
        "A_FLAC" => Codec::Flac,
        "A_MPEG/L3" => Codec::Mp3,
        "A_AC3" => Codec::Ac3,
        "A_EAC3" => Codec::Eac3,
        "A_ALAC" => Codec::Alac,
        s if s.starts_with("A_AAC") => Codec::Aac,
        s if s.starts_with("A_PCM") => Codec::Pcm,
        _ => Codec::Other,
    }
}

/// Reads the codec configuration record (`avcC`, `av1C`, an AudioSpecificConfig, `OpusHead` ...).
/// `config` is the body of the ISO box or the Matroska `CodecPrivate`.
pub fn details(codec: Codec, config: Option<&[u8]>) -> CodecDetails {
    let Some(cfg) = config else {
        return match codec {
            Codec::Opus => CodecDetails {
                codec_string: Some("opus".into()),
                ..Default::default()
            },
            _ => CodecDetails::default(),
        };
    };
    match codec {
        Codec::H264 => h264::details_from_avcc(cfg),
        Codec::Av1 => av1::details_from_av1c(cfg),
        Codec::Hevc => hevc_details(cfg),
        Codec::Vp9 => vp9_details(cfg),
        Codec::Aac => aac::details_from_asc(cfg),
        Codec::Opus => opus_details(cfg),
        Codec::Mp3 => CodecDetails {
            codec_string: Some("mp4a.40.34".into()),
            ..Default::default()
        },
        Codec::Flac => CodecDetails {
            codec_string: Some("fLaC".into()),
            ..Default::default()
        },
        _ => CodecDetails::default(),
    }
}

/// `hvcC`: only the profile, enough to name what we refuse.
fn hevc_details(cfg: &[u8]) -> CodecDetails {
    let profile_idc = cfg.get(1).map(|b| b & 0x1f);
    CodecDetails {
        profile: profile_idc.map(|p| {
            match p {
                1 => "Main",
                2 => "Main 10",
                3 => "Main Still Picture",
                4 => "Range Extensions",
                _ => "other",
            }
            .to_string()
        }),
        level: cfg.get(12).map(|l| format!("{:.1}", f64::from(*l) / 30.0)),
        ..Default::default()
    }
}

/// `vpcC` (version 1 full box): profile, level, bit depth.
fn vp9_details(cfg: &[u8]) -> CodecDetails {
    if cfg.len() < 7 {
        return CodecDetails::default();
    }
    CodecDetails {
        profile: Some(cfg[4].to_string()),
        level: Some(format!("{:.1}", f64::from(cfg[5]) / 10.0)),
        bit_depth: Some(cfg[6] >> 4),
        ..Default::default()
    }
}

/// `dOps` (ISO) and `OpusHead` (Matroska) share the fields we need, at different offsets.
fn opus_details(cfg: &[u8]) -> CodecDetails {
    let (channels, rate) = if cfg.starts_with(b"OpusHead") && cfg.len() >= 16 {
        (
            cfg[9],
            u32::from_le_bytes([cfg[12], cfg[13], cfg[14], cfg[15]]),
        )
    } else if cfg.len() >= 8 {
        (cfg[1], u32::from_be_bytes([cfg[4], cfg[5], cfg[6], cfg[7]]))
    } else {
        (0, 0)
    };
    CodecDetails {
        codec_string: Some("opus".into()),
        channels: (channels > 0).then_some(u16::from(channels)),
        // Opus always decodes at 48 kHz; the header's rate is only the original input's.
        sample_rate: (rate > 0).then_some(48_000),
        ..Default::default()
    }
}
