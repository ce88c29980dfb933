//! The `moov` index: movie header, tracks with their headers, edit lists and raw sample tables.

use super::boxes::{BoxRef, FourCc, children, find, find_path, fourcc_str};
use super::sample_entry::{SampleEntry, parse_stsd};
use crate::media::MediaError;
use crate::media::bytes::Cursor;

const C: &str = "MP4";

/// A cap on table entries, far above any real file (24 h at 240 fps is 20.7 M samples).
pub const MAX_TABLE_ENTRIES: u32 = 25_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Video,
    Audio,
    Other,
}

/// One entry of an edit list, in movie timescale (`duration`) and media timescale (`media_time`).
#[derive(Debug, Clone, Copy)]
pub struct Edit {
    pub duration: u64,
    /// -1 marks an empty edit (a delay before the track starts).
    pub media_time: i64,
}

/// The raw sample tables of a track, as stored; `samples::expand_samples` turns them into samples.
#[derive(Debug, Clone, Default)]
pub struct SampleTables {
    /// (count, delta)
    pub stts: Vec<(u32, u32)>,
    /// (count, offset); signed because version 1 `ctts` allows negative offsets.
    pub ctts: Vec<(u32, i64)>,
    /// 1-based sample numbers of sync samples; `None` means every sample is a sync sample.
    pub stss: Option<Vec<u32>>,
    pub sample_count: u32,
    /// Per-sample sizes, empty when `constant_size` is set.
    pub sizes: Vec<u32>,
    pub constant_size: u32,
    /// (first_chunk, samples_per_chunk, sample_description_index)
    pub stsc: Vec<(u32, u32, u32)>,
    pub chunk_offsets: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct Track {
    pub id: u32,
    pub kind: TrackKind,
    pub handler: FourCc,
    pub timescale: u32,
    pub media_duration: u64,
    pub language: Option<String>,
    /// The 3x3 display matrix from `tkhd` (a, b, u, c, d, v, x, y, w).
    pub matrix: [i32; 9],
    /// Presentation size from `tkhd`, 16.16 fixed point.
    pub tkhd_width: u32,
    pub tkhd_height: u32,
    pub edits: Vec<Edit>,
    pub entry: SampleEntry,
    pub tables: SampleTables,
}

impl Track {
    /// Clockwise rotation in degrees (0, 90, 180, 270) a player applies, read from the matrix.
    pub fn rotation(&self) -> u32 {
        let (a, b) = (f64::from(self.matrix[0]), f64::from(self.matrix[1]));
        if a == 0.0 && b == 0.0 {
            return 0;
        }
        let deg = b.atan2(a).to_degrees().round() as i64;
        // Snap to the nearest quarter turn: phones only write those.
        (((deg + 360 + 45) / 90 * 90) % 360) as u32
    }

