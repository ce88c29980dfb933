//! ISO base media file format (MP4, MOV, M4A, 3GP): box walking, the `moov` index and sample tables.
//!
//! Hand-written rather than mp4-atom: we need only a read-only view of a few dozen boxes, must
//! stream `mdat` instead of loading it, and must turn every malformed size into an error; a
//! slice-based walker over the (small) `moov` box does exactly that in a few hundred lines.

pub mod boxes;
pub mod cover;
pub mod movie;
pub mod sample_entry;
pub mod samples;

pub use boxes::{FourCc, read_top_level};
pub use movie::{Movie, Track, TrackKind};
pub use samples::{Sample, expand_samples};
