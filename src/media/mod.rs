//! Media: probing uploads, remuxing browser-playable ones to HLS (CMAF fragmented MP4), and
//! planning the rendition ladder, in pure Rust with no external programs at run time.

pub mod audio;
pub mod bmff;
pub mod bytes;
pub mod cli;
pub mod cli_progress;
pub mod codec;
pub mod control;
pub mod decode;
pub mod encode;
pub mod error;
pub mod hls_dir;
pub mod matroska;
pub mod matroska_blocks;
pub mod matroska_cover;
pub mod mux;
pub mod output;
pub mod per_resolution;
pub mod picture;
pub mod plan;
pub mod probe;
pub mod remux;
pub mod run;
pub mod still;
pub mod thumbnails;
pub mod transcode;
pub mod worker;

/// Whether rav1e and rav1d were built with their SIMD assembly (the `asm` cargo feature): the
/// same bitstreams, about a third of the CPU time per AV1 encode.
pub const SIMD_ASSEMBLY: bool = cfg!(feature = "asm");

pub use control::{Control, Progress};
pub use error::MediaError;
pub use per_resolution::{OnOff, PerResolution};
pub use plan::{Action, LadderConfig, Plan, PlannedRendition, TopRung, plan, split_pass};
pub use probe::{Container, ProbeLimits, ProbeReport, StreamKind, StreamReport, probe, probe_with};
pub use remux::{HlsOutput, RemuxOptions, RenditionOutput, remux};
pub use run::run;
pub use transcode::{DEFAULT_MAX_DAMAGED_PERCENT, TranscodeOptions};
