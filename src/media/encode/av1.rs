//! AV1 encoding with rav1e: configuration per rendition (speed, quantizer, tiles, threads, level),
//! forced keyframes at segment boundaries, and packets turned into ISO BMFF samples (temporal
//! delimiters removed, as AV1-ISOBMFF requires).

use rav1e::prelude::*;

use crate::media::MediaError;
use crate::media::picture::{Picture, chroma_size};

/// Encoder settings for one rendition.
#[derive(Debug, Clone)]
pub struct Av1Settings {
    pub width: u32,
    pub height: u32,
    /// Frame rate used for rate control and level choice.
    pub fps: f64,
    pub speed: u8,
    pub quantizer: u8,
    /// No frame reordering for this rung (the plan's choice; `Av1Tuning::low_latency` forces
    /// it on every rung, for measurements).
    pub low_latency: bool,
    pub threads: usize,
    /// Longest allowed keyframe distance, frames (segments force their own).
    pub max_keyframe_interval: u64,
    pub tuning: Av1Tuning,
}

/// rav1e settings beyond the speed preset, chosen by measurement (docs/BENCHMARKS.md): each one
/// is a field so the benchmark can switch it and report what it buys.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Av1Tuning {
    /// Optimise for PSNR rather than rav1e's psychovisual tuning. The psychovisual tuning turns
    /// off transform-domain distortion (every RDO candidate is reconstructed and compared in
    /// pixels with a masking metric), which costs far more time than the preset's other savings.
    pub tune_psnr: bool,
    /// Frames the encoder looks ahead for its rate-distortion decisions (rav1e's preset 10: 10).
    /// Measured at 1, 2, 5 and 10 (docs/BENCHMARKS.md): the same bits and PSNR within 0.3% and
    /// 0.01 dB, while every frame of lookahead holds its pictures and motion statistics (10
    /// frames made the 720p ladder 570 MB instead of 350 MB).
    pub rdo_lookahead_frames: usize,
    /// Scene-cut detection. Keyframes are forced at every segment boundary anyway, so extra ones
    /// only cost analysis time and bits.
    pub scene_detection: bool,
    /// Constrained directional enhancement filter (quality per bit, some time).
    pub cdef: bool,
    /// Tiles per frame: `None` picks one per thread for pictures large enough to split.
    pub tiles: Option<usize>,
    /// Smallest and largest partition (block) size, as log2 of the side (3 = 8x8 .. 6 = 64x64);
    /// `None` keeps the speed preset's range (speed 10: 32x32 only; 9: 16x16 to 32x32; 3 to 8:
    /// 8x8 to 64x64), which is most of what separates the presets in quality and time
    /// (docs/BENCHMARKS.md).
    pub partition_log2: Option<(u8, u8)>,
    /// Disable frame reordering (no hidden alt-ref frames): faster and shallower, less efficient.
    pub low_latency: bool,
    /// Estimate a candidate's coefficient rate from a table of its transform-domain distortion
    /// instead of coding its coefficients during mode decision.
    #[serde(default)]
    pub tx_domain_rate: bool,
    /// Inter blocks' transforms one size below the block (rav1e turns it on from speed 9);
    /// `None` keeps the preset's choice.
    #[serde(default)]
    pub inter_tx_split: Option<bool>,
    /// Segmentation (per-block quantizer segments; rav1e's presets 1 to 10 search them
    /// simply); `None` keeps the preset's choice, `Some(false)` signals none.
    #[serde(default)]
    pub segmentation: Option<bool>,
    /// Angle deltas of directional intra modes (on in every preset); `None` keeps it.
    #[serde(default)]
    pub fine_directional_intra: Option<bool>,
}

impl Default for Av1Tuning {
    fn default() -> Self {
        Av1Tuning {
            tune_psnr: true,
            rdo_lookahead_frames: 1,
            scene_detection: false,
            cdef: true,
            tiles: None,
            partition_log2: None,
            low_latency: false,
            tx_domain_rate: false,
            inter_tx_split: None,
            segmentation: None,
            fine_directional_intra: None,
        }
    }
}

fn block_size(log2: u8) -> BlockSize {
    match log2 {
        0..=2 => BlockSize::BLOCK_4X4,
        3 => BlockSize::BLOCK_8X8,
        4 => BlockSize::BLOCK_16X16,
        5 => BlockSize::BLOCK_32X32,
        _ => BlockSize::BLOCK_64X64,
    }
}

/// One encoded frame, in presentation order (AV1 packets need no reordering).
pub struct EncodedFrame {
    pub input_frameno: u64,
    pub data: Vec<u8>,
    pub keyframe: bool,
}

pub struct Av1Encoder {
    ctx: Context<u8>,
    level_idx: u8,
    sequence_header: Option<Vec<u8>>,
}

