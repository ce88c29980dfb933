//! Turning a video track of Kinora's fragmented MP4 output back into a plain (progressive) MP4,
//! so an AV1 rendition made by our own encoder can be fed to the transcoder as an upload.
//! Written here, independently of the code under test, from ISO 14496-12's box layouts.

use super::{child_boxes, fragments, top_boxes};

/// One video sample: its bytes, whether it is a sync sample, and its duration in ticks.
pub struct TrackSample {
    pub data: Vec<u8>,
    pub sync: bool,
    pub duration: u32,
}

/// The samples of `track_id` in a fragmented MP4 (`default-base-is-moof` offsets).
pub fn track_samples(file: &[u8], track_id: u32) -> Vec<TrackSample> {
    let mut out = Vec::new();
    for f in fragments(file) {
        let Some(t) = f.traf(track_id) else { continue };
        let mut at = f.offset + t.data_offset as usize;
        for s in &t.samples {
            out.push(TrackSample {
                data: file[at..at + s.size as usize].to_vec(),
                sync: s.flags & 0x0001_0000 == 0,
                duration: s.duration,
            });
            at += s.size as usize;
        }
    }
    out
}

/// The first sample entry (whole box) and the media timescale of track `track_id` in the
/// `moov` of `file`.
pub fn sample_entry(file: &[u8], track_id: u32) -> (Vec<u8>, u32) {
    let (_, off, size) = top_boxes(file)
        .into_iter()
        .find(|b| &b.0 == b"moov")
        .expect("a moov box");
    for (k, trak) in child_boxes(&file[off + 8..off + size]) {
        if &k != b"trak" {
            continue;
        }
        let find = |body: &[u8], kind: &[u8; 4]| -> Vec<u8> {
            child_boxes(body)
                .into_iter()
                .find(|(k, _)| k == kind)
                .map(|(_, b)| b.to_vec())
                .unwrap_or_else(|| panic!("no {}", String::from_utf8_lossy(kind)))
        };
        let tkhd = find(trak, b"tkhd");
        let id_at = if tkhd[0] == 1 { 20 } else { 12 };
        if u32::from_be_bytes(tkhd[id_at..id_at + 4].try_into().unwrap()) != track_id {
            continue;
        }
        let mdia = find(trak, b"mdia");
        let mdhd = find(&mdia, b"mdhd");
        let ts_at = if mdhd[0] == 1 { 20 } else { 12 };
        let timescale = u32::from_be_bytes(mdhd[ts_at..ts_at + 4].try_into().unwrap());
        let stsd = find(&find(&find(&mdia, b"minf"), b"stbl"), b"stsd");
        let entry = &stsd[8..];
        let len = u32::from_be_bytes(entry[..4].try_into().unwrap()) as usize;
        return (entry[..len].to_vec(), timescale);
    }
    panic!("no track {track_id}");
}

fn boxed(kind: &[u8; 4], parts: &[&[u8]]) -> Vec<u8> {
    let body: Vec<u8> = parts.concat();
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(&body);
    out
}

fn full(kind: &[u8; 4], flags: u32, parts: &[&[u8]]) -> Vec<u8> {
    let vf = flags.to_be_bytes();
    let mut all: Vec<&[u8]> = vec![&vf];
    all.extend_from_slice(parts);
    boxed(kind, &all)
}

fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

const MATRIX: [u32; 9] = [0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000];

/// A progressive MP4 (moov first, one chunk in one mdat) holding one video track.
pub fn progressive_mp4(
    entry: &[u8],
    width: u32,
    height: u32,
    timescale: u32,
    samples: &[TrackSample],
) -> Vec<u8> {
    let duration: u32 = samples.iter().map(|s| s.duration).sum();
    let matrix: Vec<u8> = MATRIX.iter().flat_map(|v| v.to_be_bytes()).collect();
    let build = |mdat_data_at: u32| -> Vec<u8> {
        let mvhd = full(
            b"mvhd",
            0,
            &[
                &be(0),
                &be(0),
                &be(timescale),
                &be(duration),
                &be(0x1_0000),
                &[1, 0, 0, 0],
                &[0; 8],
                &matrix,
                &[0; 24],
                &be(2),
            ],
        );
        let tkhd = full(
            b"tkhd",
            3,
            &[
                &be(0),
                &be(0),
                &be(1),
                &be(0),
                &be(duration),
                &[0; 8],
                &[0; 8],
                &matrix,
                &be(width << 16),
                &be(height << 16),
            ],
        );
        let mdhd = full(
            b"mdhd",
            0,
            &[
                &be(0),
                &be(0),
                &be(timescale),
                &be(duration),
                &[0x55, 0xc4, 0, 0],
            ],
        );
        let hdlr = full(b"hdlr", 0, &[&be(0), b"vide", &[0; 12], b"video\0"]);
        let vmhd = full(b"vmhd", 1, &[&[0; 8]]);
        let dinf = boxed(
            b"dinf",
            &[&full(b"dref", 0, &[&be(1), &full(b"url ", 1, &[])])],
        );
        let stsd = full(b"stsd", 0, &[&be(1), entry]);
        let stts_body: Vec<u8> = samples
            .iter()
            .flat_map(|s| [be(1), be(s.duration)].concat())
            .collect();
        let stts = full(b"stts", 0, &[&be(samples.len() as u32), &stts_body]);
        let syncs: Vec<u8> = (0..samples.len())
            .filter(|&i| samples[i].sync)
            .flat_map(|i| be(i as u32 + 1))
            .collect();
        let stss = full(b"stss", 0, &[&be((syncs.len() / 4) as u32), &syncs]);
        let sizes: Vec<u8> = samples
            .iter()
            .flat_map(|s| be(s.data.len() as u32))
            .collect();
        let stsz = full(b"stsz", 0, &[&be(0), &be(samples.len() as u32), &sizes]);
        let stsc = full(
            b"stsc",
            0,
            &[&be(1), &be(1), &be(samples.len() as u32), &be(1)],
        );
        let stco = full(b"stco", 0, &[&be(1), &be(mdat_data_at)]);
        let stbl = boxed(b"stbl", &[&stsd, &stts, &stss, &stsz, &stsc, &stco]);
        let minf = boxed(b"minf", &[&vmhd, &dinf, &stbl]);
        let mdia = boxed(b"mdia", &[&mdhd, &hdlr, &minf]);
        let trak = boxed(b"trak", &[&tkhd, &mdia]);
        let moov = boxed(b"moov", &[&mvhd, &trak]);
        let ftyp = boxed(b"ftyp", &[b"isom", &be(0x200), b"isomav01mp41"]);
        [ftyp, moov].concat()
    };
    // The header's length does not depend on the offset it holds: build it twice.
    let head_len = build(0).len() as u32;
    let media: Vec<u8> = samples.iter().flat_map(|s| s.data.clone()).collect();
    let mdat = boxed(b"mdat", &[&media]);
    [build(head_len + 8), mdat].concat()
}
