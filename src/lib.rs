//! Kinora: a federated video platform in one executable. The binary and the tests share this library.
// PeerTube's JSON-LD context (federation::objects::context) is one `json!` literal deeper than
// serde_json's default macro recursion allows.
#![recursion_limit = "256"]

pub mod app;
pub mod cli;
pub mod config;
pub mod contained;
pub mod crashpoint;
pub mod domain;
pub mod federation;
pub mod fsutil;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod malloc;
pub mod media;
pub mod metrics;
pub mod ops;
pub mod server;
pub mod store;
pub mod tls;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_COMMIT: &str = env!("KINORA_GIT_COMMIT");
/// `0.1.0 (commit 1a2b3c4d5e6f, codecs in pure Rust)`, printed by `kinora --version`: the build
/// says whether the codecs' SIMD assembly is in (the `asm` feature, about 3x faster AV1 encoding).
macro_rules! long_version {
    ($codecs:literal) => {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (commit ",
            env!("KINORA_GIT_COMMIT"),
            ", ",
            $codecs,
            ")"
        )
    };
}
#[cfg(feature = "asm")]
pub const LONG_VERSION: &str = long_version!("codecs with SIMD assembly");
#[cfg(not(feature = "asm"))]
pub const LONG_VERSION: &str = long_version!("codecs in pure Rust");
