//! Kinora: a federated video platform in one executable. The binary and the tests share this library.

pub mod app;
pub mod cli;
pub mod config;
pub mod crashpoint;
pub mod domain;
pub mod federation;
pub mod fsutil;
pub mod http;
pub mod jobs;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod ops;
pub mod server;
pub mod store;
pub mod tls;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_COMMIT: &str = env!("KINORA_GIT_COMMIT");
/// `0.1.0 (commit 1a2b3c4d5e6f)`, printed by `kinora --version`.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KINORA_GIT_COMMIT"),
    ")"
);
