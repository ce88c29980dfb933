//! Output files written under temporary names and renamed into place only when the whole job has
//! succeeded, so a crash or a cancellation never leaves a half file under its final name.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::MediaError;

/// The files of one job, pending until `commit`. Dropping it uncommitted deletes the temporaries,
/// and the output directory too when this job created it and nothing else was put there.
pub struct PendingFiles {
    dir: PathBuf,
    items: Vec<(PathBuf, PathBuf)>,
    created_dir: bool,
    committed: bool,
}

impl PendingFiles {
    /// Creates the output directory if needed.
    pub fn new(dir: &Path) -> Result<Self, MediaError> {
        let created_dir = !dir.exists();
        std::fs::create_dir_all(dir).map_err(|e| {
            // create_dir_all's own error names no path, and for a file in the way says only
            // "File exists".
            let why = if dir.exists() && !dir.is_dir() {
                "it exists and is not a directory".to_string()
            } else {
                e.to_string()
            };
            let message = format!(
                "cannot create the output directory {}: {why}",
                dir.display()
            );
            MediaError::Io(std::io::Error::new(e.kind(), message))
        })?;
        Ok(PendingFiles {
            dir: dir.to_path_buf(),
            items: Vec::new(),
            created_dir,
            committed: false,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens a temporary file that becomes `name` on commit.
    pub fn create(&mut self, name: &str) -> Result<File, MediaError> {
        let tmp = self.dir.join(partial_name(name, std::process::id()));
        let file = File::create(&tmp).map_err(MediaError::Io)?;
        self.items.push((tmp, self.dir.join(name)));
        Ok(file)
    }

    /// Writes a whole small file (a playlist, a JSON) under a temporary name.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), MediaError> {
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(MediaError::Io)?;
        f.sync_all().map_err(MediaError::Io)?;
        Ok(())
    }

    /// Renames every file into place in creation order (the master playlist goes last, so its
    /// presence means the set is complete), then syncs the directory.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, MediaError> {
        let mut done = Vec::new();
        for (tmp, fin) in &self.items {
            std::fs::rename(tmp, fin).map_err(MediaError::Io)?;
            done.push(fin.clone());
        }
        if let Ok(d) = File::open(&self.dir) {
            // Directory fsync makes the renames durable; some filesystems refuse it, harmlessly.
            let _ = d.sync_all();
        }
        self.committed = true;
        Ok(done)
    }
}

/// The temporary name of `name` while process `pid` writes it.
fn partial_name(name: &str, pid: u32) -> String {
    format!(".{name}.partial-{pid}")
}

/// Removes the temporaries that process `pid` left in `dir`: a worker killed before it could
/// drop its [`PendingFiles`].
pub fn remove_partials_of(dir: &Path, pid: u32) {
    let suffix = format!(".partial-{pid}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(&suffix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for PendingFiles {
    fn drop(&mut self) {
        if !self.committed {
            for (tmp, _) in &self.items {
                let _ = std::fs::remove_file(tmp);
            }
            if self.created_dir {
                // Fails, harmlessly, if anything else is in it.
                let _ = std::fs::remove_dir(&self.dir);
            }
        }
    }
}