/// The smallest AV1 level (as `seq_level_idx`) whose picture size and sample rate fit.
pub fn level_for(width: u32, height: u32, fps: f64) -> u8 {
    // (seq_level_idx, MaxPicSize, MaxDisplayRate) from AV1 spec annex A.3.
    const LEVELS: [(u8, u64, u64); 8] = [
        (0, 147_456, 4_423_680),
        (1, 278_784, 8_363_520),
        (4, 665_856, 19_975_680),
        (5, 1_065_024, 31_950_720),
        (8, 2_359_296, 70_778_880),
        (9, 2_359_296, 141_557_760),
        (12, 8_912_896, 267_386_880),
        (13, 8_912_896, 534_773_760),
    ];
    let pic = u64::from(width) * u64::from(height);
    let rate = (pic as f64 * fps.max(1.0)) as u64;
    LEVELS
        .iter()
        .find(|&&(_, p, r)| pic <= p && rate <= r)
        .map(|l| l.0)
        .unwrap_or(31)
}

/// rav1e's configuration for `s`: the speed preset, then the tuning on top of it.
fn encoder_config(s: &Av1Settings) -> EncoderConfig {
    let mut enc = EncoderConfig::with_speed_preset(s.speed.min(10));
    enc.width = s.width as usize;
    enc.height = s.height as usize;
    enc.bit_depth = 8;
    enc.chroma_sampling = ChromaSampling::Cs420;
    // A millisecond time base keeps variable frame rates expressible; rate control only
    // uses it to spread bits.
    let fps = if s.fps.is_finite() && s.fps > 0.0 {
        s.fps
    } else {
        30.0
    };
    enc.time_base = Rational::new(1000, (fps * 1000.0).round() as u64);
    enc.quantizer = usize::from(s.quantizer);
    enc.min_key_frame_interval = 1;
    enc.max_key_frame_interval = s.max_keyframe_interval.max(1);
    let t = &s.tuning;
    enc.low_latency = t.low_latency || s.low_latency;
    enc.tune = if t.tune_psnr {
        Tune::Psnr
    } else {
        Tune::Psychovisual
    };
    let ss = &mut enc.speed_settings;
    ss.rdo_lookahead_frames = t.rdo_lookahead_frames.max(1);
    if !t.scene_detection {
        ss.scene_detection_mode = SceneDetectionSpeed::None;
    }
    ss.cdef = t.cdef;
    ss.transform.tx_domain_rate = t.tx_domain_rate;
    if let Some(split) = t.inter_tx_split {
        ss.transform.enable_inter_tx_split = split;
    }
    match t.segmentation {
        Some(false) => ss.segmentation = SegmentationLevel::Disabled,
        Some(true) => ss.segmentation = SegmentationLevel::Simple,
        None => {}
    }
    if let Some(fine) = t.fine_directional_intra {
        ss.prediction.fine_directional_intra = fine;
    }
    if let Some((lo, hi)) = t.partition_log2 {
        ss.partition.partition_range = PartitionRange::new(block_size(lo.min(hi)), block_size(hi));
    }
    let level_idx = level_for(s.width, s.height, fps);
    enc.level_idx = Some(level_idx);
    // Tiles are what lets rav1e's threads work on one frame (measured 1.6x with 2-4 tiles on
    // two cores); tiny pictures cannot be split usefully.
    enc.tiles = match t.tiles {
        Some(n) => n.max(1),
        None if s.width >= 256 && s.height >= 128 => s.threads.clamp(1, 4),
        None => 1,
    };
    enc
}

impl Av1Encoder {
    pub fn new(s: &Av1Settings) -> Result<Self, MediaError> {
        let enc = encoder_config(s);
        let level_idx = enc.level_idx.unwrap_or(31);
        let cfg = Config::new()
            .with_encoder_config(enc)
            .with_threads(s.threads.max(1));
        let ctx = cfg
            .new_context()
            .map_err(|e| MediaError::Encode(format!("rav1e configuration: {e}")))?;
        Ok(Av1Encoder {
            ctx,
            level_idx,
            sequence_header: None,
        })
    }

    /// Queues a picture (already at the rendition size); `keyframe` forces a key frame.
    pub fn send(&mut self, pic: &Picture, keyframe: bool) -> Result<(), MediaError> {
        let mut f = self.ctx.new_frame();
        let (cw, _) = chroma_size(pic.width, pic.height);
        f.planes[0].copy_from_raw_u8(&pic.y, pic.width as usize, 1);
        f.planes[1].copy_from_raw_u8(&pic.u, cw as usize, 1);
        f.planes[2].copy_from_raw_u8(&pic.v, cw as usize, 1);
        let params = FrameParameters {
            frame_type_override: if keyframe {
                FrameTypeOverride::Key
            } else {
                FrameTypeOverride::No
            },
            ..Default::default()
        };
        match self.ctx.send_frame((f, params)) {
            Ok(()) | Err(EncoderStatus::EnoughData) => Ok(()),
            Err(e) => Err(MediaError::Encode(format!("rav1e: {e:?}"))),
        }
    }

    /// Signals end of input.
    pub fn flush(&mut self) {
        self.ctx.flush();
    }

