//! AAC: the `esds` descriptor chain and the AudioSpecificConfig inside it.

use super::CodecDetails;
use crate::media::bytes::BitReader;

const RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// The `objectTypeIndication` and DecoderSpecificInfo found in an `esds` body.
pub struct Esds<'a> {
    pub object_type: u8,
    pub avg_bitrate: u32,
    pub decoder_specific: Option<&'a [u8]>,
}

fn descriptor(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *data.first()?;
    let mut len = 0usize;
    let mut i = 1;
    // Up to four bytes of 7-bit length with a continuation bit.
    loop {
        let b = *data.get(i)?;
        len = (len << 7) | usize::from(b & 0x7f);
        i += 1;
        if b & 0x80 == 0 || i > 4 {
            break;
        }
    }
    let body = data.get(i..i.checked_add(len)?)?;
    Some((tag, body, &data[i + len..]))
}

/// Parses an `esds` full-box body; `None` when the descriptors are malformed.
pub fn parse_esds(body: &[u8]) -> Option<Esds<'_>> {
    let (tag, es, _) = descriptor(body.get(4..)?)?;
    if tag != 3 {
        return None;
    }
    let flags = *es.get(2)?;
    let mut skip = 3;
    if flags & 0x80 != 0 {
        skip += 2;
    }
    if flags & 0x40 != 0 {
        skip += 1 + usize::from(*es.get(skip)?);
    }
    if flags & 0x20 != 0 {
        skip += 2;
    }
    let (tag, dc, _) = descriptor(es.get(skip..)?)?;
    if tag != 4 || dc.len() < 13 {
        return None;
    }
    let avg_bitrate = u32::from_be_bytes([dc[9], dc[10], dc[11], dc[12]]);
    let decoder_specific = descriptor(&dc[13..]).and_then(|(t, b, _)| (t == 5).then_some(b));
    Some(Esds {
        object_type: dc[0],
        avg_bitrate,
        decoder_specific,
    })
}

/// Reads an AudioSpecificConfig (ISO 14496-3 1.6.2.1).
pub fn details_from_asc(asc: &[u8]) -> CodecDetails {
    let mut r = BitReader::new(asc);
    let mut aot = r.bits(5).unwrap_or(0);
    if aot == 31 {
        aot = 32 + r.bits(6).unwrap_or(0);
    }
    let idx = r.bits(4).unwrap_or(15);
    let mut rate = if idx == 15 {
        r.bits(24)
    } else {
        RATES.get(idx as usize).copied()
    };
    let channel_config = r.bits(4).unwrap_or(0);
    let mut sbr = false;
    if aot == 5 || aot == 29 {
        // HE-AAC signalled explicitly: the extension rate is the output rate.
        sbr = true;
        let ext = r.bits(4).unwrap_or(15);
        rate = if ext == 15 {
            r.bits(24)
        } else {
            RATES.get(ext as usize).copied()
        }
        .or(rate);
    }
    let profile = match aot {
        1 => "Main",
        2 => "LC",
        3 => "SSR",
        4 => "LTP",
        5 => "HE-AAC",
        29 => "HE-AACv2",
        23 => "LD",
        39 => "ELD",
        _ => "other",
    };
    let channels = match channel_config {
        1..=6 => Some(channel_config as u16),
        7 => Some(8),
        _ => None,
    };
    let _ = sbr;
    CodecDetails {
        profile: Some(profile.to_string()),
        codec_string: (aot > 0).then(|| format!("mp4a.40.{aot}")),
        sample_rate: rate,
        channels,
        audio_object_type: u8::try_from(aot).ok(),
        ..Default::default()
    }
}
