//! Muxing: CMAF fragmented MP4 (init segment and fragments) and HLS playlists.

pub mod boxwriter;
pub mod fmp4;
pub mod hls;
