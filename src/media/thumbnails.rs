//! Thumbnail (280x157) and preview (850x480) JPEGs, PeerTube's sizes, from a representative
//! decoded frame: the first sampled frame that is neither black nor flat.

use image::imageops::{self, FilterType};
use image::{ImageEncoder, RgbImage};

use super::MediaError;
use super::output::PendingFiles;
use super::picture::Picture;

pub const THUMBNAIL: (u32, u32) = (280, 157);
pub const PREVIEW: (u32, u32) = (850, 480);

/// Keeps the best candidate among sampled frames.
#[derive(Default)]
pub struct FramePicker {
    chosen: Option<Picture>,
    fallback: Option<(f64, Picture)>,
    next_check: f64,
    checks: u32,
}

impl FramePicker {
    /// Offers the frame shown at `seconds`; frames are sampled once per second, up to 30.
    pub fn offer(&mut self, seconds: f64, pic: &Picture) {
        if self.chosen.is_some() || self.checks >= 30 || seconds < self.next_check {
            return;
        }
        self.checks += 1;
        self.next_check = seconds + 1.0;
        let (mean, std) = pic.luma_stats();
        if (40.0..=220.0).contains(&mean) && std > 12.0 {
            self.chosen = Some(pic.clone());
        } else if self.fallback.as_ref().is_none_or(|(s, _)| std > *s) {
            self.fallback = Some((std, pic.clone()));
        }
    }

    pub fn best(self) -> Option<Picture> {
        self.chosen.or(self.fallback.map(|(_, p)| p))
    }
}

/// Scales and centre-crops `img` to exactly `w x h`.
fn cover(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    let scale = (f64::from(w) / f64::from(img.width())).max(f64::from(h) / f64::from(img.height()));
    let sw = ((f64::from(img.width()) * scale).round() as u32).max(w);
    let sh = ((f64::from(img.height()) * scale).round() as u32).max(h);
    let resized = imageops::resize(img, sw, sh, FilterType::CatmullRom);
    imageops::crop_imm(&resized, (sw - w) / 2, (sh - h) / 2, w, h).to_image()
}

fn jpeg(img: &RgbImage) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| MediaError::Encode(format!("JPEG: {e}")))?;
    Ok(out)
}

/// Writes `thumbnail.jpg` and `preview.jpg` for `pic`, turned upright by `rotation` (clockwise).
pub fn write_images(
    pic: &Picture,
    rotation: u32,
    pending: &mut PendingFiles,
) -> Result<(), MediaError> {
    let rgb = pic.to_rgb();
    let upright = match rotation {
        90 => imageops::rotate90(&rgb),
        180 => imageops::rotate180(&rgb),
        270 => imageops::rotate270(&rgb),
        _ => rgb,
    };
    pending.write(
        "thumbnail.jpg",
        &jpeg(&cover(&upright, THUMBNAIL.0, THUMBNAIL.1))?,
    )?;
    pending.write(
        "preview.jpg",
        &jpeg(&cover(&upright, PREVIEW.0, PREVIEW.1))?,
    )?;
    Ok(())
}

/// Adds `thumbnail.jpg` and `preview.jpg` to `pending` from the keyframes of the first half
/// minute, for renditions made without decoding (a remux). Only keyframes are decoded, so this
/// takes a fraction of a second; a damaged one is skipped. Returns false when this build cannot
/// decode the video.
pub fn from_keyframes(
    input: &std::path::Path,
    pending: &mut PendingFiles,
    limits: &super::ProbeLimits,
) -> Result<bool, MediaError> {
    let mut input = match super::transcode::input::open(input, limits) {
        Ok(i) => i,
        Err(MediaError::Unsupported(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let ts = f64::from(input.video.spec.timescale.max(1));
    // One thread: only a few keyframes are decoded, each independently.
    let mut decoder = super::decode::open_video(
        input.video_codec,
        &input.video_config,
        1,
        limits.max_pixels(),
    )?;
    let mut picker = FramePicker::default();
    let mut sample = Vec::new();
    let keyframes: Vec<usize> = (0..input.video.samples.len())
        .filter(|&i| input.video.samples[i].sync)
        .collect();
    for i in keyframes {
        let s = input.video.samples[i];
        let pts = s.dts as i64 + input.video.dts_delay as i64 + i64::from(s.cts_offset)
            - input.video.cts_shift;
        let seconds = pts.max(0) as f64 / ts;
        if seconds > 30.0 {
            break;
        }
        super::transcode::input::read_samples(
            &mut input.file,
            &input.video,
            i..i + 1,
            &mut sample,
        )?;
        match decoder.send(&sample, true, pts) {
            Ok(pictures) => {
                for (pts, pic) in pictures {
                    picker.offer(pts.max(0) as f64 / ts, &pic);
                }
            }
            // A damaged keyframe: the next one needs nothing from it (as in `transcode`).
            Err(MediaError::Decode(_) | MediaError::Malformed { .. }) if decoder.restart() => {}
            Err(e) => return Err(e),
        }
    }
    for (pts, pic) in decoder.finish()? {
        picker.offer(pts.max(0) as f64 / ts, &pic);
    }
    let Some(pic) = picker.best() else {
        return Ok(false);
    };
    write_images(&pic, input.rotation, pending)?;
    Ok(true)
}

/// [`from_keyframes`] for a caller whose video plays without pictures: a failure is logged, not
/// returned, since the renditions beside them are good.
pub fn try_from_keyframes(
    input: &std::path::Path,
    pending: &mut PendingFiles,
    limits: &super::ProbeLimits,
) {
    if let Err(e) = from_keyframes(input, pending, limits) {
        tracing::warn!(input = %input.display(), error = %e, "no thumbnail from the keyframes");
    }
}
