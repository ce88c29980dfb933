//! CMAF fragmented MP4: the init segment (`ftyp` + `moov` with `mvex`) and one `moof` + `mdat`
//! fragment per HLS segment. Codec-agnostic: the sample entry arrives ready-made, so the remuxer
//! (which copies the source's) and an encoder (which builds `av01`/`Opus`) share this writer.

use super::boxwriter::BoxWriter;

/// Identity display matrix.
pub const IDENTITY: [i32; 9] = [0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutKind {
    Video,
    Audio,
}

/// One track of the output file.
#[derive(Debug, Clone)]
pub struct TrackSpec {
    pub id: u32,
    pub kind: OutKind,
    pub timescale: u32,
    /// The complete sample entry box (`avc1`, `mp4a`, `av01`, `Opus` ...).
    pub sample_entry: Vec<u8>,
    /// Presentation size (video), before the matrix is applied.
    pub width: u32,
    pub height: u32,
    pub matrix: [i32; 9],
    /// ISO 639-2/T packed language, 0 for undetermined.
    pub language: u16,
    /// Media time where presentation starts (encoder priming), written as a one-entry edit list.
    pub edit_media_time: Option<u64>,
    /// Track duration in its own timescale, for the headers (players read durations there).
    pub duration: u64,
}

/// Movie timescale for `mvhd`/`tkhd`/`elst` durations.
const MOVIE_TIMESCALE: u32 = 1000;

fn to_movie(duration: u64, timescale: u32) -> u64 {
    (u128::from(duration) * u128::from(MOVIE_TIMESCALE) / u128::from(timescale.max(1))) as u64
}

/// Writes `ftyp` and `moov` for the given tracks.
pub fn init_segment(tracks: &[TrackSpec]) -> Vec<u8> {
    let mut w = BoxWriter::new();
    w.begin(b"ftyp");
    w.bytes(b"iso6");
    w.u32(0);
    for brand in [b"iso6", b"cmfc", b"iso5", b"mp41"] {
        w.bytes(brand);
    }
    w.end();

    let movie_duration = tracks
        .iter()
        .map(|t| to_movie(t.duration, t.timescale))
        .max()
        .unwrap_or(0);
    w.begin(b"moov");
    w.begin_full(b"mvhd", 1, 0);
    w.u64(0);
    w.u64(0);
    w.u32(MOVIE_TIMESCALE);
    w.u64(movie_duration);
    w.u32(0x0001_0000); // rate 1.0
    w.u16(0x0100); // volume 1.0
    w.zeros(10);
    for m in IDENTITY {
        w.i32(m);
    }
    w.zeros(24);
    w.u32(tracks.iter().map(|t| t.id).max().unwrap_or(0) + 1);
    w.end();
    for t in tracks {
        trak(&mut w, t);
    }
    w.begin(b"mvex");
    w.begin_full(b"mehd", 1, 0);
    w.u64(movie_duration);
    w.end();
    for t in tracks {
        w.begin_full(b"trex", 0, 0);
        w.u32(t.id);
        w.u32(1);
        w.u32(0);
        w.u32(0);
        w.u32(0);
        w.end();
    }
    w.end();
    w.end();
    w.buf
}

fn trak(w: &mut BoxWriter, t: &TrackSpec) {
    let duration = to_movie(t.duration, t.timescale);
    w.begin(b"trak");
    w.begin_full(b"tkhd", 1, 0x3); // enabled, in movie
    w.u64(0);
    w.u64(0);
    w.u32(t.id);
    w.u32(0);
    w.u64(duration);
    w.zeros(8);
    w.u16(0); // layer
    w.u16(0); // alternate group
    w.u16(if t.kind == OutKind::Audio { 0x0100 } else { 0 });
    w.u16(0);
    for m in t.matrix {
        w.i32(m);
    }
    w.u32(t.width << 16);
    w.u32(t.height << 16);
    w.end();
    if let Some(media_time) = t.edit_media_time {
        w.begin(b"edts");
        w.begin_full(b"elst", 1, 0);
        w.u32(1);
        w.u64(duration.saturating_sub(to_movie(media_time, t.timescale)));
        w.u64(media_time);
        w.u32(0x0001_0000);
        w.end();
        w.end();
    }
    w.begin(b"mdia");
    w.begin_full(b"mdhd", 1, 0);
    w.u64(0);
    w.u64(0);
    w.u32(t.timescale);
    w.u64(t.duration);
    w.u16(t.language);
    w.u16(0);
    w.end();
    w.begin_full(b"hdlr", 0, 0);
    w.u32(0);
    let (handler, name): (&[u8; 4], &[u8]) = match t.kind {
        OutKind::Video => (b"vide", b"VideoHandler\0"),
        OutKind::Audio => (b"soun", b"SoundHandler\0"),
    };
    w.bytes(handler);
    w.zeros(12);
    w.bytes(name);
    w.end();
    w.begin(b"minf");
    match t.kind {
        OutKind::Video => {
            w.begin_full(b"vmhd", 0, 1);
            w.zeros(8);
            w.end();
        }
        OutKind::Audio => {
            w.begin_full(b"smhd", 0, 0);
            w.zeros(4);
            w.end();
        }
    }
    w.begin(b"dinf");
    w.begin_full(b"dref", 0, 0);
    w.u32(1);
    w.begin_full(b"url ", 0, 1);
    w.end();
    w.end();
    w.end();
    w.begin(b"stbl");
    w.begin_full(b"stsd", 0, 0);
    w.u32(1);
    w.bytes(&t.sample_entry);
    w.end();
    for kind in [b"stts", b"stsc", b"stco"] {
        w.begin_full(kind, 0, 0);
        w.u32(0);
        w.end();
    }
    w.begin_full(b"stsz", 0, 0);
    w.u32(0);
    w.u32(0);
    w.end();
    w.end(); // stbl
    w.end(); // minf
    w.end(); // mdia
    w.end(); // trak
}

/// One sample as a fragment describes it.
#[derive(Debug, Clone, Copy)]
pub struct FragSample {
    pub size: u32,
    pub duration: u32,
    /// Presentation minus decode time; may be negative (version 1 `trun`).
    pub cts_offset: i32,
    pub sync: bool,
}

/// One track's run inside a fragment.
pub struct TrackRun<'a> {
    pub track_id: u32,
    pub base_decode_time: u64,
    pub samples: &'a [FragSample],
    pub kind: OutKind,
}

