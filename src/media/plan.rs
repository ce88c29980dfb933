//! Ladder policy: from a probe report and configuration, which renditions to make and how (remux
//! the original, or encode AV1), in the order that gets a playable stream to viewers soonest.

use serde::{Deserialize, Serialize};

use super::MediaError;
use super::codec::Codec;
use super::per_resolution::{OnOff, PerResolution};
use super::probe::{Container, ProbeReport, StreamKind, StreamReport};

/// What to do with the browser-playable original's top rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TopRung {
    /// Keep the remuxed original as the top rung (no re-encode, no quality loss, little CPU).
    #[default]
    KeepOriginal,
    /// Also encode the top resolution in AV1, last, to replace the remux (smaller, much more CPU).
    ReplaceWithAv1,
}

impl TopRung {
    /// The name in `kinora.toml` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TopRung::KeepOriginal => "keep_original",
            TopRung::ReplaceWithAv1 => "replace_with_av1",
        }
    }
}

impl std::str::FromStr for TopRung {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value {
            "keep_original" => Ok(TopRung::KeepOriginal),
            "replace_with_av1" => Ok(TopRung::ReplaceWithAv1),
            _ => Err(format!(
                "expected keep_original or replace_with_av1, got {value:?}"
            )),
        }
    }
}

/// The rung resolutions a ladder may name (the picture's smaller side): from far below
/// PeerTube's 144p, which tests and tiny screens use, to 4320p (8K).
pub const RESOLUTIONS: std::ops::RangeInclusive<u32> = 16..=4320;

/// The frame-rate caps a ladder may have: at least one picture a second, at most 120.
pub const MAX_FPS: std::ops::RangeInclusive<f64> = 1.0..=120.0;

/// Ladder configuration (from `kinora.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderConfig {
    /// Target resolutions (the smaller side of the picture, PeerTube's convention).
    pub resolutions: Vec<u32>,
    pub top_rung: TopRung,
    /// Frame rate cap for encoded rungs.
    pub max_fps: f64,
    /// rav1e speed preset (0 slowest .. 10 fastest) and quantizer (0..255) of each encoded rung.
    pub av1_speed: PerResolution<u8>,
    pub av1_quantizer: PerResolution<u8>,
    /// rav1e's low-latency mode (no frame reordering) per rung: on above 720p by default.
    pub av1_low_latency: PerResolution<OnOff>,
}

/// The default quantizer. Up to 720p: 120, raised for scaled-down rungs (up to 720p 130, up to
/// 360p 135): they are scaled with a sharp filter that keeps detail a softer one blurred
/// (0.3-0.6 dB more PSNR), and with these quantizers spend about the bits they spent at 120
/// through the softer filter, for the same CPU. Above 720p: 140, because those rungs are encoded
/// in low-latency mode (`default_av1_low_latency`), whose rate control spends at 140 what the
/// reordering mode spends at 120. Measured in docs/BENCHMARKS.md.
pub fn default_av1_quantizer() -> PerResolution<u8> {
    PerResolution::uniform(140).with(720, 130).with(360, 135)
}

/// Low-latency mode above 720p. rav1e's frame reordering keeps some twenty frames' motion
/// statistics for its eight reference slots: an AV1 1080p rung took 428 MB with it, 252-257 MB
/// without, and 43% less CPU, for about the same bits at the same PSNR (9% more on an easy
/// clip, 16% fewer on a grainy one). At 720p and below, reordering saves 5-24% of the bits and
/// its memory fits, so it stays (docs/BENCHMARKS.md).
pub fn default_av1_low_latency() -> PerResolution<OnOff> {
    PerResolution::uniform(OnOff(true)).with(720, OnOff(false))
}

/// The largest rung that shares a pass with others.
const SHARED_PASS_MAX: u32 = 720;

/// Splits rungs waiting to be encoded (by resolution, lowest first) into the next pass and those
/// after it: rungs up to 720p share a pass (one decode feeds them all); each larger one has a
/// pass of its own, after them. The server queues each pass as a job; `run` decodes once per
/// pass.
/// A pass holds every rung's encoder at once: 360p and 720p from a 1080p upload peak at 272-277
/// MB, an AV1 1080p rung alone at 247-253 MB, all three at once 586 MB; apart, each pass stays
/// under 300 MB for one more decode of the upload (docs/BENCHMARKS.md).
pub fn split_pass(rungs: Vec<u32>) -> (Vec<u32>, Vec<u32>) {
    let (shared, large): (Vec<u32>, Vec<u32>) =
        rungs.into_iter().partition(|&r| r <= SHARED_PASS_MAX);
    match (shared.is_empty(), large.split_first()) {
        (true, Some((first, rest))) => (vec![*first], rest.to_vec()),
        _ => (shared, large),
    }
}

