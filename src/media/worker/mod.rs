//! Running a plan in a child process (`kinora media run-worker`), as the server does for every
//! processing pass. The transcode's memory (decoder, encoders and the allocator's arenas) goes
//! back to the system when the pass ends instead of staying in the long-lived server, its threads
//! run at a lower priority than the web server's, and a codec that aborts ends the worker, not the
//! server. [`run`] has [`super::run`]'s signature and contract; this module holds what parent and
//! child exchange: one job line in, progress lines and one result line out, all JSON.

mod child;
mod parent;

pub(crate) use child::disable_core_dumps;
pub use child::serve;
pub use parent::{Launcher, run};

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::mux::hls::SegmentEntry;
use super::remux::HlsOutput;
use super::{MediaError, Plan, Progress, TranscodeOptions};

/// Longest line either side accepts: a job is a few KB, a result lists every segment of every
/// rendition (about 200 bytes each: 70 KB for an hour in four renditions).
const MAX_LINE: u64 = 16 * 1024 * 1024;

/// What the parent sends: the arguments of [`super::run`].
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    input: PathBuf,
    out_dir: PathBuf,
    plan: Plan,
    opts: TranscodeOptions,
}

/// What the worker sends back, one per line: progress, then exactly one of the others.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Message {
    Progress(Progress),
    Done(WireOutput),
    Failed { kind: FailureKind, message: String },
}

/// How the parent should take a failure: file system trouble is retried by the job queue,
/// anything else is the input's fault and told to its owner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FailureKind {
    Io,
    Cancelled,
    Media,
}

/// [`HlsOutput`] with each rendition's segments, which its own serialisation leaves out (the
/// command line prints renditions without them).
#[derive(Debug, Serialize, Deserialize)]
struct WireOutput {
    output: HlsOutput,
    segments: Vec<Vec<SegmentEntry>>,
}

impl From<HlsOutput> for WireOutput {
    fn from(output: HlsOutput) -> Self {
        let segments = output
            .renditions
            .iter()
            .map(|r| r.segments.clone())
            .collect();
        WireOutput { output, segments }
    }
}

impl From<WireOutput> for HlsOutput {
    fn from(wire: WireOutput) -> Self {
        let WireOutput {
            mut output,
            segments,
        } = wire;
        for (r, s) in output.renditions.iter_mut().zip(segments) {
            r.segments = s;
        }
        output
    }
}

impl Message {
    fn failure(e: &MediaError) -> Self {
        let (kind, message) = match e {
            MediaError::Io(source) | MediaError::Open { source, .. } => {
                (FailureKind::Io, source.to_string())
            }
            MediaError::Cancelled => (FailureKind::Cancelled, e.to_string()),
            other => (FailureKind::Media, other.to_string()),
        };
        Message::Failed { kind, message }
    }

    /// The worker's failure as this process's error: the same words, the same handling.
    fn into_error(kind: FailureKind, message: String) -> MediaError {
        match kind {
            FailureKind::Io => MediaError::Io(std::io::Error::other(message)),
            FailureKind::Cancelled => MediaError::Cancelled,
            FailureKind::Media => MediaError::Reported(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_their_words_and_their_handling() {
        let io = MediaError::Io(std::io::Error::other("disk full"));
        let Message::Failed { kind, message } = Message::failure(&io) else {
            panic!("not a failure");
        };
        let back = Message::into_error(kind, message);
        assert!(matches!(back, MediaError::Io(_)));
        assert_eq!(back.to_string(), io.to_string());

        let bad = MediaError::Unsupported("HEVC video".into());
        let Message::Failed { kind, message } = Message::failure(&bad) else {
            panic!("not a failure");
        };
        assert_eq!(
            Message::into_error(kind, message).to_string(),
            bad.to_string()
        );
    }
}
