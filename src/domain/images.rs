//! Avatars and banners: uploads are decoded with limits, cropped, resized and re-encoded as
//! JPEG by the server, so an uploaded file is never served as it came.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage, imageops::FilterType};

use super::{DomainError, DomainResult, blocking};
use crate::fsutil::write_atomic;
use crate::store::Store;
use crate::store::images::{self, ImageRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Avatar,
    Banner,
}

impl ImageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Avatar => "avatar",
            ImageKind::Banner => "banner",
        }
    }

    /// Output sizes, as PeerTube makes them.
    fn sizes(self) -> &'static [(u32, u32)] {
        match self {
            ImageKind::Avatar => &[(48, 48), (120, 120), (600, 600)],
            ImageKind::Banner => &[(600, 100), (1920, 317)],
        }
    }
}

/// Largest accepted source image, each side.
const MAX_SOURCE_SIDE: u32 = 8192;

/// Decodes an uploaded image (PNG, JPEG, WebP or GIF) within memory limits.
fn decode(bytes: &[u8], field: &'static str) -> DomainResult<DynamicImage> {
    let unsupported = || {
        DomainError::invalid(
            field,
            "This file is not a supported image (PNG, JPEG, WebP or GIF)",
        )
    };
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| unsupported())?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) => {}
        _ => return Err(unsupported()),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    // The decoded picture and its flattened copy are held at once: an 8192x8192 RGB picture
    // (201 MB) passes, its RGBA form (268 MB) does not, so a hostile 200 KB PNG cannot make
    // the server hold 800 MB.
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| DomainError::invalid(field, format!("This image cannot be read: {e}")))?;
    if image.width() < 1 || image.height() < 1 {
        return Err(unsupported());
    }
    Ok(image)
}

/// Transparent pixels are laid on white: JPEG has no alpha, and dropping it would show black.
/// Takes the decoded image, so an opaque one is converted in place rather than copied.
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = p[3] as u32;
        let blend = |c: u8| ((c as u32 * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    })
}

/// Crops to each output's aspect ratio, resizes with Lanczos (never above the source's size
/// along the width), and encodes JPEG. Returns (bytes, width, height) per size.
pub fn render(
    bytes: &[u8],
    kind: ImageKind,
    field: &'static str,
) -> DomainResult<Vec<(Vec<u8>, u32, u32)>> {
    render_sizes(bytes, kind.sizes(), field)
}

/// A remote actor's image, fetched from its origin, re-encoded like an upload: one JPEG of
/// the size its document gives (0 when it gives none), at most the largest size we make.
pub fn render_remote(bytes: &[u8], kind: &str, width: u32, height: u32) -> DomainResult<Vec<u8>> {
    let kind = if kind == "banner" {
        ImageKind::Banner
    } else {
        ImageKind::Avatar
    };
    let largest = kind.sizes()[kind.sizes().len() - 1];
    let size = if width > 0 && height > 0 {
        let scale = (largest.0 as f64 / width as f64).min(1.0);
        (
            ((width as f64 * scale).round() as u32).max(1),
            ((height as f64 * scale).round() as u32).max(1),
        )
    } else {
        largest
    };
    render_sizes(bytes, &[size], "image")?
        .into_iter()
        .next()
        .map(|(jpeg, _, _)| jpeg)
        .ok_or_else(|| DomainError::invalid("image", "This image cannot be read"))
}