    /// Where presentation starts in the media timeline, and the delay before it (movie timescale),
    /// from the edit list; (0, 0) when there is none.
    pub fn edit_start(&self) -> (i64, u64) {
        let mut delay = 0u64;
        for e in &self.edits {
            if e.media_time == -1 {
                delay = delay.saturating_add(e.duration);
            } else {
                return (e.media_time.max(0), delay);
            }
        }
        (0, delay)
    }
}

#[derive(Debug, Clone)]
pub struct Movie {
    pub timescale: u32,
    pub duration: u64,
    pub tracks: Vec<Track>,
}

impl Movie {
    pub fn duration_seconds(&self) -> Option<f64> {
        (self.timescale > 0 && self.duration > 0 && self.duration != u64::from(u32::MAX))
            .then(|| self.duration as f64 / f64::from(self.timescale))
    }
}

fn full_box(c: &mut Cursor<'_>) -> Result<(u8, u32), MediaError> {
    let v = c.u8()?;
    let flags = c.u24()?;
    Ok((v, flags))
}

/// Parses the body of `moov`.
pub fn parse_moov(moov: &[u8]) -> Result<Movie, MediaError> {
    let mvhd = find(moov, b"mvhd")?.ok_or_else(|| MediaError::malformed(C, "no 'mvhd' box"))?;
    let mut c = Cursor::new(mvhd.body, C);
    let (v, _) = full_box(&mut c)?;
    let (timescale, duration) = if v == 1 {
        c.skip(16)?;
        (c.u32()?, c.u64()?)
    } else {
        c.skip(8)?;
        (c.u32()?, u64::from(c.u32()?))
    };
    let mut tracks = Vec::new();
    for b in children(moov) {
        let b = b?;
        if &b.kind == b"trak" {
            tracks.push(parse_trak(b)?);
        }
    }
    Ok(Movie {
        timescale,
        duration,
        tracks,
    })
}

fn parse_trak(trak: BoxRef<'_>) -> Result<Track, MediaError> {
    let tkhd = find(trak.body, b"tkhd")?
        .ok_or_else(|| MediaError::malformed(C, "track without 'tkhd'"))?;
    let mut c = Cursor::new(tkhd.body, C);
    let (v, _) = full_box(&mut c)?;
    let id = if v == 1 {
        c.skip(16)?;
        let id = c.u32()?;
        c.skip(4 + 8)?;
        id
    } else {
        c.skip(8)?;
        let id = c.u32()?;
        c.skip(4 + 4)?;
        id
    };
    c.skip(8 + 2 + 2 + 2 + 2)?;
    let mut matrix = [0i32; 9];
    for m in &mut matrix {
        *m = c.i32()?;
    }
    let tkhd_width = c.u32()?;
    let tkhd_height = c.u32()?;

    let mut edits = Vec::new();
    if let Some(elst) = find_path(trak.body, &[b"edts", b"elst"])? {
        let mut c = Cursor::new(elst.body, C);
        let (v, _) = full_box(&mut c)?;
        let n = c.u32()?;
        for _ in 0..n.min(1024) {
            let (duration, media_time) = if v == 1 {
                (c.u64()?, c.i64()?)
            } else {
                (u64::from(c.u32()?), i64::from(c.i32()?))
            };
            c.skip(4)?; // media rate
            edits.push(Edit {
                duration,
                media_time,
            });
        }
    }

    let mdia = find(trak.body, b"mdia")?
        .ok_or_else(|| MediaError::malformed(C, "track without 'mdia'"))?;
    let mdhd = find(mdia.body, b"mdhd")?
        .ok_or_else(|| MediaError::malformed(C, "track without 'mdhd'"))?;
    let mut c = Cursor::new(mdhd.body, C);
    let (v, _) = full_box(&mut c)?;
    let (timescale, media_duration) = if v == 1 {
        c.skip(16)?;
        (c.u32()?, c.u64()?)
    } else {
        c.skip(8)?;
        (c.u32()?, u64::from(c.u32()?))
    };
    let lang = c.u16()?;
    let language = decode_language(lang);
    if timescale == 0 {
        return Err(MediaError::malformed(
            C,
            format!("track {id} has timescale 0"),
        ));
    }

    let hdlr = find(mdia.body, b"hdlr")?
        .ok_or_else(|| MediaError::malformed(C, "track without 'hdlr'"))?;
    let mut c = Cursor::new(hdlr.body, C);
    c.skip(8)?;
    let handler = c.fourcc()?;
    let kind = match &handler {
        b"vide" => TrackKind::Video,
        b"soun" => TrackKind::Audio,
        _ => TrackKind::Other,
    };

    let stbl = find_path(mdia.body, &[b"minf", b"stbl"])?
        .ok_or_else(|| MediaError::malformed(C, format!("track {id} has no sample table")))?;
    let stsd = find(stbl.body, b"stsd")?
        .ok_or_else(|| MediaError::malformed(C, format!("track {id} has no 'stsd'")))?;
    let entry = parse_stsd(stsd.body, kind)?;
    let tables = parse_tables(stbl.body)?;
    Ok(Track {
        id,
        kind,
        handler,
        timescale,
        media_duration,
        language,
        matrix,
        tkhd_width,
        tkhd_height,
        edits,
        entry,
        tables,
    })
}

fn decode_language(code: u16) -> Option<String> {
    if code == 0 || code == 0x7fff {
        return None;
    }
    let s: String = [(code >> 10) & 31, (code >> 5) & 31, code & 31]
        .iter()
        .map(|&c| char::from(b'`' + c as u8))
        .collect();
    (s != "und" && s.chars().all(|c| c.is_ascii_lowercase())).then_some(s)
}

/// Reads an entry count and checks that `count * entry_size` bytes really follow, before allocating.
fn counted(c: &mut Cursor<'_>, entry_size: usize, what: &FourCc) -> Result<usize, MediaError> {
    let n = c.u32()?;
    if n > MAX_TABLE_ENTRIES || (n as usize).saturating_mul(entry_size) > c.remaining() {
        return Err(MediaError::malformed(
            C,
            format!(
                "'{}' claims {n} entries that do not fit in the box",
                fourcc_str(what)
            ),
        ));
    }
    Ok(n as usize)
}

fn parse_tables(stbl: &[u8]) -> Result<SampleTables, MediaError> {
    let mut t = SampleTables::default();
    for b in children(stbl) {
        let b = b?;
        let mut c = Cursor::new(b.body, C);
        match &b.kind {
            b"stts" => {
                full_box(&mut c)?;
                let n = counted(&mut c, 8, &b.kind)?;
                t.stts = (0..n)
                    .map(|_| Ok((c.u32()?, c.u32()?)))
                    .collect::<Result<_, MediaError>>()?;
            }
            b"ctts" => {
                let (v, _) = full_box(&mut c)?;
                let n = counted(&mut c, 8, &b.kind)?;
                t.ctts = (0..n)
                    .map(|_| {
                        let count = c.u32()?;
                        let raw = c.u32()?;
                        // Version 0 is unsigned by the spec, yet some muxers write negative values
                        // there too; reading as signed is what every player does.
                        let off = if v == 0 && raw > i32::MAX as u32 && raw < 0xF000_0000 {
                            i64::from(raw)
                        } else {
                            i64::from(raw as i32)
                        };
                        Ok((count, off))
                    })
                    .collect::<Result<_, MediaError>>()?;
            }
            b"stss" => {
                full_box(&mut c)?;
                let n = counted(&mut c, 4, &b.kind)?;
                t.stss = Some((0..n).map(|_| c.u32()).collect::<Result<_, _>>()?);
            }
            b"stsz" => {
                full_box(&mut c)?;
                t.constant_size = c.u32()?;
                let n = c.u32()?;
                if n > MAX_TABLE_ENTRIES {
                    return Err(MediaError::malformed(
                        C,
                        format!("'stsz' claims {n} samples"),
                    ));
                }
                t.sample_count = n;
                if t.constant_size == 0 {
                    if (n as usize).saturating_mul(4) > c.remaining() {
                        return Err(MediaError::malformed(
                            C,
                            "'stsz' is shorter than its sample count",
                        ));
                    }
                    t.sizes = (0..n).map(|_| c.u32()).collect::<Result<_, _>>()?;
                }
            }
            b"stz2" => {
                full_box(&mut c)?;
                c.skip(3)?;
                let field = c.u8()?;
                let n = c.u32()?;
                let need = (n as usize).saturating_mul(usize::from(field)).div_ceil(8);
                if n > MAX_TABLE_ENTRIES || !matches!(field, 4 | 8 | 16) || need > c.remaining() {
                    return Err(MediaError::malformed(C, "bad 'stz2' box"));
                }
                t.sample_count = n;
                let data = c.take(need)?;
                t.sizes = (0..n as usize)
                    .map(|i| match field {
                        4 => u32::from(if i % 2 == 0 {
                            data[i / 2] >> 4
                        } else {
                            data[i / 2] & 15
                        }),
                        8 => u32::from(data[i]),
                        _ => u32::from(u16::from_be_bytes([data[2 * i], data[2 * i + 1]])),
                    })
                    .collect();
            }
            b"stsc" => {
                full_box(&mut c)?;
                let n = counted(&mut c, 12, &b.kind)?;
                t.stsc = (0..n)
                    .map(|_| Ok((c.u32()?, c.u32()?, c.u32()?)))
                    .collect::<Result<_, MediaError>>()?;
            }
            b"stco" => {
                full_box(&mut c)?;
                let n = counted(&mut c, 4, &b.kind)?;
                t.chunk_offsets = (0..n)
                    .map(|_| c.u32().map(u64::from))
                    .collect::<Result<_, _>>()?;
            }
            b"co64" => {
                full_box(&mut c)?;
                let n = counted(&mut c, 8, &b.kind)?;
                t.chunk_offsets = (0..n).map(|_| c.u64()).collect::<Result<_, _>>()?;
            }
            _ => {}
        }
    }
    Ok(t)
}
