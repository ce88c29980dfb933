//! `manifest.json` of a backup: what it holds, read, written and checked against hostile paths.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The manifest layout this version writes and understands.
pub const FORMAT: u32 = 1;

// Causes are `#[source]`s, not repeated in the messages: the CLI prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the manifest {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the manifest {path} is not valid")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the manifest has format {found}; this Kinora understands format {FORMAT}")]
    Format { found: u32 },
    #[error("the manifest lists an unsafe path {0:?} (absolute, empty or with `..`)")]
    UnsafePath(String),
    #[error("the manifest lists {0:?} twice")]
    Duplicate(String),
    #[error("the manifest does not list the database {0:?}")]
    NoDatabase(String),
    #[error("the manifest checksum of {path:?} is not a SHA-256 in hex")]
    BadChecksum { path: String },
}

/// One file of the backup, relative to its `data/` directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative path with `/` separators.
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `kinora --version` of the instance that wrote the backup.
    pub kinora_version: String,
    /// ISO 8601 UTC.
    pub created_at: String,
    /// Relative path of the SQLite database among `files`.
    pub database: String,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
        let bytes = std::fs::read(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|source| ManifestError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        manifest.check()?;
        Ok(manifest)
    }

    /// Refuses anything a restore must not trust: a newer format, paths that could escape the
    /// target directory, duplicates, malformed checksums, a missing database.
    pub fn check(&self) -> Result<(), ManifestError> {
        if self.format != FORMAT {
            return Err(ManifestError::Format { found: self.format });
        }
        let mut seen = std::collections::BTreeSet::new();
        for entry in &self.files {
            safe_relative_path(&entry.path)?;
            if !seen.insert(entry.path.as_str()) {
                return Err(ManifestError::Duplicate(entry.path.clone()));
            }
            let is_hex = entry.sha256.len() == 64
                && entry
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !is_hex {
                return Err(ManifestError::BadChecksum {
                    path: entry.path.clone(),
                });
            }
        }
        if !seen.contains(self.database.as_str()) {
            return Err(ManifestError::NoDatabase(self.database.clone()));
        }
        Ok(())
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain strings and integers into a Vec cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// The path as a relative `PathBuf` made only of normal components, or an error: a manifest
/// entry may never name `/etc/passwd` or `../../x`.
pub fn safe_relative_path(path: &str) -> Result<PathBuf, ManifestError> {
    let unsafe_path = || ManifestError::UnsafePath(path.to_string());
    if path.is_empty() || path.contains('\\') || path.contains('\0') {
        return Err(unsafe_path());
    }
    // Check the text segment by segment: `Path::components` silently drops `.` and doubled
    // slashes, which would let two spellings of one file through the duplicate check.
    let mut out = PathBuf::new();
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(unsafe_path());
        }
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(part)), None) => out.push(part),
            _ => return Err(unsafe_path()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(paths: &[&str]) -> Manifest {
        Manifest {
            format: FORMAT,
            kinora_version: "test".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            database: "kinora.sqlite3".into(),
            files: paths
                .iter()
                .map(|p| FileEntry {
                    path: p.to_string(),
                    size: 0,
                    sha256: "0".repeat(64),
                })
                .collect(),
        }
    }

    #[test]
    fn hostile_paths_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "./a",
            "a\\b",
            "a/./b",
            "a//b",
            "a/",
        ] {
            assert!(safe_relative_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            safe_relative_path("avatars/a.jpg").unwrap(),
            PathBuf::from("avatars/a.jpg")
        );
    }

    #[test]
    fn manifests_are_checked() {
        assert!(
            manifest(&["kinora.sqlite3", "avatars/a.jpg"])
                .check()
                .is_ok()
        );
        assert!(matches!(
            manifest(&["avatars/a.jpg"]).check(),
            Err(ManifestError::NoDatabase(_))
        ));
        assert!(matches!(
            manifest(&["kinora.sqlite3", "kinora.sqlite3"]).check(),
            Err(ManifestError::Duplicate(_))
        ));
        let mut m = manifest(&["kinora.sqlite3"]);
        m.files[0].sha256 = "XYZ".into();
        assert!(matches!(m.check(), Err(ManifestError::BadChecksum { .. })));
        m = manifest(&["kinora.sqlite3"]);
        m.format = 2;
        assert!(matches!(m.check(), Err(ManifestError::Format { found: 2 })));
        let round: Manifest =
            serde_json::from_slice(&manifest(&["kinora.sqlite3"]).to_json()).expect("round trip");
        assert_eq!(round.files.len(), 1);
    }
}