/// `render` for any list of output sizes.
pub fn render_sizes(
    bytes: &[u8],
    sizes: &[(u32, u32)],
    field: &'static str,
) -> DomainResult<Vec<(Vec<u8>, u32, u32)>> {
    let source = DynamicImage::ImageRgb8(flatten(decode(bytes, field)?));
    let mut out = Vec::new();
    for &(w, h) in sizes {
        let scale = (source.width() as f64 / w as f64)
            .min(source.height() as f64 / h as f64)
            .min(1.0);
        let (tw, th) = (
            ((w as f64 * scale).round() as u32).max(1),
            ((h as f64 * scale).round() as u32).max(1),
        );
        // A small source clamps several sizes to the same one: keep it once.
        if out
            .iter()
            .any(|o: &(Vec<u8>, u32, u32)| (o.1, o.2) == (tw, th))
        {
            continue;
        }
        let resized = source.resize_to_fill(tw, th, FilterType::Lanczos3);
        let mut buf = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 88);
        resized
            .write_with_encoder(encoder)
            .map_err(|e| DomainError::invalid(field, format!("Cannot encode image: {e}")))?;
        out.push((buf, resized.width(), resized.height()));
    }
    Ok(out)
}

/// Replaces an actor's avatar or banner with a new upload; returns the new images.
pub async fn replace(
    store: &Store,
    dir: PathBuf,
    actor_id: i64,
    kind: ImageKind,
    upload: Vec<u8>,
    field: &'static str,
) -> DomainResult<Vec<ImageRow>> {
    let write_dir = dir.clone();
    let files = blocking(move || {
        let rendered = render(&upload, kind, field)?;
        let base = uuid::Uuid::new_v4();
        let mut files = Vec::new();
        for (bytes, w, h) in rendered {
            let name = format!("{base}-{w}x{h}.jpg");
            write_atomic(&write_dir.join(&name), &bytes)?;
            files.push((name, w, h));
        }
        Ok(files)
    })
    .await?;
    let written: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let result = store
        .write(move |tx| {
            let old = images::replace(tx, actor_id, kind.as_str(), &files)?;
            crate::federation::hooks::actor_updated(tx, actor_id);
            Ok::<_, DomainError>((old, images::of_actor(tx, actor_id)?))
        })
        .await;
    match result {
        Ok((old, rows)) => {
            remove_files(&dir, &old);
            Ok(rows
                .into_iter()
                .filter(|r| r.kind == kind.as_str())
                .collect())
        }
        Err(e) => {
            remove_files(&dir, &written);
            Err(e)
        }
    }
}

pub async fn remove(
    store: &Store,
    dir: PathBuf,
    actor_id: i64,
    kind: ImageKind,
) -> DomainResult<()> {
    let old = store
        .write(move |tx| {
            let old = images::remove(tx, actor_id, kind.as_str())?;
            crate::federation::hooks::actor_updated(tx, actor_id);
            Ok::<_, DomainError>(old)
        })
        .await?;
    remove_files(&dir, &old);
    Ok(())
}

/// Deletes image files whose rows are gone; a file already missing is not an error.
pub fn remove_files(dir: &Path, files: &[String]) {
    for name in files {
        if let Err(e) = std::fs::remove_file(dir.join(name))
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %name, error = %e, "could not delete image file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 200])
        });
        let mut buf = Vec::new();
        img.write_to(&mut Cursor::new(&mut buf), ImageFormat::Png)
            .unwrap();
        buf
    }

    #[test]
    fn avatar_sizes_are_square_jpegs_never_upscaled() {
        let out = render(&png(300, 200), ImageKind::Avatar, "avatarfile").unwrap();
        let sizes: Vec<_> = out.iter().map(|o| (o.1, o.2)).collect();
        assert_eq!(sizes, vec![(48, 48), (120, 120), (200, 200)]);
        assert!(out.iter().all(|o| o.0.starts_with(&[0xFF, 0xD8])));
        let small = render(&png(64, 64), ImageKind::Avatar, "avatarfile").unwrap();
        let sizes: Vec<_> = small.iter().map(|o| (o.1, o.2)).collect();
        assert_eq!(
            sizes,
            vec![(48, 48), (64, 64)],
            "clamped sizes are not repeated"
        );
    }

    #[test]
    fn garbage_is_refused() {
        assert!(render(b"not an image at all", ImageKind::Avatar, "avatarfile").is_err());
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        assert!(render(&truncated, ImageKind::Banner, "bannerfile").is_err());
    }
}
