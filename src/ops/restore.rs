//! `kinora restore IN`: checks every file of a backup against its manifest, then puts the files
//! into the data directory, each through a temporary name, fsync and rename.
//!
//! Nothing is written before every checksum matched. The files are first copied into a staging
//! directory inside the target (same file system, so the final renames cannot fail for lack of
//! space), and the database is renamed into place last.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::files;
use super::manifest::{Manifest, ManifestError, safe_relative_path};
use super::{DATA_SUBDIR, MANIFEST_FILE};

// Causes are `#[source]`s, not repeated in the messages: the CLI prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{0} is missing from the backup")]
    Missing(PathBuf),
    #[error("{path} does not match the manifest ({detail}); the backup is damaged or was altered")]
    Checksum { path: PathBuf, detail: String },
    #[error("{0} is in the backup but not in its manifest; the backup was altered")]
    Unlisted(PathBuf),
    #[error("{0} is not a regular file")]
    NotAFile(PathBuf),
    #[error("the data directory {0} is not empty; add --force to replace its files")]
    NotEmpty(PathBuf),
    #[error("the database {0} is in use: stop the server before restoring")]
    InUse(PathBuf),
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> RestoreError {
    let path = path.to_path_buf();
    move |source| RestoreError::Io {
        action,
        path,
        source,
    }
}

#[derive(Debug)]
pub struct RestoreReport {
    pub files: usize,
    pub bytes: u64,
    pub kinora_version: String,
    pub created_at: String,
}

/// Removes the staging directory on every exit path.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Restores the backup directory `backup` into `data_dir`.
pub fn run(backup: &Path, data_dir: &Path, force: bool) -> Result<RestoreReport, RestoreError> {
    let manifest = Manifest::read(&backup.join(MANIFEST_FILE))?;
    let source = backup.join(DATA_SUBDIR);
    verify(&manifest, &source)?;

    if !is_empty_or_missing(data_dir)? {
        if !force {
            return Err(RestoreError::NotEmpty(data_dir.to_path_buf()));
        }
        let db = data_dir.join(safe_relative_path(&manifest.database)?);
        ensure_not_in_use(&db)?;
    }
    std::fs::create_dir_all(data_dir).map_err(io("cannot create", data_dir))?;
    let staging = Staging(data_dir.join(format!(".kinora-restore-{}", std::process::id())));
    std::fs::create_dir(&staging.0).map_err(io("cannot create", &staging.0))?;

    // Copy again with hashing: the files could have changed since the check above.
    for entry in &manifest.files {
        let rel = safe_relative_path(&entry.path)?;
        let from = source.join(&rel);
        let (size, sha256) =
            files::copy_hashed(&from, &staging.0.join(&rel)).map_err(io("cannot copy", &from))?;
        if size != entry.size || sha256 != entry.sha256 {
            return Err(RestoreError::Checksum {
                path: from,
                detail: "changed during the restore".into(),
            });
        }
    }
    files::sync_tree(&staging.0).map_err(io("cannot sync", &staging.0))?;

    // A stale write-ahead log next to the new database would be replayed into it: remove it.
    let db_rel = safe_relative_path(&manifest.database)?;
    let db = data_dir.join(&db_rel);
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = db.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("cannot remove", Path::new(&side))(e)),
        }
    }
    let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
    let others = manifest
        .files
        .iter()
        .filter(|e| e.path != manifest.database);
    for entry in others {
        let rel = safe_relative_path(&entry.path)?;
        place(&staging.0.join(&rel), &data_dir.join(&rel), &mut touched)?;
    }
    place(&staging.0.join(&db_rel), &db, &mut touched)?;
    for dir in &touched {
        files::sync_dir(dir).map_err(io("cannot sync", dir))?;
    }
    drop(staging);
    files::sync_dir(data_dir).map_err(io("cannot sync", data_dir))?;
    Ok(RestoreReport {
        files: manifest.files.len(),
        bytes: manifest.files.iter().map(|f| f.size).sum(),
        kinora_version: manifest.kinora_version,
        created_at: manifest.created_at,
    })
}

/// Checks that `source` holds exactly the manifest's files with their sizes and checksums.
fn verify(manifest: &Manifest, source: &Path) -> Result<(), RestoreError> {
    for entry in &manifest.files {
        let path = source.join(safe_relative_path(&entry.path)?);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(RestoreError::Missing(path));
            }
            Err(e) => return Err(io("cannot read", &path)(e)),
        };
        // A symbolic link could point anywhere on the machine; a backup never contains one.
        if !meta.is_file() {
            return Err(RestoreError::NotAFile(path));
        }
        if meta.len() != entry.size {
            return Err(RestoreError::Checksum {
                detail: format!("{} bytes, manifest says {}", meta.len(), entry.size),
                path,
            });
        }
        let (_, sha256) = files::hash_file(&path).map_err(io("cannot read", &path))?;
        if sha256 != entry.sha256 {
            return Err(RestoreError::Checksum {
                path,
                detail: "SHA-256 differs".into(),
            });
        }
    }
    let listed: BTreeSet<&str> = manifest.files.iter().map(|e| e.path.as_str()).collect();
    let mut skipped = Vec::new();
    let present = files::list_files(source, &mut skipped).map_err(io("cannot list", source))?;
    if let Some(extra) = present
        .iter()
        .chain(skipped.iter())
        .find(|p| !listed.contains(p.as_str()))
    {
        return Err(RestoreError::Unlisted(source.join(extra)));
    }
    Ok(())
}

fn is_empty_or_missing(dir: &Path) -> Result<bool, RestoreError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io("cannot open the data directory", dir)(e)),
    }
}

/// Fails when another process (a running server, an admin command) has the database open.
fn ensure_not_in_use(db: &Path) -> Result<(), RestoreError> {
    if !db.is_file() {
        return Ok(());
    }
    let in_use = || RestoreError::InUse(db.to_path_buf());
    let Ok(conn) = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        // Not a database we can open: nothing can be using it as one, and it gets replaced.
        return Ok(());
    };
    let _ = conn.busy_timeout(Duration::ZERO);
    // An exclusive lock taken before the first access needs every other connection (which in
    // WAL mode holds a shared lock for its whole life) to be gone.
    match conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;") {
        Ok(()) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Err(in_use())
        }
        // Any other failure (a damaged file) is no sign of a user; the file gets replaced.
        Err(_) => Ok(()),
    }
}

/// Renames `from` onto `to`, creating `to`'s directory, and notes the directory to sync.
fn place(from: &Path, to: &Path, touched: &mut BTreeSet<PathBuf>) -> Result<(), RestoreError> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
        touched.insert(dir.to_path_buf());
    }
    std::fs::rename(from, to).map_err(io("cannot move into place", to))
}
