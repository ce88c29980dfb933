//! Encoding: AV1 video with rav1e.

pub mod av1;
