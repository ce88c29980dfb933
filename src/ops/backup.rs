//! `kinora backup OUT`: a consistent copy of a data directory, taken while the server runs.
//!
//! The database is copied with SQLite's online backup API from a read transaction, which in WAL
//! mode never blocks the server's writer and sees one committed state. The other files (avatars,
//! videos) are copied around it in two passes: everything first, then the database, then any
//! file that appeared or changed meanwhile. Kinora writes a file (or a chunk of an upload) before
//! the row that names it (or records its length), so every file the copied database refers to
//! was on disk, at least as long as recorded, by the time of the second pass.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::files;
use super::manifest::{FORMAT, FileEntry, Manifest};
use super::{DATA_SUBDIR, MANIFEST_FILE};

// Causes are `#[source]`s, not repeated in the messages: the CLI prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no database at {0}: is --data-dir right?")]
    NoDatabase(PathBuf),
    #[error("{0} already exists and is not an empty directory; choose a new name")]
    OutExists(PathBuf),
    #[error("the backup {out} would be inside the data directory {data_dir}; write it elsewhere")]
    OutInsideData { out: PathBuf, data_dir: PathBuf },
    #[error("cannot copy the database {path}")]
    Database {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the copy of the database failed its integrity check: {0}")]
    Integrity(String),
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_path_buf();
    move |source| BackupError::Io {
        action,
        path,
        source,
    }
}

/// What a finished backup holds, for the command's summary.
#[derive(Debug)]
pub struct BackupReport {
    pub out: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub database_bytes: u64,
    /// Entries that are neither files nor directories (symbolic links, sockets), not copied.
    pub skipped: Vec<String>,
    pub elapsed: Duration,
}

/// Removes the half-built backup unless the backup finished.
struct Staging {
    path: PathBuf,
    keep: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Copies the data directory `data_dir` (whose database is `database`) into the new directory
/// `out`. The backup is built under a temporary sibling name and renamed at the end, so `out`
/// either holds a complete backup or does not exist.
pub fn run(data_dir: &Path, database: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    let started = Instant::now();
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database.to_path_buf()));
    }
    let db_rel = database
        .strip_prefix(data_dir)
        .ok()
        .and_then(|p| p.to_str())
        .unwrap_or("kinora.sqlite3")
        .replace(std::path::MAIN_SEPARATOR, "/");
    let out = absolute(out)?;
    if out.exists() {
        let empty_dir = std::fs::read_dir(&out)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(false);
        if !empty_dir {
            return Err(BackupError::OutExists(out));
        }
    }
    let (parent, name) = match (out.parent(), out.file_name()) {
        (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_string_lossy().into_owned()),
        _ => return Err(BackupError::OutExists(out)),
    };
    std::fs::create_dir_all(&parent).map_err(io("cannot create", &parent))?;
    let data_real = data_dir
        .canonicalize()
        .map_err(io("cannot open the data directory", data_dir))?;
    let parent_real = parent.canonicalize().map_err(io("cannot open", &parent))?;
    if parent_real.join(&name).starts_with(&data_real) {
        return Err(BackupError::OutInsideData {
            out,
            data_dir: data_real,
        });
    }

    let staging = Staging {
        path: parent.join(format!(".{name}.partial-{}", std::process::id())),
        keep: false,
    };
    let target = staging.path.join(DATA_SUBDIR);
    std::fs::create_dir_all(&target).map_err(io("cannot create", &target))?;

    let mut entries: Vec<FileEntry> = Vec::new();
    let mut stamps = HashMap::new();
    let mut skipped = Vec::new();
    copy_new_files(
        data_dir,
        &target,
        &db_rel,
        &mut entries,
        &mut stamps,
        &mut skipped,
    )?;
    let db_copy = target.join(&db_rel);
    // The moment of the database snapshot is what the backup represents.
    let created_at = crate::store::now();
    copy_database(database, &db_copy)?;
    let (size, sha256) = files::hash_file(&db_copy).map_err(io("cannot read", &db_copy))?;
    entries.push(FileEntry {
        path: db_rel.clone(),
        size,
        sha256,
    });
    let mut late_skipped = Vec::new();
    copy_new_files(
        data_dir,
        &target,
        &db_rel,
        &mut entries,
        &mut stamps,
        &mut late_skipped,
    )?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));

    let manifest = Manifest {
        format: FORMAT,
        kinora_version: crate::LONG_VERSION.to_string(),
        created_at,
        database: db_rel,
        files: entries,
    };
    let manifest_path = staging.path.join(MANIFEST_FILE);
    crate::fsutil::write_atomic(&manifest_path, &manifest.to_json())
        .map_err(io("cannot write", &manifest_path))?;
    files::sync_tree(&staging.path).map_err(io("cannot sync", &staging.path))?;
    std::fs::rename(&staging.path, &out).map_err(io("cannot rename the backup to", &out))?;
    let mut staging = staging;
    staging.keep = true;
    files::sync_dir(&parent).map_err(io("cannot sync", &parent))?;

    Ok(BackupReport {
        out,
        files: manifest.files.len(),
        bytes: manifest.files.iter().map(|f| f.size).sum(),
        database_bytes: size,
        skipped,
        elapsed: started.elapsed(),
    })
}

