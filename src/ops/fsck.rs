//! `kinora admin fsck`: the database against the files of the data directory. It finds files
//! rows name that are missing (originals, HLS renditions, pictures, avatars, captions, partial
//! uploads) and files or directories no row names (orphaned HLS directories, work directories
//! of interrupted passes, torrents, pictures, uploads, temporary files of atomic writes and
//! restores). `--repair` removes the orphans and the upload sessions whose partial file is
//! gone; it never deletes a row of user content nor a file a row names. Missing content can
//! only come back from a backup or a new upload.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::domain::videos::VideoPaths;
use crate::store::{Store, StoreError, fsck as rows};

#[derive(Debug, thiserror::Error)]
pub enum FsckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A row names a file that is not there.
    Missing,
    /// A file or directory that no row names (or left by interrupted work).
    Orphan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub problem: Problem,
    /// What kind of thing: `original`, `hls`, `work-dir`, `torrent`, ...
    pub what: &'static str,
    /// Relative to the data directory.
    pub path: String,
    pub detail: String,
}

/// How a repairable finding is repaired.
enum Fix {
    Remove(PathBuf),
    ForgetUpload(String),
}

#[derive(Debug, Default)]
pub struct Report {
    pub videos: usize,
    pub findings: Vec<Finding>,
    /// Findings `--repair` fixed (indexes into `findings`).
    pub repaired: Vec<usize>,
    /// Findings `--repair` could not fix, with the error.
    pub failed: Vec<(usize, String)>,
}

impl Report {
    pub fn remaining(&self) -> usize {
        self.findings.len() - self.repaired.len()
    }
}

struct Check {
    data_dir: PathBuf,
    findings: Vec<Finding>,
    fixes: Vec<Option<Fix>>,
}

impl Check {
    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.data_dir)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    fn missing(&mut self, what: &'static str, path: &Path, detail: String) {
        if !path.exists() {
            let path = self.rel(path);
            self.findings.push(Finding {
                problem: Problem::Missing,
                what,
                path,
                detail,
            });
            self.fixes.push(None);
        }
    }

    fn orphan(&mut self, what: &'static str, path: PathBuf, detail: &str) {
        self.findings.push(Finding {
            problem: Problem::Orphan,
            what,
            path: self.rel(&path),
            detail: detail.to_string(),
        });
        self.fixes.push(Some(Fix::Remove(path)));
    }
}

/// Entries of a directory (none when it does not exist).
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, FsckError> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FsckError::Read {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|source| FsckError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
            is_dir,
        ));
    }
    out.sort();
    Ok(out)
}

/// A temporary file of `fsutil::write_atomic` (`.NAME.tmp-PID`) or a restore's staging directory.
fn is_leftover(name: &str) -> bool {
    name.starts_with('.') && (name.contains(".tmp-") || name.starts_with(".kinora-restore-"))
}

