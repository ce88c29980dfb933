//! Decoding: H.264 access units to pictures, and the reorder buffer that puts them in display order.

pub mod h264;
pub mod reorder;
