//! SQLite access: connection setup, migrations, one writer and a small pool of readers, and one
//! module per table group. SQL lives here and nowhere else.

pub mod abuse_messages;
pub mod abuses;
pub mod actors;
pub mod blocklist;
pub mod captions;
pub mod comments;
pub mod count_cache;
pub mod deliveries;
pub mod fed_actors;
pub mod follows;
pub mod fsck;
pub mod history;
pub mod images;
pub mod instance_settings;
pub mod jobs;
pub mod mentions;
pub mod notifications;
pub mod notify;
pub mod page_cache;
pub mod registrations;
pub mod remote;
pub mod schedules;
pub mod secrets;
pub mod stats;
pub mod tokens;
pub mod uploads;
pub mod users;
pub mod video_list;
pub mod videos;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

mod embedded {
    refinery::embed_migrations!("migrations");
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] refinery::Error),
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a database task stopped unexpectedly")]
    TaskFailed,
}

impl StoreError {
    /// True when the disk (or the user's quota on it) is full: SQLite's `SQLITE_FULL`, or a
    /// file that could not be created for lack of space.
    pub fn is_out_of_space(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            StoreError::Io { source, .. } => crate::fsutil::is_out_of_space(source),
            _ => false,
        }
    }

    /// True when the error is a UNIQUE constraint violation (a name or email already taken).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
    }
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    counts: count_cache::CountCache,
    pages: page_cache::PageCache,
}

/// The database: cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept per connection. rusqlite's default of 16 is fewer than the distinct
/// queries one video page runs, so they were parsed again on every request.
const STATEMENT_CACHE: usize = 128;

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

/// A poisoned mutex only means another thread panicked while holding the connection; SQLite
/// rolled back any open transaction, so the connection itself is still usable.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applies pending migrations, and opens
    /// `readers` read-only connections.
    pub fn open(path: &Path, readers: usize) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        embedded::migrations::runner().run(&mut writer)?;
        let readers = (0..readers.max(1))
            .map(|_| {
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")?;
                Ok(Mutex::new(conn))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                counts: count_cache::CountCache::default(),
                pages: page_cache::PageCache::default(),
            }),
        })
    }

    /// Applies pending migrations and reports how many ran (for `kinora admin migrate`).
    pub fn migrate(path: &Path) -> Result<usize, StoreError> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        let report = embedded::migrations::runner().run(&mut conn)?;
        Ok(report.applied_migrations().len())
    }

    /// Remembered totals of list queries (see `count_cache`).
    pub fn counts(&self) -> &count_cache::CountCache {
        &self.inner.counts
    }

    /// Remembered answers of anonymous list queries (see `page_cache`).
    pub fn pages(&self) -> &page_cache::PageCache {
        &self.inner.pages
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a reader connection, on the calling thread (for CLI commands and blocking tasks).
    pub fn read_blocking<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let readers = &self.inner.readers;
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first idle reader; if all are busy, wait for the one in turn.
        for i in 0..readers.len() {
            if let Ok(conn) = readers[(start + i) % readers.len()].try_lock() {
                return f(&conn);
            }
        }
        let conn = lock(&readers[start % readers.len()]);
        f(&conn)
    }

    /// Runs `f` inside a `BEGIN IMMEDIATE` transaction on the single writer; commits if `f`
    /// succeeds, rolls back otherwise.
    pub fn write_blocking<T, E>(&self, f: impl FnOnce(&Transaction) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = lock(&self.inner.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// `read_blocking` on a blocking thread, so async handlers never block their worker.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(f))
            .await
            .map_err(|_| E::from(StoreError::TaskFailed))?
    }

    /// `write_blocking` on a blocking thread.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write_blocking(f))
            .await
            .map_err(|_| E::from(StoreError::TaskFailed))?
    }

    /// Checkpoints the WAL into the main file so the database is whole on disk; called at shutdown.
    pub fn close(&self) -> Result<(), StoreError> {
        let conn = lock(&self.inner.writer);
        conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

/// The current time as ISO 8601 UTC with milliseconds, the format every timestamp column uses.
pub fn now() -> String {
    timestamp(time::OffsetDateTime::now_utc())
}

pub fn timestamp(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(&format)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A date from a client or another server in the timestamp columns' format: RFC 3339
/// (`2019-05-01T10:00:00+02:00`), or a bare ISO 8601 date (`2019-05-01`, midnight UTC), the
/// two forms PeerTube's `isDateValid` is given in practice. None for anything else.
pub fn parse_timestamp(text: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(timestamp(t));
    }
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    );
    Some(timestamp(date.ok()?.midnight().assume_utc()))
}
