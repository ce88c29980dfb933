//! Helpers shared by the media integration tests: fixture paths, a tiny fragmented-MP4 reader to
//! check remux output independently of the code under test, and an optional ffprobe.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod cover;
pub mod progressive;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name)
}

fn be32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(d[at..at + 4].try_into().unwrap())
}

fn be64(d: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(d[at..at + 8].try_into().unwrap())
}

/// Top-level boxes: (type, offset, size).
pub fn top_boxes(d: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut p = 0;
    while p + 8 <= d.len() {
        let size = be32(d, p) as usize;
        let kind: [u8; 4] = d[p + 4..p + 8].try_into().unwrap();
        assert!(size >= 8 && p + size <= d.len(), "bad top-level box at {p}");
        out.push((kind, p, size));
        p += size;
    }
    assert_eq!(p, d.len(), "trailing bytes after the last box");
    out
}

/// Children of a box body.
pub fn child_boxes(d: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut p = 0;
    while p + 8 <= d.len() {
        let size = be32(d, p) as usize;
        let kind: [u8; 4] = d[p + 4..p + 8].try_into().unwrap();
        assert!(size >= 8 && p + size <= d.len());
        out.push((kind, &d[p + 8..p + size]));
        p += size;
    }
    out
}

#[derive(Debug, Clone)]
pub struct RunSample {
    pub duration: u32,
    pub size: u32,
    pub flags: u32,
    pub cts: i32,
}

#[derive(Debug, Clone)]
pub struct Traf {
    pub track_id: u32,
    pub base: u64,
    pub data_offset: i32,
    pub samples: Vec<RunSample>,
}

#[derive(Debug, Clone)]
pub struct Fragment {
    pub offset: usize,
    pub moof_size: usize,
    pub mdat_size: usize,
    pub trafs: Vec<Traf>,
}

impl Fragment {
    pub fn traf(&self, id: u32) -> Option<&Traf> {
        self.trafs.iter().find(|t| t.track_id == id)
    }
}

/// Parses every `moof` + `mdat` pair of a fragmented MP4.
pub fn fragments(d: &[u8]) -> Vec<Fragment> {
    let boxes = top_boxes(d);
    let mut out = Vec::new();
    for (i, (kind, off, size)) in boxes.iter().enumerate() {
        if kind != b"moof" {
            continue;
        }
        let (next_kind, _, mdat_size) = boxes[i + 1];
        assert_eq!(&next_kind, b"mdat", "moof not followed by mdat");
        let mut trafs = Vec::new();
        for (k, body) in child_boxes(&d[off + 8..off + size]) {
            if &k != b"traf" {
                continue;
            }
            let mut t = Traf {
                track_id: 0,
                base: 0,
                data_offset: 0,
                samples: vec![],
            };
            for (k, b) in child_boxes(body) {
                match &k {
                    b"tfhd" => t.track_id = be32(b, 4),
                    b"tfdt" => {
                        t.base = if b[0] == 1 {
                            be64(b, 4)
                        } else {
                            u64::from(be32(b, 4))
                        }
                    }
                    b"trun" => {
                        let flags = be32(b, 0) & 0xff_ffff;
                        let n = be32(b, 4) as usize;
                        let mut p = 8;
                        if flags & 1 != 0 {
                            t.data_offset = be32(b, p) as i32;
                            p += 4;
                        }
                        assert_eq!(flags & 4, 0, "first-sample-flags not expected");
                        for _ in 0..n {
                            let mut s = RunSample {
                                duration: 0,
                                size: 0,
                                flags: 0,
                                cts: 0,
                            };
                            for (bit, field) in [(0x100, 0), (0x200, 1), (0x400, 2), (0x800, 3)] {
                                if flags & bit != 0 {
                                    let v = be32(b, p);
                                    p += 4;
                                    match field {
                                        0 => s.duration = v,
                                        1 => s.size = v,
                                        2 => s.flags = v,
                                        _ => s.cts = v as i32,
                                    }
                                }
                            }
                            t.samples.push(s);
                        }
                    }
                    _ => {}
                }
            }
            trafs.push(t);
        }
        out.push(Fragment {
            offset: *off,
            moof_size: *size,
            mdat_size,
            trafs,
        });
    }
    out
}

/// The payload of every sample of track `id` in a fragmented MP4, in order.
pub fn track_payloads(d: &[u8], id: u32) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in fragments(d) {
        let Some(t) = f.traf(id) else { continue };
        let mut at = f.offset + t.data_offset as usize;
        for s in &t.samples {
            out.push(d[at..at + s.size as usize].to_vec());
            at += s.size as usize;
        }
    }
    out
}

