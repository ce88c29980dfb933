//! `probe`: what a file is (container, duration, streams, codecs) and what Kinora can do with it,
//! read incrementally: only headers and indexes are loaded, never the media data.

mod audio;
mod bmff;
mod matroska;
mod report;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub use report::{Container, ProbeReport, StreamKind, StreamReport};

use super::MediaError;

/// Limits applied while probing, from configuration.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct ProbeLimits {
    /// Largest accepted width and height of a video stream (the default is 4096).
    pub max_dimension: u32,
}

impl ProbeLimits {
    /// The largest picture area accepted, for decoders that check frame headers themselves.
    pub fn max_pixels(&self) -> u64 {
        u64::from(self.max_dimension) * u64::from(self.max_dimension)
    }
}

impl Default for ProbeLimits {
    fn default() -> Self {
        ProbeLimits {
            max_dimension: 4096,
        }
    }
}

/// Probes a file with the default limits.
pub fn probe(path: impl AsRef<Path>) -> Result<ProbeReport, MediaError> {
    probe_with(path.as_ref(), &ProbeLimits::default())
}

/// The container families we tell apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Bmff,
    Matroska,
    Audio,
}

pub(crate) fn open(path: &Path) -> Result<(File, u64), MediaError> {
    let file = File::open(path).map_err(|source| MediaError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let len = file.metadata().map_err(MediaError::Io)?.len();
    if len == 0 {
        return Err(MediaError::Empty);
    }
    Ok((file, len))
}

/// Recognises the container from the first bytes, as file extensions from uploads cannot be trusted.
pub(crate) fn sniff(file: &mut File) -> Result<Family, MediaError> {
    let mut head = [0u8; 12];
    let mut n = 0;
    while n < head.len() {
        let r = file.read(&mut head[n..]).map_err(MediaError::Io)?;
        if r == 0 {
            break;
        }
        n += r;
    }
    let head = &head[..n];
    if head.len() >= 8 {
        let kind = &head[4..8];
        if [
            &b"ftyp"[..],
            b"moov",
            b"mdat",
            b"free",
            b"wide",
            b"skip",
            b"pnot",
            b"uuid",
        ]
        .contains(&kind)
        {
            return Ok(Family::Bmff);
        }
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(Family::Matroska);
    }
    let mp3_sync = head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0;
    if head.starts_with(b"ID3")
        || head.starts_with(b"fLaC")
        || head.starts_with(b"OggS")
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE"))
        || mp3_sync
    {
        return Ok(Family::Audio);
    }
    Err(MediaError::UnknownFormat)
}

pub fn probe_with(path: &Path, limits: &ProbeLimits) -> Result<ProbeReport, MediaError> {
    let (mut file, len) = open(path)?;
    let report = match sniff(&mut file)? {
        Family::Bmff => bmff::probe(&mut file, len)?,
        Family::Matroska => matroska::probe(&mut file, len)?,
        Family::Audio => {
            // sniff() consumed the first bytes; symphonia reads from the current position.
            file.seek(SeekFrom::Start(0)).map_err(MediaError::Io)?;
            audio::probe(file, len)?
        }
    };
    check(&report, limits)?;
    Ok(report)
}

/// Rejects reports no later stage could use: no streams, a video without a size, a huge size.
fn check(report: &ProbeReport, limits: &ProbeLimits) -> Result<(), MediaError> {
    if !report
        .streams
        .iter()
        .any(|s| matches!(s.kind, StreamKind::Video | StreamKind::Audio))
    {
        return Err(MediaError::NoStreams);
    }
    for s in report
        .streams
        .iter()
        .filter(|s| s.kind == StreamKind::Video)
    {
        let (w, h) = (s.width.unwrap_or(0), s.height.unwrap_or(0));
        if w == 0 || h == 0 {
            return Err(MediaError::Malformed {
                container: "video stream",
                detail: format!("stream {} has no picture size", s.index),
            });
        }
        if w > limits.max_dimension || h > limits.max_dimension {
            return Err(MediaError::TooLarge {
                width: w,
                height: h,
                max: limits.max_dimension,
            });
        }
    }
    Ok(())
}
