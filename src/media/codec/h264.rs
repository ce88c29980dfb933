//! H.264: the `avcC` record and the sequence parameter set fields that decide whether we can
//! decode a stream (profile, chroma format, bit depth, interlacing) and its coded size.

use super::CodecDetails;
use crate::media::bytes::BitReader;

/// Reads `avcC` (ISO 14496-15 5.3.3.1) and its first SPS; Matroska's CodecPrivate is the same record.
pub fn details_from_avcc(avcc: &[u8]) -> CodecDetails {
    if avcc.len() < 7 || avcc[0] != 1 {
        return CodecDetails::default();
    }
    let mut d = CodecDetails {
        profile: Some(profile_name(avcc[1], avcc[2]).into()),
        level: Some(level_name(avcc[3])),
        codec_string: Some(format!(
            "avc1.{:02x}{:02x}{:02x}",
            avcc[1], avcc[2], avcc[3]
        )),
        ..Default::default()
    };
    let sps_count = avcc[5] & 0x1f;
    if sps_count > 0 && avcc.len() >= 8 {
        let len = usize::from(u16::from_be_bytes([avcc[6], avcc[7]]));
        if let Some(nal) = avcc.get(8..8 + len)
            && let Some(sps) = parse_sps(nal)
        {
            d.bit_depth = Some(sps.bit_depth);
            d.chroma_format = Some(sps.chroma_format);
            d.interlaced = Some(!sps.frame_mbs_only);
            d.coded_width = Some(sps.width);
            d.coded_height = Some(sps.height);
        }
    }
    d
}

pub fn profile_name(profile_idc: u8, constraints: u8) -> &'static str {
    match profile_idc {
        66 if constraints & 0x40 != 0 => "Constrained Baseline",
        66 => "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => "High 10",
        122 => "High 4:2:2",
        244 => "High 4:4:4 Predictive",
        44 => "CAVLC 4:4:4",
        _ => "other",
    }
}

fn level_name(level_idc: u8) -> String {
    format!("{}.{}", level_idc / 10, level_idc % 10)
}

/// The SPS fields we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sps {
    pub profile_idc: u8,
    pub chroma_format: u16,
    pub bit_depth: u8,
    pub frame_mbs_only: bool,
    pub width: u32,
    pub height: u32,
}

/// Removes emulation-prevention bytes (00 00 03 -> 00 00) from a NAL unit payload.
fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

fn skip_scaling_list(r: &mut BitReader<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            let delta = r.se()?;
            next = (last + delta).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

/// Parses a sequence parameter set NAL unit (header byte included), ITU-T H.264 7.3.2.1.1.
pub fn parse_sps(nal: &[u8]) -> Option<Sps> {
    let data = unescape(nal.get(1..)?);
    let mut r = BitReader::new(&data);
    let profile_idc = r.bits(8)? as u8;
    r.bits(16)?; // constraint flags, level
    r.ue()?; // seq_parameter_set_id
    let mut chroma_format = 1;
    let mut bit_depth = 8;
    if matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma_format = r.ue()?;
        if chroma_format == 3 {
            r.bit()?;
        }
        bit_depth = 8 + r.ue()?.min(8);
        r.ue()?; // chroma bit depth
        r.bit()?; // qpprime_y_zero_transform_bypass
        if r.bit()? == 1 {
            let lists = if chroma_format == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.bit()? == 1 {
                    skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?;
        }
        1 => {
            r.bit()?;
            r.se()?;
            r.se()?;
            let n = r.ue()?.min(255);
            for _ in 0..n {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.bit()?; // gaps_in_frame_num_allowed
    let w_mbs = r.ue()?.min(1 << 16) + 1;
    let h_units = r.ue()?.min(1 << 16) + 1;
    let frame_mbs_only = r.bit()? == 1;
    if !frame_mbs_only {
        r.bit()?;
    }
    r.bit()?; // direct_8x8_inference
    let (mut cl, mut cr, mut ct, mut cb) = (0, 0, 0, 0);
    if r.bit()? == 1 {
        cl = r.ue()?.min(1 << 16);
        cr = r.ue()?.min(1 << 16);
        ct = r.ue()?.min(1 << 16);
        cb = r.ue()?.min(1 << 16);
    }
    let field_factor = if frame_mbs_only { 1 } else { 2 };
    let (crop_x, crop_y) = match chroma_format {
        1 => (2, 2 * field_factor),
        2 => (2, field_factor),
        _ => (1, field_factor),
    };
    let width = (w_mbs * 16).saturating_sub(crop_x * (cl + cr));
    let height = (field_factor * h_units * 16).saturating_sub(crop_y * (ct + cb));
    Some(Sps {
        profile_idc,
        chroma_format: match chroma_format {
            0 => 400,
            1 => 420,
            2 => 422,
            _ => 444,
        },
        bit_depth: bit_depth as u8,
        frame_mbs_only,
        width,
        height,
    })
}
