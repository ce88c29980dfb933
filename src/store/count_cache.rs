//! Totals of list queries (`SELECT COUNT(*) ...`), remembered per reader connection until the
//! database changes, so that paging through a large catalog does not count it on every page.
//!
//! Validity comes from SQLite's `PRAGMA data_version`, which changes on a connection whenever
//! any other connection (our writer, or another process such as `kinora admin`) has committed
//! since. Its values are only comparable on one connection, hence one entry per reader.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::Connection;
use rusqlite::types::Value;

use super::StoreError;

/// Past this many distinct (connection, query) pairs the cache starts again: filters with
/// search words make many one-off queries, and a recount is cheap next to unbounded growth.
const MAX_ENTRIES: usize = 1024;

#[derive(Default)]
pub struct CountCache {
    entries: Mutex<HashMap<(usize, String), Counted>>,
}

#[derive(Clone, Copy)]
struct Counted {
    data_version: i64,
    total: i64,
}

impl CountCache {
    /// The single integer `sql` returns for `args`, counted again only when the database has
    /// changed since the last count on this connection.
    pub fn count(&self, conn: &Connection, sql: &str, args: &[Value]) -> Result<i64, StoreError> {
        let data_version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        // The connection's address identifies it: readers live in the store for its lifetime,
        // and so does this cache.
        let key = (
            conn as *const Connection as usize,
            format!("{sql}\u{1}{args:?}"),
        );
        if let Some(hit) = self.lock().get(&key)
            && hit.data_version == data_version
        {
            return Ok(hit.total);
        }
        let total: i64 = conn
            .prepare_cached(sql)?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Counted {
                data_version,
                total,
            },
        );
        Ok(total)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(usize, String), Counted>> {
        // A poisoned map holds only whole entries (inserts cannot half-happen).
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_total_is_counted_again_once_the_database_has_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3"), 1).unwrap();
        let write = |sql: &str| {
            store
                .write_blocking(|tx| tx.execute_batch(sql).map_err(StoreError::from))
                .unwrap()
        };
        write("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);");
        let count = || {
            store
                .read_blocking(|conn| {
                    store.counts().count(
                        conn,
                        "SELECT COUNT(*) FROM t WHERE x > ?",
                        &[Value::Integer(0)],
                    )
                })
                .unwrap()
        };
        assert_eq!(count(), 2);
        assert_eq!(count(), 2, "unchanged database: the remembered total");
        write("INSERT INTO t VALUES (3);");
        assert_eq!(count(), 3, "a commit on the writer invalidates the total");
        // Another process writing the same file (as `kinora admin` does) is seen too.
        let other = Connection::open(dir.path().join("db.sqlite3")).unwrap();
        other.execute("DELETE FROM t WHERE x = 1", []).unwrap();
        assert_eq!(count(), 2);
    }
}
