//! Expands the compact sample tables into one record per sample: where it is, when it decodes and
//! shows, and whether it is a sync (key) sample.

use super::movie::{SampleTables, Track};
use crate::media::MediaError;

const C: &str = "MP4";

/// One coded sample (a video frame or an audio frame) in the source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub offset: u64,
    pub size: u32,
    /// Decode time, media timescale.
    pub dts: u64,
    pub duration: u32,
    /// Composition minus decode time, media timescale.
    pub cts_offset: i32,
    pub sync: bool,
}

/// Builds the per-sample list of a track, checking every table against the others and against
/// the file length so a truncated upload is caught here rather than halfway through a remux.
pub fn expand_samples(track: &Track, file_len: u64) -> Result<Vec<Sample>, MediaError> {
    let t: &SampleTables = &track.tables;
    let n = t.sample_count as usize;
    let stts_total: u64 = t.stts.iter().map(|&(c, _)| u64::from(c)).sum();
    if stts_total != n as u64 {
        return Err(MediaError::malformed(
            C,
            format!(
                "track {} has {n} sample sizes but {stts_total} timestamps",
                track.id
            ),
        ));
    }
    // A constant sample size with a forged count could claim millions of samples in a few bytes
    // of table: bound it by what the file can hold before building anything.
    if t.constant_size != 0 && u64::from(t.constant_size) * n as u64 > file_len {
        return Err(MediaError::Truncated(format!(
            "track {} claims more sample data than the file holds",
            track.id
        )));
    }
    let mut out = Vec::new();
    let mut deltas = t
        .stts
        .iter()
        .flat_map(|&(c, d)| std::iter::repeat_n(d, c as usize));
    let mut ctts = t
        .ctts
        .iter()
        .flat_map(|&(c, o)| std::iter::repeat_n(o, c as usize));
    let mut sync_iter = t.stss.as_ref().map(|s| s.iter().peekable());

    // Walk chunks: stsc gives runs of chunks with the same number of samples per chunk.
    let mut sample = 0usize;
    let mut dts = 0u64;
    for (i, &(first, per_chunk, _)) in t.stsc.iter().enumerate() {
        let last = t
            .stsc
            .get(i + 1)
            .map(|e| e.0)
            .unwrap_or(t.chunk_offsets.len() as u32 + 1);
        if first == 0 || last < first {
            return Err(MediaError::malformed(
                C,
                "'stsc' chunk numbers go backwards",
            ));
        }
        for chunk in first..last {
            let Some(&chunk_offset) = t.chunk_offsets.get(chunk as usize - 1) else {
                return Err(MediaError::malformed(
                    C,
                    "'stsc' refers to a chunk that does not exist",
                ));
            };
            let mut offset = chunk_offset;
            for _ in 0..per_chunk {
                if sample >= n {
                    break;
                }
                let size = if t.constant_size != 0 {
                    t.constant_size
                } else {
                    t.sizes[sample]
                };
                let duration = deltas.next().unwrap_or(0);
                let cts = ctts.next().unwrap_or(0);
                let number = sample as u32 + 1;
                let sync = match &mut sync_iter {
                    None => true,
                    Some(it) => {
                        while it.peek().is_some_and(|&&s| s < number) {
                            it.next();
                        }
                        it.peek().is_some_and(|&&s| s == number)
                    }
                };
                let end = offset.saturating_add(u64::from(size));
                if end > file_len {
                    return Err(MediaError::Truncated(format!(
                        "track {} sample {number} lies past the end of the file",
                        track.id
                    )));
                }
                out.push(Sample {
                    offset,
                    size,
                    dts,
                    duration,
                    cts_offset: i32::try_from(cts).unwrap_or(0),
                    sync,
                });
                offset = end;
                dts = dts.saturating_add(u64::from(duration));
                sample += 1;
            }
        }
    }
    if out.len() != n {
        return Err(MediaError::malformed(
            C,
            format!(
                "track {} lists {n} samples but its chunks hold {}",
                track.id,
                out.len()
            ),
        ));
    }
    Ok(out)
}
