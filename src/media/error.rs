//! `MediaError`: every way probing, remuxing or planning can fail, worded for the person who uploaded the file.

use std::path::PathBuf;

/// Errors from the media module. Bad input always ends here, never in a panic.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("cannot open {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    // The io::Error is in the message and deliberately not a `#[source]`: error chains
    // (anyhow's `{:#}`) would print it twice.
    #[error("i/o error: {0}")]
    Io(std::io::Error),
    #[error("the file is empty")]
    Empty,
    #[error("unrecognised file format (not MP4/MOV, Matroska/WebM, MP3, FLAC, WAV or Ogg)")]
    UnknownFormat,
    #[error("the file is truncated: {0}")]
    Truncated(String),
    #[error("malformed {container}: {detail}")]
    Malformed {
        container: &'static str,
        detail: String,
    },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("video is {width}x{height}, larger than the {max}x{max} limit")]
    TooLarge { width: u32, height: u32, max: u32 },
    #[error("the file has no audio or video stream")]
    NoStreams,
    #[error("decoding failed: {0}")]
    Decode(String),
    #[error("encoding failed: {0}")]
    Encode(String),
    #[error("cancelled")]
    Cancelled,
    /// A failure a worker process reported, in its own words (see [`super::worker`]).
    #[error("{0}")]
    Reported(String),
    /// The worker process ran out of the memory it may allocate (`transcoding.worker_memory`):
    /// another attempt would end the same way.
    #[error(
        "processing this video needs more memory than a media worker may use ({}, transcoding.worker_memory)",
        crate::config::format_bytes(*limit)
    )]
    OutOfMemory { limit: u64 },
    /// The worker process ended without an answer: killed (out of memory, the service
    /// stopping) or crashed. Worth another attempt, unlike a reported failure.
    #[error("{0}")]
    WorkerStopped(String),
}

impl MediaError {
    /// Shorthand for a structural error in a container.
    pub fn malformed(container: &'static str, detail: impl Into<String>) -> Self {
        MediaError::Malformed {
            container,
            detail: detail.into(),
        }
    }
}

impl From<std::io::Error> for MediaError {
    fn from(e: std::io::Error) -> Self {
        // A short read is the common symptom of a cut-off upload: say so plainly.
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            MediaError::Truncated("unexpected end of file".into())
        } else {
            MediaError::Io(e)
        }
    }
}
