//! Writing one rendition's fragmented MP4: the init segment, then per segment a `moof` built from
//! the sample tables and an `mdat` streamed from the source, hashed as it is written.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::segments::SegmentPlan;
use super::source::{Source, SourceTrack};
use crate::media::MediaError;
use crate::media::control::{Control, Progress};
use crate::media::mux::fmp4::{FragSample, TrackRun, fragment_header, init_segment};
use crate::media::mux::hls::SegmentEntry;

/// Copy buffer size: large enough for few syscalls, small enough for the 40 MB remux budget.
const COPY_BUF: usize = 1 << 20;

/// What was written: the init segment length and every segment's byte range and hash.
pub struct Written {
    pub init_len: u64,
    pub segments: Vec<SegmentEntry>,
    pub size: u64,
}

fn frag_samples(t: &SourceTrack, range: std::ops::Range<usize>) -> Vec<FragSample> {
    t.samples[range]
        .iter()
        .map(|s| FragSample {
            size: s.size,
            duration: s.duration,
            cts_offset: i32::try_from(i64::from(s.cts_offset) - t.cts_shift).unwrap_or(0),
            sync: s.sync,
        })
        .collect()
}

/// Writes the whole file to `out` (a temporary file).
pub fn write_fragmented(
    src: &mut Source,
    plans: &[SegmentPlan],
    out: File,
    stage: &str,
    control: &Control,
) -> Result<Written, MediaError> {
    let started = Instant::now();
    let total_seconds = plans.last().map(|p| p.end).unwrap_or(0.0);
    let mut w = BufWriter::with_capacity(COPY_BUF, out);
    let mut specs = vec![src.video.spec.clone()];
    if let Some(a) = &src.audio {
        specs.push(a.spec.clone());
    }
    let init = init_segment(&specs);
    w.write_all(&init).map_err(MediaError::Io)?;
    let mut pos = init.len() as u64;
    let mut buf = vec![0u8; COPY_BUF];
    let mut segments = Vec::with_capacity(plans.len());
    for (k, p) in plans.iter().enumerate() {
        control.check()?;
        let v = &src.video;
        let video_samples = frag_samples(v, p.video.clone());
        let mut runs = vec![TrackRun {
            track_id: v.spec.id,
            base_decode_time: v.samples[p.video.start].dts + v.dts_delay,
            samples: &video_samples,
            kind: v.spec.kind,
        }];
        let audio_samples;
        if let Some(a) = src.audio.as_ref().filter(|_| !p.audio.is_empty()) {
            audio_samples = frag_samples(a, p.audio.clone());
            runs.push(TrackRun {
                track_id: a.spec.id,
                base_decode_time: a.samples[p.audio.start].dts + a.dts_delay,
                samples: &audio_samples,
                kind: a.spec.kind,
            });
        }
        let payload: u64 = runs
            .iter()
            .flat_map(|r| r.samples)
            .map(|s| u64::from(s.size))
            .sum();
        if payload > u64::from(u32::MAX) - 8 {
            return Err(MediaError::Unsupported("a segment over 4 GiB".into()));
        }
        let header = fragment_header(k as u32 + 1, &runs);
        let mut hasher = Sha256::new();
        hasher.update(&header);
        w.write_all(&header).map_err(MediaError::Io)?;
        let mut ranges = sample_ranges(&src.video, p.video.clone());
        if let Some(a) = &src.audio {
            ranges.extend(sample_ranges(a, p.audio.clone()));
        }
        for (offset, len) in ranges {
            copy_range(&mut src.file, offset, len, &mut buf, &mut w, &mut hasher)?;
        }
        let length = header.len() as u64 + payload;
        segments.push(SegmentEntry {
            offset: pos,
            length,
            duration: p.end - p.start,
            sha256: hex::encode(hasher.finalize()),
        });
        pos += length;
        let elapsed = started.elapsed().as_secs_f64();
        control.report(&Progress {
            stage: stage.to_string(),
            done_seconds: p.end,
            total_seconds,
            speed: if elapsed > 0.0 { p.end / elapsed } else { 0.0 },
            frames_per_second: None,
        });
    }
    let file = w.into_inner().map_err(|e| MediaError::Io(e.into_error()))?;
    file.sync_all().map_err(MediaError::Io)?;
    Ok(Written {
        init_len: init.len() as u64,
        segments,
        size: pos,
    })
}

/// The source byte ranges of a run of samples, with adjacent samples merged into one read.
fn sample_ranges(t: &SourceTrack, range: std::ops::Range<usize>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for s in &t.samples[range] {
        match out.last_mut() {
            Some((o, l)) if *o + *l == s.offset => *l += u64::from(s.size),
            _ => out.push((s.offset, u64::from(s.size))),
        }
    }
    out
}

fn copy_range(
    src: &mut File,
    offset: u64,
    len: u64,
    buf: &mut [u8],
    w: &mut impl Write,
    hasher: &mut Sha256,
) -> Result<(), MediaError> {
    src.seek(SeekFrom::Start(offset))?;
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        src.read_exact(&mut buf[..n])?;
        hasher.update(&buf[..n]);
        w.write_all(&buf[..n]).map_err(MediaError::Io)?;
        left -= n as u64;
    }
    Ok(())
}