/// Checks the data directory; with `repair`, fixes what is safe. Repair must only run while no
/// server uses the directory (the CLI takes the server's lock first): a server writes a file
/// just before the row that names it, and that file would look orphaned for a moment.
pub fn run(data_dir: &Path, store: &Store, repair: bool) -> Result<Report, FsckError> {
    let expected = store.read_blocking(rows::expected)?;
    let paths = VideoPaths {
        data_dir: data_dir.to_path_buf(),
    };
    let mut c = Check {
        data_dir: data_dir.to_path_buf(),
        findings: Vec::new(),
        fixes: Vec::new(),
    };

    let mut originals = HashSet::new();
    let mut hls_dirs = HashSet::new();
    let mut torrents = HashSet::new();
    let mut thumbnails = HashSet::new();
    let mut previews = HashSet::new();
    for (video, files) in &expected.videos {
        // A remote video's media stay at its origin (`url` is its ActivityPub id).
        if video.url.is_some() {
            continue;
        }
        let label = format!("video {} ({})", video.id, video.uuid);
        let original = paths.original(video);
        c.missing("original", &original, format!("{label}: the uploaded file"));
        originals.insert(original);
        let hls = paths.hls_dir(&video.uuid);
        if !files.is_empty() {
            c.missing(
                "hls",
                &hls.join("master.m3u8"),
                format!("{label}: master playlist"),
            );
        }
        for f in files {
            let res = f.resolution;
            c.missing(
                "hls",
                &hls.join(format!("{res}.m3u8")),
                format!("{label}: {res}p playlist"),
            );
            c.missing(
                "hls",
                &hls.join(format!("{res}-fragmented.mp4")),
                format!("{label}: {res}p rendition"),
            );
            let torrent = VideoPaths::rendition_name(&video.uuid, res);
            let torrent = paths.torrents().join(format!("{torrent}.torrent"));
            if f.infohash.is_some() {
                c.missing("torrent", &torrent, format!("{label}: {res}p torrent"));
            }
            torrents.insert(torrent);
        }
        hls_dirs.insert(hls);
        if let Some(name) = &video.thumbnail_file {
            let p = paths.thumbnails().join(name);
            c.missing("thumbnail", &p, label.clone());
            thumbnails.insert(p);
        }
        if let Some(name) = &video.preview_file {
            let p = paths.previews().join(name);
            c.missing("preview", &p, label.clone());
            previews.insert(p);
        }
    }
    let avatars_dir = data_dir.join("avatars");
    for name in &expected.avatars {
        c.missing(
            "avatar",
            &avatars_dir.join(name),
            "an account or channel picture".into(),
        );
    }
    for name in &expected.captions {
        c.missing(
            "caption",
            &paths.captions().join(name),
            "a video caption".into(),
        );
    }
    for id in &expected.upload_sessions {
        let part = crate::domain::uploads::part_path(&paths, id);
        if !part.exists() {
            c.findings.push(Finding {
                problem: Problem::Missing,
                what: "upload",
                path: c.rel(&part),
                detail: format!("upload session {id} cannot resume; repair forgets it"),
            });
            c.fixes.push(Some(Fix::ForgetUpload(id.clone())));
        }
    }

    // The other way round: what is on disk that nothing names.
    for (name, path, _) in entries(&paths.originals())? {
        if !originals.contains(&path) && !is_leftover(&name) {
            c.orphan("original", path, "no video has this upload");
        }
    }
    let hls_root = data_dir.join("streaming-playlists").join("hls");
    for (name, path, is_dir) in entries(&hls_root)? {
        if let Some((_, job)) = name.split_once(".work-")
            && is_dir
        {
            if expected.running_jobs.contains(job) {
                continue;
            }
            c.orphan(
                "work-dir",
                path,
                "work directory of an interrupted processing pass",
            );
        } else if !hls_dirs.contains(&path) && !is_leftover(&name) {
            c.orphan("hls", path, "no video has these renditions");
        }
    }
    for (name, path, _) in entries(&paths.torrents())? {
        if !torrents.contains(&path) && !is_leftover(&name) {
            c.orphan("torrent", path, "no rendition has this torrent");
        }
    }
    for (dir, known, what) in [
        (paths.thumbnails(), &thumbnails, "thumbnail"),
        (paths.previews(), &previews, "preview"),
    ] {
        for (name, path, _) in entries(&dir)? {
            if !known.contains(&path) && !is_leftover(&name) {
                c.orphan(what, path, "no video uses this picture");
            }
        }
    }
    for (dir, known, what, detail) in [
        (
            &avatars_dir,
            &expected.avatars,
            "avatar",
            "no account or channel uses this picture",
        ),
        (
            &paths.captions(),
            &expected.captions,
            "caption",
            "no video has this caption",
        ),
    ] {
        for (name, path, _) in entries(dir)? {
            if !known.contains(&name) && !is_leftover(&name) {
                c.orphan(what, path, detail);
            }
        }
    }
    for (name, path, _) in entries(&paths.uploads())? {
        let id = name.strip_suffix(".part").unwrap_or(&name);
        if !expected.upload_sessions.contains(id) && !is_leftover(&name) {
            c.orphan("upload", path, "partial upload without a session");
        }
    }
    // Leftovers of atomic writes and restores, anywhere.
    let mut stack = vec![data_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for (name, path, is_dir) in entries(&dir)? {
            if is_leftover(&name) {
                c.orphan("temporary", path, "left by an interrupted write or restore");
            } else if is_dir {
                stack.push(path);
            }
        }
    }

    let mut report = Report {
        videos: expected
            .videos
            .iter()
            .filter(|(v, _)| v.url.is_none())
            .count(),
        ..Report::default()
    };
    if repair {
        let forget: Vec<String> = c
            .fixes
            .iter()
            .filter_map(|f| match f {
                Some(Fix::ForgetUpload(id)) => Some(id.clone()),
                _ => None,
            })
            .collect();
        if !forget.is_empty() {
            store.write_blocking(|tx| rows::delete_upload_sessions(tx, &forget))?;
        }
        for (i, fix) in c.fixes.iter().enumerate() {
            let result = match fix {
                None => continue,
                Some(Fix::ForgetUpload(_)) => Ok(()),
                Some(Fix::Remove(path)) if path.is_dir() => std::fs::remove_dir_all(path),
                Some(Fix::Remove(path)) => std::fs::remove_file(path),
            };
            match result {
                Ok(()) => report.repaired.push(i),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.repaired.push(i),
                Err(e) => report.failed.push((i, e.to_string())),
            }
        }
    }
    report.findings = c.findings;
    Ok(report)
}