const FLAGS_SYNC: u32 = 0x0200_0000; // depends on nothing
const FLAGS_NON_SYNC: u32 = 0x0101_0000; // depends on others, is a non-sync sample

/// Builds `moof` and the `mdat` header for a fragment whose `mdat` payload is the runs' samples
/// in order. Returns the bytes to write before the payload; the payload is streamed by the caller.
pub fn fragment_header(sequence: u32, runs: &[TrackRun<'_>]) -> Vec<u8> {
    let mut w = BoxWriter::new();
    w.begin(b"moof");
    w.begin_full(b"mfhd", 0, 0);
    w.u32(sequence);
    w.end();
    let mut offset_slots = Vec::new();
    for run in runs {
        w.begin(b"traf");
        w.begin_full(b"tfhd", 0, 0x02_0000); // default-base-is-moof
        w.u32(run.track_id);
        w.end();
        w.begin_full(b"tfdt", 1, 0);
        w.u64(run.base_decode_time);
        w.end();
        let with_cts = run.kind == OutKind::Video;
        // data offset, duration, size, flags, and composition offsets for video.
        let flags = 0x1 | 0x100 | 0x200 | 0x400 | if with_cts { 0x800 } else { 0 };
        w.begin_full(b"trun", 1, flags);
        w.u32(run.samples.len() as u32);
        offset_slots.push(w.len());
        w.i32(0);
        for s in run.samples {
            w.u32(s.duration);
            w.u32(s.size);
            w.u32(if s.sync || run.kind == OutKind::Audio {
                FLAGS_SYNC
            } else {
                FLAGS_NON_SYNC
            });
            if with_cts {
                w.i32(s.cts_offset);
            }
        }
        w.end();
        w.end();
    }
    w.end();
    let moof_len = w.len();
    let payload: u64 = runs
        .iter()
        .flat_map(|r| r.samples.iter())
        .map(|s| u64::from(s.size))
        .sum();
    // Patch data offsets: relative to the start of moof, pointing into the mdat payload.
    let mut data_offset = moof_len as u64 + 8;
    for (slot, run) in offset_slots.iter().zip(runs) {
        let v = i32::try_from(data_offset).unwrap_or(i32::MAX);
        w.buf[*slot..*slot + 4].copy_from_slice(&v.to_be_bytes());
        data_offset += run.samples.iter().map(|s| u64::from(s.size)).sum::<u64>();
    }
    // mdat larger than 4 GiB would need a 64-bit header; a 4 s segment never is.
    w.u32(u32::try_from(payload + 8).unwrap_or(u32::MAX));
    w.bytes(b"mdat");
    w.buf
}