    /// Collects every packet ready now.
    pub fn receive(&mut self, out: &mut Vec<EncodedFrame>) -> Result<bool, MediaError> {
        loop {
            match self.ctx.receive_packet() {
                Ok(p) => {
                    let keyframe = p.frame_type == FrameType::KEY;
                    let data = strip_temporal_delimiters(&p.data);
                    if keyframe && self.sequence_header.is_none() {
                        self.sequence_header = find_obu(&data, 1).map(<[u8]>::to_vec);
                    }
                    out.push(EncodedFrame {
                        input_frameno: p.input_frameno,
                        data,
                        keyframe,
                    });
                }
                Err(EncoderStatus::Encoded) => continue,
                Err(EncoderStatus::NeedMoreData) => return Ok(false),
                Err(EncoderStatus::LimitReached) => return Ok(true),
                Err(e) => return Err(MediaError::Encode(format!("rav1e: {e:?}"))),
            }
        }
    }

    pub fn level_idx(&self) -> u8 {
        self.level_idx
    }

    /// The `av1C` record: rav1e's header with our level, plus the sequence header OBU.
    pub fn av1c(&self) -> Vec<u8> {
        let mut c = self.ctx.container_sequence_header();
        if c.len() >= 2 {
            c[1] = (c[1] & 0xe0) | (self.level_idx & 0x1f);
        }
        if let Some(sh) = &self.sequence_header {
            c.extend_from_slice(sh);
        }
        c
    }
}

/// Splits OBUs: (type, whole OBU bytes). rav1e always writes size fields.
fn obus(data: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < data.len() {
        let header = data[p];
        let obu_type = (header >> 3) & 0xf;
        let ext = usize::from(header >> 2 & 1);
        let has_size = header >> 1 & 1 == 1;
        let mut q = p + 1 + ext;
        let size = if has_size {
            let mut v = 0usize;
            let mut i = 0;
            loop {
                let Some(&b) = data.get(q) else { return out };
                v |= usize::from(b & 0x7f) << (7 * i);
                q += 1;
                i += 1;
                if b & 0x80 == 0 || i == 8 {
                    break;
                }
            }
            v
        } else {
            data.len() - q
        };
        let end = (q + size).min(data.len());
        out.push((obu_type, &data[p..end]));
        p = end;
    }
    out
}

fn strip_temporal_delimiters(data: &[u8]) -> Vec<u8> {
    obus(data)
        .into_iter()
        .filter(|(t, _)| *t != 2)
        .flat_map(|(_, b)| b.iter().copied())
        .collect()
}

fn find_obu(data: &[u8], obu_type: u8) -> Option<&[u8]> {
    obus(data)
        .into_iter()
        .find(|(t, _)| *t == obu_type)
        .map(|(_, b)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(speed: u8, partition_log2: Option<(u8, u8)>) -> Av1Settings {
        Av1Settings {
            width: 1280,
            height: 720,
            fps: 30.0,
            speed,
            quantizer: 120,
            low_latency: false,
            threads: 2,
            max_keyframe_interval: 120,
            tuning: Av1Tuning {
                partition_log2,
                ..Av1Tuning::default()
            },
        }
    }

    /// The block sizes are what separates the fast presets: each keeps its own unless a
    /// measurement asks for another range (the tuning once forced speed 10's on every preset).
    #[test]
    fn block_sizes_follow_the_preset_unless_asked() {
        // rav1e keeps the range's fields to itself; its Debug form shows them.
        let range = |s: &Av1Settings| {
            format!(
                "{:?}",
                encoder_config(s).speed_settings.partition.partition_range
            )
        };
        let expect = |min, max| format!("{:?}", PartitionRange::new(min, max));
        use BlockSize::{BLOCK_8X8, BLOCK_16X16, BLOCK_32X32, BLOCK_64X64};
        assert_eq!(range(&settings(10, None)), expect(BLOCK_32X32, BLOCK_32X32));
        assert_eq!(range(&settings(9, None)), expect(BLOCK_16X16, BLOCK_32X32));
        assert_eq!(range(&settings(8, None)), expect(BLOCK_8X8, BLOCK_64X64));
        assert_eq!(
            range(&settings(9, Some((5, 5)))),
            expect(BLOCK_32X32, BLOCK_32X32)
        );
        // The other settings of the tuning hold at every speed.
        let c = encoder_config(&settings(9, None));
        assert_eq!(c.speed_settings.rdo_lookahead_frames, 1);
        assert_eq!(c.tune, Tune::Psnr);
        assert_eq!(c.level_idx, Some(level_for(1280, 720, 30.0)));
    }

    /// The measurement knobs reach rav1e; left alone, the preset's choices stand.
    #[test]
    fn segmentation_and_fine_intra_follow_the_tuning() {
        let c = encoder_config(&settings(10, None));
        assert_eq!(c.speed_settings.segmentation, SegmentationLevel::Simple);
        assert!(c.speed_settings.prediction.fine_directional_intra);
        let mut s = settings(10, None);
        s.tuning.segmentation = Some(false);
        s.tuning.fine_directional_intra = Some(false);
        let c = encoder_config(&s);
        assert_eq!(c.speed_settings.segmentation, SegmentationLevel::Disabled);
        assert!(!c.speed_settings.prediction.fine_directional_intra);
    }
}
