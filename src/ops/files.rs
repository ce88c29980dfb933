//! File plumbing shared by backup and restore: which files of a data directory count, copying
//! with a running SHA-256, and fsync of files and directories.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Size of each read while copying or hashing.
const CHUNK: usize = 256 * 1024;

/// True for files a backup must never copy: SQLite's live side files (their content is inside
/// the online copy of the database) and the temporary files of atomic writes and restores.
pub fn is_transient(file_name: &str) -> bool {
    file_name.ends_with("-wal")
        || file_name.ends_with("-shm")
        || file_name.ends_with("-journal")
        || (file_name.starts_with('.')
            && (file_name.contains(".tmp-")
                || file_name.contains(".partial-")
                || file_name.starts_with(".kinora-restore-")))
}

/// Every regular file under `root`, as `/`-separated relative paths, sorted. Transient files and
/// directories are left out; symbolic links are reported in `skipped` rather than
/// followed, so a backup never wanders outside the data directory.
pub fn list_files(root: &Path, skipped: &mut Vec<String>) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel_dir) = stack.pop() {
        let entries = match std::fs::read_dir(root.join(&rel_dir)) {
            Ok(entries) => entries,
            // A directory removed while we walk simply has nothing left to copy.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let rel = rel_dir.join(&name);
            let Some(name) = name.to_str() else {
                skipped.push(rel.to_string_lossy().into_owned());
                continue;
            };
            let file_type = entry.file_type()?;
            if is_transient(name) {
                // A restore's staging directory is as temporary as a `.tmp-` file.
                continue;
            } else if file_type.is_dir() {
                stack.push(rel);
            } else if file_type.is_file() {
                out.push(to_slash(&rel));
            } else {
                skipped.push(to_slash(&rel));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn to_slash(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Copies `from` into a new file `to` (creating parent directories), fsyncs it, and returns the
/// size and hex SHA-256 of the bytes written.
pub fn copy_hashed(from: &Path, to: &Path) -> std::io::Result<(u64, String)> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut input = File::open(from)?;
    let mut output = File::create_new(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n])?;
        size += n as u64;
    }
    output.sync_all()?;
    Ok((size, hex::encode(hasher.finalize())))
}

/// Size and hex SHA-256 of a file.
pub fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut input = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// Persists a directory's entries (a rename or a new file inside it).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Persists every directory under and including `root`, deepest first.
pub fn sync_tree(root: &Path) -> std::io::Result<()> {
    let mut dirs = vec![root.to_path_buf()];
    let mut i = 0;
    while i < dirs.len() {
        for entry in std::fs::read_dir(&dirs[i])? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                dirs.push(entry.path());
            }
        }
        i += 1;
    }
    for dir in dirs.iter().rev() {
        sync_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_files_are_recognized() {
        for name in [
            "kinora.sqlite3-wal",
            "kinora.sqlite3-shm",
            "kinora.sqlite3-journal",
            ".a.jpg.tmp-123",
            ".kinora-restore-5",
        ] {
            assert!(is_transient(name), "{name}");
        }
        for name in ["kinora.sqlite3", "a.jpg", "kinora.toml", ".hidden"] {
            assert!(!is_transient(name), "{name}");
        }
    }

    #[test]
    fn listing_skips_transient_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "kinora.sqlite3",
            "kinora.sqlite3-wal",
            "kinora.sqlite3-shm",
            "avatars/a.jpg",
            "avatars/.a.jpg.tmp-7",
            ".kinora-restore-9/kinora.sqlite3",
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        std::os::unix::fs::symlink("/etc/passwd", root.join("link")).unwrap();
        let mut skipped = Vec::new();
        let files = list_files(root, &mut skipped).unwrap();
        assert_eq!(files, vec!["avatars/a.jpg", "kinora.sqlite3"]);
        assert_eq!(skipped, vec!["link"]);
    }
}
