//! AV1: the `av1C` configuration record and the `av01.P.LLT.DD` codec string.

use super::CodecDetails;

/// Reads an AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3); Matroska's CodecPrivate is the same.
pub fn details_from_av1c(cfg: &[u8]) -> CodecDetails {
    if cfg.len() < 4 || cfg[0] & 0x7f != 1 {
        return CodecDetails::default();
    }
    let profile = cfg[1] >> 5;
    let level = cfg[1] & 0x1f;
    let tier = cfg[2] >> 7;
    let high_bitdepth = (cfg[2] >> 6) & 1;
    let twelve_bit = (cfg[2] >> 5) & 1;
    let mono = (cfg[2] >> 4) & 1;
    let sub_x = (cfg[2] >> 3) & 1;
    let sub_y = (cfg[2] >> 2) & 1;
    let bit_depth = match (profile, high_bitdepth, twelve_bit) {
        (2, 1, 1) => 12,
        (_, 1, _) => 10,
        _ => 8,
    };
    let chroma = match (mono, sub_x, sub_y) {
        (1, _, _) => 400,
        (_, 1, 1) => 420,
        (_, 1, 0) => 422,
        _ => 444,
    };
    CodecDetails {
        profile: Some(
            match profile {
                0 => "Main",
                1 => "High",
                _ => "Professional",
            }
            .into(),
        ),
        level: Some(level.to_string()),
        codec_string: Some(format!(
            "av01.{profile}.{level:02}{}.{bit_depth:02}",
            if tier == 1 { 'H' } else { 'M' }
        )),
        bit_depth: Some(bit_depth),
        chroma_format: Some(chroma),
        interlaced: Some(false),
        ..Default::default()
    }
}
