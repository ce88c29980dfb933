//! Decoded planes of any layout and bit depth (4:0:0, 4:2:0, 4:2:2, 4:4:4; 8 to 12 bits) turned
//! into the transcoder's 8-bit 4:2:0 [`Picture`]: chroma averaged down to half size in each
//! direction where it is fuller, then samples reduced to 8 bits with an ordered dither.

use crate::media::picture::{Picture, chroma_size};

/// How the chroma planes are subsampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Monochrome: no chroma planes.
    Yuv400,
    Yuv420,
    Yuv422,
    Yuv444,
}

impl Layout {
    /// The size of each chroma plane of a `w` x `h` picture (none for monochrome).
    pub fn chroma_size(self, w: u32, h: u32) -> (u32, u32) {
        match self {
            Layout::Yuv400 => (0, 0),
            Layout::Yuv420 => chroma_size(w, h),
            Layout::Yuv422 => (w.div_ceil(2), h),
            Layout::Yuv444 => (w, h),
        }
    }
}

/// One picture's planes as decoded: samples of `bits` bits each, tightly packed.
pub struct Planes {
    pub width: u32,
    pub height: u32,
    pub bits: u32,
    pub layout: Layout,
    pub y: Vec<u16>,
    pub u: Vec<u16>,
    pub v: Vec<u16>,
}

/// Averages `plane` (`w` x `h`) down to `nw` x `nh` where `nw` is `w` or about half of it (and
/// likewise `nh`); an odd last column or row averages what it has.
fn halve(plane: &[u16], w: u32, h: u32, nw: u32, nh: u32) -> Vec<u16> {
    if (w, h) == (nw, nh) {
        return plane.to_vec();
    }
    let (fx, fy) = (if nw < w { 2 } else { 1 }, if nh < h { 2 } else { 1 });
    let mut out = Vec::with_capacity((nw * nh) as usize);
    for y in 0..nh {
        for x in 0..nw {
            let (mut sum, mut n) = (0u32, 0u32);
            for sy in y * fy..((y + 1) * fy).min(h) {
                for sx in x * fx..((x + 1) * fx).min(w) {
                    sum += u32::from(plane[(sy * w + sx) as usize]);
                    n += 1;
                }
            }
            out.push(((sum + n / 2) / n.max(1)) as u16);
        }
    }
    out
}

/// A 4x4 Bayer matrix: each value 0..15 once in every 4x4 block, neighbours far apart.
const BAYER: [[u32; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];

/// `plane` (`w` samples a row) of `bits`-bit samples as 8-bit ones. Over 8 bits, an ordered
/// dither: the dropped low bits are compared with a threshold that varies over each 4x4 block,
/// so a block keeps the exact average of its samples (a smooth 10-bit gradient becomes a fine
/// pattern of neighbouring 8-bit values rather than visible bands). Plain rounding, as before,
/// turned every four 10-bit steps into one 8-bit step. Written here: the scalers and image
/// crates in use take 8-bit input, and this is a dozen lines.
fn to_8bit(plane: &[u16], w: u32, bits: u32) -> Vec<u8> {
    let shift = bits.saturating_sub(8);
    if shift == 0 {
        return plane.iter().map(|&s| s.min(255) as u8).collect();
    }
    let w = w.max(1) as usize;
    plane
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let threshold = (BAYER[(i / w) % 4][(i % w) % 4] << shift) >> 4;
            ((u32::from(s) + threshold) >> shift).min(255) as u8
        })
        .collect()
}

pub fn convert(p: &Planes) -> Picture {
    let (w, h) = (p.width, p.height);
    let (cw, ch) = chroma_size(w, h);
    let (u, v) = if p.layout == Layout::Yuv400 {
        // Neutral chroma makes monochrome a grey 4:2:0 picture.
        (vec![128; (cw * ch) as usize], vec![128; (cw * ch) as usize])
    } else {
        let (sw, sh) = p.layout.chroma_size(w, h);
        (
            to_8bit(&halve(&p.u, sw, sh, cw, ch), cw, p.bits),
            to_8bit(&halve(&p.v, sw, sh, cw, ch), cw, p.bits),
        )
    };
    Picture {
        width: w,
        height: h,
        y: to_8bit(&p.y, w, p.bits),
        u,
        v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_bit_444_becomes_8_bit_420() {
        // 3x2 luma; full-size chroma with one value per 2x2 block (and the odd column alone).
        let p = Planes {
            width: 3,
            height: 2,
            bits: 10,
            layout: Layout::Yuv444,
            y: vec![0, 4, 1020, 1023, 512, 2],
            u: vec![100, 104, 400, 108, 112, 400],
            v: vec![1023; 6],
        };
        let out = convert(&p);
        assert!(out.is_consistent());
        assert_eq!(out.y, [0, 1, 255, 255, 128, 1]);
        // (100+104+108+112)/4 = 106 -> 26.5: 26 at the dither's lowest threshold (the first
        // sample of a block); 400 -> 100.
        assert_eq!(out.u, [26, 100]);
        assert_eq!(out.v, [255, 255]);
    }

    /// Every 10-bit and 12-bit level keeps its exact average over a 4x4 block: a gradient
    /// whose steps are finer than 8 bits stays smooth on average instead of banding.
    #[test]
    fn dithering_keeps_each_blocks_average() {
        for (bits, levels) in [(10u32, 0..1020u32), (12, 0..4080)] {
            let scale = f64::from(1u32 << (bits - 8));
            for level in levels.step_by(7) {
                let out = to_8bit(&[level as u16; 16], 4, bits);
                let mean = out.iter().map(|&v| f64::from(v)).sum::<f64>() / 16.0;
                assert!(
                    (mean - f64::from(level) / scale).abs() < 1e-9,
                    "{bits}-bit {level}: mean {mean}"
                );
            }
        }
        // A 10-bit ramp of 1/4-step increments: rounding made runs of four equal values, the
        // dither makes each block's mean follow the ramp.
        let ramp: Vec<u16> = (0..64).flat_map(|_| 400..464u16).collect();
        let out = to_8bit(&ramp, 64, 10);
        let column_mean = |x: usize| (0..4).map(|y| f64::from(out[y * 64 + x])).sum::<f64>() / 4.0;
        let means: Vec<f64> = (0..64)
            .step_by(4)
            .map(|x| (x..x + 4).map(column_mean).sum::<f64>() / 4.0)
            .collect();
        for (i, m) in means.iter().enumerate() {
            let want = (400.0 + 4.0 * i as f64 + 1.5) / 4.0;
            assert!((m - want).abs() < 1e-9, "block {i}: {m} against {want}");
        }
    }

    #[test]
    fn chroma_422_is_halved_vertically_only() {
        let p = Planes {
            width: 4,
            height: 2,
            bits: 8,
            layout: Layout::Yuv422,
            y: vec![10; 8],
            u: vec![10, 20, 30, 40],
            v: vec![0, 0, 255, 255],
        };
        let out = convert(&p);
        assert_eq!(out.u, [20, 30]);
        assert_eq!(out.v, [128, 128]);
        assert_eq!(out.y, [10; 8]);
    }

    #[test]
    fn monochrome_gets_neutral_chroma() {
        let p = Planes {
            width: 2,
            height: 2,
            bits: 12,
            layout: Layout::Yuv400,
            y: vec![4095, 0, 2048, 16],
            u: vec![],
            v: vec![],
        };
        let out = convert(&p);
        assert_eq!(out.y, [255, 0, 128, 1]);
        assert_eq!(
            (out.u.as_slice(), out.v.as_slice()),
            (&[128u8][..], &[128u8][..])
        );
    }
}
