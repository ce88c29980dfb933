//! The first sample description of a track (`stsd`): codec four-cc, dimensions or audio format,
//! and the codec configuration box (`avcC`, `av1C`, `esds`, `dOps` ...).

use super::boxes::{FourCc, children, find};
use super::movie::TrackKind;
use crate::media::MediaError;
use crate::media::bytes::Cursor;

const C: &str = "MP4";

/// A sample entry as stored, with the pieces the prober and the remuxer need.
#[derive(Debug, Clone)]
pub struct SampleEntry {
    pub fourcc: FourCc,
    /// The whole entry box, header included, to copy into a remuxed init segment.
    pub raw: Vec<u8>,
    pub width: u16,
    pub height: u16,
    pub channels: u16,
    pub sample_rate: u32,
    /// The body of the codec configuration box, when there is one.
    pub config: Option<(FourCc, Vec<u8>)>,
    /// How many sample descriptions the track has; more than one is unusual and not remuxable.
    pub entry_count: u32,
}

const VISUAL_HEADER: usize = 78;

const CONFIG_BOXES: [&FourCc; 8] = [
    b"avcC", b"hvcC", b"av1C", b"vpcC", b"esds", b"dOps", b"dfLa", b"dac3",
];

pub fn parse_stsd(stsd: &[u8], kind: TrackKind) -> Result<SampleEntry, MediaError> {
    let mut c = Cursor::new(stsd, C);
    c.skip(4)?;
    let entry_count = c.u32()?;
    let first = children(c.rest())
        .next()
        .ok_or_else(|| MediaError::malformed(C, "empty sample description"))??;
    let mut entry = SampleEntry {
        fourcc: first.kind,
        raw: first.raw.to_vec(),
        width: 0,
        height: 0,
        channels: 0,
        sample_rate: 0,
        config: None,
        entry_count,
    };
    let mut c = Cursor::new(first.body, C);
    let child_data: &[u8] = match kind {
        TrackKind::Video => {
            c.skip(6 + 2 + 16)?;
            entry.width = c.u16()?;
            entry.height = c.u16()?;
            c.skip(VISUAL_HEADER - 28)?;
            c.rest()
        }
        TrackKind::Audio => {
            c.skip(6 + 2)?;
            let version = c.u16()?;
            c.skip(6)?;
            entry.channels = c.u16()?;
            c.skip(6)?;
            entry.sample_rate = c.u32()? >> 16;
            match version {
                // QuickTime sound description v1 adds four 32-bit fields.
                1 => c.skip(16)?,
                // v2 stores the rate as a float64 and the channel count as a u32.
                2 => {
                    c.skip(4)?;
                    entry.sample_rate = f64::from_bits(c.u64()?) as u32;
                    entry.channels = u16::try_from(c.u32()?).unwrap_or(0);
                    c.skip(20)?;
                }
                _ => {}
            }
            c.rest()
        }
        TrackKind::Other => &[],
    };
    entry.config = find_config(child_data)?;
    // Opus keeps its real rate and channels in dOps; the entry says 48000 by rule.
    if let Some((k, body)) = &entry.config
        && k == b"dOps"
        && body.len() >= 2
    {
        entry.channels = u16::from(body[1]);
    }
    Ok(entry)
}

/// Finds the codec configuration among the entry's children; QuickTime nests `esds` in `wave`.
fn find_config(data: &[u8]) -> Result<Option<(FourCc, Vec<u8>)>, MediaError> {
    for b in children(data) {
        // A broken trailing child (some encoders pad oddly) must not hide the config found so far.
        let Ok(b) = b else { break };
        if CONFIG_BOXES.contains(&&b.kind) {
            return Ok(Some((b.kind, b.body.to_vec())));
        }
        if &b.kind == b"wave"
            && let Some(esds) = find(b.body, b"esds")?
        {
            return Ok(Some((*b"esds", esds.body.to_vec())));
        }
    }
    Ok(None)
}
