//! The Opus track of a rendition written earlier, read back as packets: a later decoding pass
//! of the same upload (the server runs each pass in a worker process of its own) muxes them
//! again instead of decoding and encoding the audio once more.
//!
//! Only a track in exactly the shape `transcode` writes is taken (stereo Opus at 48 kHz, 20 ms
//! packets from time 0, the encoder delay cut by a one-entry edit list): anything else answers
//! `None`, and the caller encodes the audio as usual.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::opus::{EncodedAudio, FRAME};
use crate::media::MediaError;
use crate::media::bmff::boxes::{children, find};
use crate::media::bmff::movie::{Track, TrackKind, parse_moov};
use crate::media::bytes::Cursor;

const C: &str = "fragmented MP4";

/// Our init segment's `moov` and a 4 s segment's `moof` are a few KB; larger ones are not ours.
const MAX_MOOV_BYTES: u64 = 1024 * 1024;
const MAX_MOOF_BYTES: u64 = 4 * 1024 * 1024;

/// The Opus packets of the fragmented MP4 at `path`, or `None` when it has no Opus track in the
/// shape `transcode` writes.
pub fn opus_of_rendition(path: &Path) -> Result<Option<EncodedAudio>, MediaError> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut track: Option<(u32, u32)> = None; // (track id, pre-skip)
    let mut out = EncodedAudio::default();
    let mut next_time = 0u64;
    let mut pos = 0u64;
    while pos + 8 <= len {
        let (kind, header, size) = box_header(&mut file, pos, len)?;
        match &kind {
            b"moov" => {
                if size - header > MAX_MOOV_BYTES {
                    return Ok(None);
                }
                let body = read_body(&mut file, pos + header, size - header)?;
                track = parse_moov(&body)?.tracks.iter().find_map(our_opus_track);
                if track.is_none() {
                    return Ok(None);
                }
            }
            b"moof" => {
                let Some((id, _)) = track else {
                    return Ok(None);
                };
                if size - header > MAX_MOOF_BYTES {
                    return Ok(None);
                }
                let body = read_body(&mut file, pos + header, size - header)?;
                let runs = audio_runs(&body, id)?;
                if !append_runs(&mut file, len, pos, &runs, &mut out, &mut next_time)? {
                    return Ok(None);
                }
            }
            _ => {}
        }
        pos += size;
    }
    let Some((_, pre_skip)) = track else {
        return Ok(None);
    };
    if out.is_empty() {
        return Ok(None);
    }
    out.pre_skip = pre_skip;
    // The packets' length: the real audio's to within the last packet's padding.
    out.samples = next_time.saturating_sub(u64::from(pre_skip));
    Ok(Some(out))
}

/// Appends the packets of `runs` (of the `moof` at `moof_pos`) to `out`; false when they do
/// not continue the track from `next_time` in 20 ms packets within the file.
fn append_runs(
    file: &mut File,
    len: u64,
    moof_pos: u64,
    runs: &[AudioRun],
    out: &mut EncodedAudio,
    next_time: &mut u64,
) -> Result<bool, MediaError> {
    for run in runs {
        let at = moof_pos
            .checked_add_signed(i64::from(run.data_offset))
            .ok_or_else(|| MediaError::malformed(C, "data offset before the file"))?;
        let bytes: u64 = run.samples.iter().map(|&(_, size)| u64::from(size)).sum();
        let frames = run.samples.iter().all(|&(d, _)| d as usize == FRAME);
        if run.base_decode_time != *next_time || !frames || at.saturating_add(bytes) > len {
            return Ok(false);
        }
        // A run's packets lie back to back: one read for all of them.
        let start = out.data.len();
        out.data.resize(start + bytes as usize, 0);
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(&mut out.data[start..])?;
        let mut end = start;
        for &(duration, size) in &run.samples {
            end += size as usize;
            out.ends.push(end);
            *next_time += u64::from(duration);
        }
    }
    Ok(true)
}

