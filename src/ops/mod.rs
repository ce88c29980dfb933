//! Operations commands: `kinora backup` and `kinora restore` of a whole data directory,
//! `kinora healthcheck` for containers, `kinora doctor`, and `kinora admin fsck`.
//!
//! A backup is a directory holding `manifest.json` (every file's path, size and SHA-256, and the
//! Kinora version) and `data/`, a copy of the data directory whose database was taken with
//! SQLite's online backup API, so it is consistent even while the server writes.

pub mod backup;
pub mod doctor;
pub mod files;
pub mod fsck;
pub mod healthcheck;
pub mod manifest;
pub mod restore;

/// Name of the sub-directory of a backup that mirrors the data directory.
pub const DATA_SUBDIR: &str = "data";
/// Name of the manifest file at the top of a backup.
pub const MANIFEST_FILE: &str = "manifest.json";
