//! Whole answers of public list queries (the rendered JSON of `GET /api/v1/videos` and its
//! kin), kept until the database changes: a front page asked for by many visitors is queried
//! and serialised once per change instead of once per visitor.
//!
//! Validity is a change epoch shared by all readers. Each reader connection looks at SQLite's
//! `PRAGMA data_version` before it answers; a value different from the one it saw last (or a
//! connection not seen before, which has no baseline) means some other connection committed
//! in between, and bumps the epoch. An entry is served only under the epoch it was made in, so
//! the first request after any commit, ours or another process's, misses.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;

use super::StoreError;

/// Past this many bytes of answers the cache starts again (a few hundred pages; bounded so a
/// crawler walking every filter cannot grow it on a small machine).
const MAX_BYTES: usize = 8 << 20;

#[derive(Default)]
pub struct PageCache {
    epoch: AtomicU64,
    /// The `data_version` each reader connection (by address) saw last.
    seen: Mutex<HashMap<usize, i64>>,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    bytes: usize,
    map: HashMap<String, (u64, bytes::Bytes)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps hold only whole entries (inserts cannot half-happen).
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PageCache {
    /// The current epoch as seen from `conn`, a reader connection that lives as long as the
    /// store (its address identifies it).
    pub fn epoch(&self, conn: &Connection) -> Result<u64, StoreError> {
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let previous = lock(&self.seen).insert(conn as *const Connection as usize, version);
        if previous != Some(version) {
            return Ok(self.epoch.fetch_add(1, Ordering::SeqCst) + 1);
        }
        Ok(self.epoch.load(Ordering::SeqCst))
    }

    /// The answer stored under `key` in `epoch`, if any.
    pub fn get(&self, key: &str, epoch: u64) -> Option<bytes::Bytes> {
        match lock(&self.entries).map.get(key) {
            Some((e, body)) if *e == epoch => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps an answer made in `epoch` (an answer from an older epoch than the current one is
    /// never served, so storing it is harmless).
    pub fn put(&self, key: String, epoch: u64, body: bytes::Bytes) {
        let mut entries = lock(&self.entries);
        if entries.bytes + body.len() > MAX_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        entries.bytes += body.len();
        if let Some((_, old)) = entries.map.insert(key, (epoch, body)) {
            entries.bytes -= old.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn an_answer_is_served_until_any_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite"), 2).unwrap();
        let cache = PageCache::default();
        let epoch = store.read_blocking(|c| cache.epoch(c)).unwrap();
        cache.put("front".into(), epoch, bytes::Bytes::from_static(b"[1]"));
        // Every reader agrees once it has a baseline.
        let mut epochs = Vec::new();
        for _ in 0..4 {
            epochs.push(store.read_blocking(|c| cache.epoch(c)).unwrap());
        }
        let settled = *epochs.last().unwrap();
        cache.put("front".into(), settled, bytes::Bytes::from_static(b"[1]"));
        assert_eq!(store.read_blocking(|c| cache.epoch(c)).unwrap(), settled);
        assert_eq!(cache.get("front", settled).as_deref(), Some(&b"[1]"[..]));

        store
            .write_blocking(|tx| Ok::<_, StoreError>(tx.execute_batch("CREATE TABLE t (x)")?))
            .unwrap();
        let after = store.read_blocking(|c| cache.epoch(c)).unwrap();
        assert_ne!(after, settled, "a commit changes the epoch");
        assert!(cache.get("front", after).is_none());
    }

    #[test]
    fn the_cache_is_bounded_in_bytes() {
        let cache = PageCache::default();
        let big = bytes::Bytes::from(vec![0u8; MAX_BYTES / 2 + 1]);
        cache.put("a".into(), 0, big.clone());
        cache.put("b".into(), 0, big);
        assert!(cache.get("a", 0).is_none(), "started again");
        assert!(cache.get("b", 0).is_some());
        assert!(lock(&cache.entries).bytes <= MAX_BYTES);
    }
}