/// (duration, byte length, byte offset) of each segment in a byte-range media playlist, plus the
/// init segment's (length, offset).
pub type PlaylistSegments = Vec<(f64, u64, u64)>;

pub fn parse_media_playlist(text: &str) -> ((u64, u64), PlaylistSegments) {
    let mut init = (0, 0);
    let mut segs = Vec::new();
    let mut dur = None;
    assert!(text.starts_with("#EXTM3U"));
    assert!(text.trim_end().ends_with("#EXT-X-ENDLIST"));
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("#EXT-X-MAP:") {
            let br = rest
                .split("BYTERANGE=\"")
                .nth(1)
                .unwrap()
                .trim_end_matches('"');
            let (l, o) = br.split_once('@').unwrap();
            init = (l.parse().unwrap(), o.parse().unwrap());
        } else if let Some(rest) = line.strip_prefix("#EXTINF:") {
            dur = Some(rest.trim_end_matches(',').parse::<f64>().unwrap());
        } else if let Some(rest) = line.strip_prefix("#EXT-X-BYTERANGE:") {
            let (l, o) = rest.split_once('@').unwrap();
            segs.push((dur.take().unwrap(), l.parse().unwrap(), o.parse().unwrap()));
        }
    }
    (init, segs)
}

/// Runs ffprobe with `args` on `file` when it is installed; `None` (with a note) otherwise.
pub fn ffprobe(args: &[&str], file: &Path) -> Option<String> {
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .arg(file)
        .output();
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!(
            "ffprobe failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            eprintln!("ffprobe not on PATH: skipping the extra ffprobe check");
            None
        }
    }
}

/// The first `frames` frames of `file` decoded by ffmpeg, as packed 8-bit 4:2:0 planes one
/// frame after another, when ffmpeg is installed; `None` (with a note) otherwise.
pub fn ffmpeg_frames(file: &Path, frames: usize) -> Option<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-frames:v", &frames.to_string()])
        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
        .output();
    match out {
        Ok(o) if o.status.success() => Some(o.stdout),
        Ok(o) => panic!(
            "ffmpeg failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            eprintln!("ffmpeg not on PATH: skipping the comparison with its decoder");
            None
        }
    }
}

/// Deterministic xorshift generator for mutation tests (no extra dependency, reproducible).
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Damages 1 to 4 samples of `stream` the way a broken upload is damaged: a flipped bit, a run
/// of overwritten bytes near the start, or a cut-off sample.
pub fn corrupt(stream: &mut [Vec<u8>], rng: &mut XorShift) {
    for _ in 0..1 + rng.below(4) {
        let s = rng.below(stream.len());
        let d = &mut stream[s];
        match rng.below(3) {
            0 => {
                let at = rng.below(d.len());
                d[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(d.len().min(64));
                for b in d.iter_mut().skip(at).take(1 + rng.below(16)) {
                    *b = rng.next() as u8;
                }
            }
            _ => d.truncate(rng.below(d.len())),
        }
    }
}

/// Decodes a whole AV1 stream (samples in decode order) as the server does, in a worker process
/// of the `kinora` binary under test.
pub fn decode_av1_in_worker(
    config: &[u8],
    stream: &[Vec<u8>],
    threads: usize,
) -> Result<Vec<(i64, kinora::media::picture::Picture)>, kinora::media::MediaError> {
    use kinora::media::decode::VideoDecoder;
    let exe = Path::new(env!("CARGO_BIN_EXE_kinora"));
    let mut dec =
        kinora::media::decode::av1_child::Av1ChildDecoder::new(exe, config, threads, 4096 * 4096)?;
    let mut out = Vec::new();
    for (i, s) in stream.iter().enumerate() {
        out.extend(dec.send(s, i == 0, i as i64)?);
    }
    out.extend(dec.finish()?);
    Ok(out)
}

/// A copy of `short.mp4` (50 pictures, keyframes at 0 and 25) whose samples `damaged` carry a
/// NAL length that runs past the sample, as a damaged upload may.
pub fn damaged_short(damaged: impl Fn(usize, bool) -> bool) -> tempfile::NamedTempFile {
    let src = fixture("short.mp4");
    let inp = kinora::media::transcode::input::open(&src, &kinora::media::ProbeLimits::default())
        .unwrap();
    let mut bytes = std::fs::read(&src).unwrap();
    for (i, s) in inp.video.samples.iter().enumerate() {
        if damaged(i, s.sync) {
            let at = s.offset as usize;
            bytes[at..at + 4].copy_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
        }
    }
    let file = tempfile::Builder::new().suffix(".mp4").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    file
}