impl Default for LadderConfig {
    fn default() -> Self {
        LadderConfig {
            resolutions: vec![360, 720],
            top_rung: TopRung::KeepOriginal,
            max_fps: 60.0,
            av1_speed: PerResolution::uniform(10),
            av1_quantizer: default_av1_quantizer(),
            av1_low_latency: default_av1_low_latency(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Copy the original's streams into CMAF without re-encoding.
    Remux,
    /// Decode, scale and encode AV1 video (and Opus audio).
    EncodeAv1 {
        speed: u8,
        quantizer: u8,
        /// rav1e's low-latency mode: no frame reordering.
        #[serde(default)]
        low_latency: bool,
    },
}

/// One rendition to produce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRendition {
    pub resolution: u32,
    pub width: u32,
    pub height: u32,
    pub frame_rate: Option<f64>,
    pub action: Action,
    /// An AV1 encode of the top resolution that later replaces the remuxed original.
    pub replaces_original: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// In execution order: the remux first (instant playback), then encodes from the lowest up.
    pub renditions: Vec<PlannedRendition>,
    pub remux_possible: bool,
    pub source_resolution: u32,
}

impl Plan {
    /// Whether the original is repackaged (remuxed) by this plan.
    pub fn remuxes(&self) -> bool {
        self.renditions.iter().any(|r| r.action == Action::Remux)
    }

    /// Only the renditions that need no encoder.
    pub fn remux_only(&self) -> Plan {
        Plan {
            renditions: self
                .renditions
                .iter()
                .filter(|r| r.action == Action::Remux)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

/// Scales `(w, h)` so the smaller side becomes `res`, keeping the aspect ratio, with even sides
/// (4:2:0 chroma needs them).
pub fn scaled_size(w: u32, h: u32, res: u32) -> (u32, u32) {
    let even = |x: f64| ((x / 2.0).round() as u32 * 2).max(2);
    if w >= h {
        (
            even(f64::from(w) * f64::from(res) / f64::from(h)),
            even(f64::from(res)),
        )
    } else {
        (
            even(f64::from(res)),
            even(f64::from(h) * f64::from(res) / f64::from(w)),
        )
    }
}

/// Decides the ladder. Never upscales; always yields at least one rendition for a usable video.
pub fn plan(report: &ProbeReport, cfg: &LadderConfig) -> Result<Plan, MediaError> {
    let Some(video) = report.streams.iter().find(|s| s.kind == StreamKind::Video) else {
        return audio_only_plan(report, cfg);
    };
    let (w, h) = match (video.display_width, video.display_height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(MediaError::malformed("video stream", "no picture size")),
    };
    let source_res = w.min(h);
    // What this build's transcoder can read: H.264 or AV1 from MP4/MOV/Matroska (see
    // transcode::input).
    let can_encode = video.decodable
        && matches!(video.codec, Codec::H264 | Codec::Av1)
        && matches!(
            report.container,
            Container::Mp4
                | Container::Mov
                | Container::ThreeGp
                | Container::Matroska
                | Container::Webm
        );
    if !report.remuxable && !can_encode {
        return Err(MediaError::Unsupported(match &video.unsupported_reason {
            Some(reason) => reason.clone(),
            None if video.decodable => format!(
                "{:?} video in {:?} can be neither remuxed nor transcoded by this build (H.264 or AV1 in MP4/MOV/Matroska only)",
                video.codec, report.container
            ),
            None => format!("{:?} video cannot be decoded", video.codec),
        }));
    }
    let fps = video.frame_rate.map(|f| f.min(cfg.max_fps));
    let encode = |res: u32, replaces_original: bool| {
        let (width, height) = scaled_size(w, h, res);
        PlannedRendition {
            resolution: res,
            width,
            height,
            frame_rate: fps,
            action: Action::EncodeAv1 {
                speed: cfg.av1_speed.at(res),
                quantizer: cfg.av1_quantizer.at(res),
                low_latency: cfg.av1_low_latency.at(res).0,
            },
            replaces_original,
        }
    };
    let mut wanted: Vec<u32> = cfg.resolutions.iter().copied().filter(|&r| r > 0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut renditions = Vec::new();
    if report.remuxable {
        renditions.push(PlannedRendition {
            resolution: source_res,
            width: w,
            height: h,
            frame_rate: video.frame_rate,
            action: Action::Remux,
            replaces_original: false,
        });
        if can_encode {
            renditions.extend(
                wanted
                    .iter()
                    .filter(|&&r| r < source_res)
                    .map(|&r| encode(r, false)),
            );
            if cfg.top_rung == TopRung::ReplaceWithAv1 {
                renditions.push(encode(source_res, true));
            }
        }
    } else {
        renditions.extend(
            wanted
                .iter()
                .filter(|&&r| r <= source_res)
                .map(|&r| encode(r, false)),
        );
        if renditions.is_empty() {
            // Smaller than every configured rung: one rung at the source size, never upscaled.
            renditions.push(encode(source_res, false));
        }
    }
    Ok(Plan {
        renditions,
        remux_possible: report.remuxable,
        source_resolution: source_res,
    })
}

/// Audio only: one still-picture rendition carrying the audio in Opus.
fn audio_only_plan(report: &ProbeReport, cfg: &LadderConfig) -> Result<Plan, MediaError> {
    let audio: &StreamReport = report
        .streams
        .iter()
        .find(|s| s.kind == StreamKind::Audio)
        .ok_or(MediaError::NoStreams)?;
    if !audio.decodable {
        return Err(MediaError::Unsupported(
            audio
                .unsupported_reason
                .clone()
                .unwrap_or_else(|| format!("{:?} audio cannot be decoded", audio.codec)),
        ));
    }
    let rung = super::still::still_rendition(cfg);
    Ok(Plan {
        source_resolution: rung.resolution,
        renditions: vec![rung],
        remux_possible: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_sizes_keep_aspect() {
        assert_eq!(scaled_size(1920, 1080, 360), (640, 360));
        assert_eq!(scaled_size(1080, 1920, 360), (360, 640));
        assert_eq!(scaled_size(1280, 718, 360), (642, 360));
        assert_eq!(scaled_size(3, 3, 1), (2, 2));
    }

    #[test]
    fn rungs_above_720p_get_passes_of_their_own() {
        assert_eq!(
            split_pass(vec![360, 720, 1080]),
            (vec![360, 720], vec![1080])
        );
        assert_eq!(split_pass(vec![1080, 1440]), (vec![1080], vec![1440]));
        assert_eq!(split_pass(vec![1440]), (vec![1440], vec![]));
        assert_eq!(split_pass(vec![240, 480]), (vec![240, 480], vec![]));
        assert_eq!(split_pass(vec![]), (vec![], vec![]));
    }
}