/// The track id and pre-skip of a stereo Opus track whose edit list cuts exactly the pre-skip.
fn our_opus_track(t: &Track) -> Option<(u32, u32)> {
    let (kind, body) = t.entry.config.as_ref()?;
    // dOps: version, channels, pre-skip, input rate, gain, mapping family.
    let ours = t.kind == TrackKind::Audio
        && &t.entry.fourcc == b"Opus"
        && kind == b"dOps"
        && t.timescale == 48_000
        && body.len() >= 11
        && body[1] == 2
        && body[10] == 0;
    let pre_skip = u32::from(u16::from_be_bytes([*body.get(2)?, *body.get(3)?]));
    let edit_cuts_pre_skip =
        matches!(t.edits.as_slice(), [e] if e.media_time == i64::from(pre_skip));
    (ours && edit_cuts_pre_skip).then_some((t.id, pre_skip))
}

/// One `trun` of the audio track: where its samples start (from the `moof`), and each sample's
/// duration and size.
struct AudioRun {
    base_decode_time: u64,
    data_offset: i32,
    samples: Vec<(u32, u32)>,
}

/// The runs of track `id` in a `moof` body, as `fmp4::fragment_header` writes them (base is
/// the `moof`, a `tfdt`, each sample's duration and size in the `trun`).
fn audio_runs(moof: &[u8], id: u32) -> Result<Vec<AudioRun>, MediaError> {
    let mut runs = Vec::new();
    for traf in children(moof) {
        let traf = traf?;
        if &traf.kind != b"traf" {
            continue;
        }
        let tfhd =
            find(traf.body, b"tfhd")?.ok_or_else(|| MediaError::malformed(C, "no 'tfhd'"))?;
        let mut c = Cursor::new(tfhd.body, C);
        let flags = c.u32()? & 0xff_ffff;
        if c.u32()? != id {
            continue;
        }
        // Only "default-base-is-moof" and nothing else, as we write it.
        if flags != 0x02_0000 {
            return Err(MediaError::malformed(C, "an unexpected 'tfhd'"));
        }
        let tfdt =
            find(traf.body, b"tfdt")?.ok_or_else(|| MediaError::malformed(C, "no 'tfdt'"))?;
        let mut c = Cursor::new(tfdt.body, C);
        let version = c.u8()?;
        c.skip(3)?; // flags
        let base_decode_time = if version == 1 {
            c.u64()?
        } else {
            u64::from(c.u32()?)
        };
        let trun =
            find(traf.body, b"trun")?.ok_or_else(|| MediaError::malformed(C, "no 'trun'"))?;
        let mut c = Cursor::new(trun.body, C);
        let flags = c.u32()? & 0xff_ffff;
        // Data offset, and per sample: duration, size, optionally flags and composition offset.
        if flags & 0x301 != 0x301 || flags & 0x4 != 0 {
            return Err(MediaError::malformed(C, "an unexpected 'trun'"));
        }
        let count = c.u32()?;
        let data_offset = c.i32()?;
        let extra = 4 * (usize::from(flags & 0x400 != 0) + usize::from(flags & 0x800 != 0));
        let mut samples = Vec::new();
        for _ in 0..count {
            let duration = c.u32()?;
            let size = c.u32()?;
            c.skip(extra)?;
            samples.push((duration, size));
        }
        runs.push(AudioRun {
            base_decode_time,
            data_offset,
            samples,
        });
    }
    Ok(runs)
}

/// The type, header length and whole size of the top-level box at `pos`.
fn box_header(file: &mut File, pos: u64, len: u64) -> Result<([u8; 4], u64, u64), MediaError> {
    let mut h = [0u8; 8];
    file.seek(SeekFrom::Start(pos))?;
    file.read_exact(&mut h)?;
    let kind = [h[4], h[5], h[6], h[7]];
    let (header, size) = match u32::from_be_bytes([h[0], h[1], h[2], h[3]]) {
        0 => (8, len - pos),
        1 => {
            let mut b = [0u8; 8];
            file.read_exact(&mut b)?;
            (16, u64::from_be_bytes(b))
        }
        s => (8, u64::from(s)),
    };
    if size < header || size > len - pos {
        return Err(MediaError::Truncated(format!(
            "a box runs past the end of the {C}"
        )));
    }
    Ok((kind, header, size))
}

fn read_body(file: &mut File, at: u64, len: u64) -> Result<Vec<u8>, MediaError> {
    let mut body = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(&mut body)?;
    Ok(body)
}