fn absolute(path: &Path) -> Result<PathBuf, BackupError> {
    std::path::absolute(path).map_err(io("cannot resolve", path))
}

/// Size and modification time of a source file when it was copied: a file that differs on the
/// second pass was written meanwhile (an upload in progress grows) and is copied again.
type Stamp = (u64, Option<std::time::SystemTime>);

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.len(), meta.modified().ok()))
}

/// Copies every file of `data_dir` (but the database) into `target` that is not in `entries`
/// yet, or whose size or modification time changed since it was copied.
fn copy_new_files(
    data_dir: &Path,
    target: &Path,
    db_rel: &str,
    entries: &mut Vec<FileEntry>,
    stamps: &mut HashMap<String, Stamp>,
    skipped: &mut Vec<String>,
) -> Result<(), BackupError> {
    let listed = files::list_files(data_dir, skipped).map_err(io("cannot list", data_dir))?;
    for rel in listed {
        if rel == db_rel {
            continue;
        }
        let from = data_dir.join(&rel);
        let to = target.join(&rel);
        // Taken before the copy, so a write during the copy shows as a change next pass.
        let before = match stamp(&from) {
            Ok(stamp) => stamp,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io("cannot read", &from)(e)),
        };
        match stamps.get(&rel) {
            Some(seen) if *seen == before => continue,
            Some(_) => {
                // Changed since the first pass: replace the earlier copy.
                entries.retain(|e| e.path != rel);
                std::fs::remove_file(&to).map_err(io("cannot replace", &to))?;
            }
            None => {}
        }
        match files::copy_hashed(&from, &to) {
            Ok((size, sha256)) => {
                stamps.insert(rel.clone(), before);
                entries.push(FileEntry {
                    path: rel,
                    size,
                    sha256,
                });
            }
            // Deleted between the listing and the copy (a replaced avatar): nothing to keep.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                stamps.remove(&rel);
                let _ = std::fs::remove_file(&to);
            }
            Err(e) => return Err(io("cannot copy", &from)(e)),
        }
    }
    Ok(())
}

/// Copies the live database at `from` into the new file `to` with the online backup API.
fn copy_database(from: &Path, to: &Path) -> Result<(), BackupError> {
    let db_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BackupError::Database { path, source }
    };
    // Read-write without CREATE: a read-only connection to a WAL database needs its `-shm` file to
    // exist, which it does not when the server is stopped. The backup itself only reads.
    let src = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db_err(from))?;
    src.busy_timeout(Duration::from_secs(10))
        .map_err(db_err(from))?;
    let mut dst = Connection::open(to).map_err(db_err(to))?;
    {
        let backup = Backup::new(&src, &mut dst).map_err(db_err(to))?;
        // All pages in one step: the step holds one read transaction on the source, so the copy
        // is a single committed state. In WAL mode that read never blocks the server's writer,
        // and copying in several steps would restart whenever the server commits.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match backup.step(-1).map_err(db_err(from))? {
                StepResult::Done => break,
                _ if Instant::now() > deadline => {
                    return Err(BackupError::Database {
                        path: from.to_path_buf(),
                        source: rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("the database stayed locked for 60 s".into()),
                        ),
                    });
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    // The copy carries the source's WAL flag; a rollback journal keeps the backup one file.
    let _mode: String = dst
        .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
        .map_err(db_err(to))?;
    let check: String = dst
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(db_err(to))?;
    if check != "ok" {
        return Err(BackupError::Integrity(check));
    }
    dst.close().map_err(|(_, e)| db_err(to)(e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn second_pass_recopies_grown_files_and_adds_new_ones() {
        let data = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(data.path().join("uploads")).unwrap();
        let part = data.path().join("uploads/x.part");
        std::fs::write(&part, b"first chunk").unwrap();
        std::fs::write(data.path().join("kinora.sqlite3"), b"not copied here").unwrap();
        let (mut entries, mut stamps, mut skipped) = (Vec::new(), HashMap::new(), Vec::new());
        let pass = |entries: &mut Vec<FileEntry>, stamps: &mut HashMap<String, Stamp>| {
            copy_new_files(
                data.path(),
                out.path(),
                "kinora.sqlite3",
                entries,
                stamps,
                &mut Vec::new(),
            )
        };
        copy_new_files(
            data.path(),
            out.path(),
            "kinora.sqlite3",
            &mut entries,
            &mut stamps,
            &mut skipped,
        )
        .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].size, 11);

        // An upload chunk lands and a new file appears between the passes.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&part)
            .unwrap();
        file.write_all(b", second chunk").unwrap();
        drop(file);
        std::fs::write(data.path().join("uploads/y.part"), b"y").unwrap();
        pass(&mut entries, &mut stamps).unwrap();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].path, "uploads/x.part");
        assert_eq!(entries[0].size, 25);
        assert_eq!(
            std::fs::read(out.path().join("uploads/x.part")).unwrap(),
            b"first chunk, second chunk"
        );
        assert_eq!(entries[1].path, "uploads/y.part");

        // Nothing changed: a third pass copies nothing again.
        let before = entries.clone();
        pass(&mut entries, &mut stamps).unwrap();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(entries, before);
    }
}
