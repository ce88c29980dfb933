//! `abuses`: reports made here or received with Flag, their moderation state, and the counts
//! PeerTube's list shows beside each report (the conversation is in `abuse_messages`).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::{StoreError, now};

/// One report with the counts of PeerTube's admin list.
#[derive(Debug, Clone)]
pub struct AbuseRow {
    pub id: i64,
    /// `video`, `comment` or `account`.
    pub kind: String,
    /// The reporting actor (None once it is gone).
    pub reporter_id: Option<i64>,
    pub flagged_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    /// JSON `{id, uuid, name, nsfw}` of the reported video as it was when reported.
    pub video_snapshot: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub reason: String,
    /// Bit n-1 set for predefined reason n.
    pub predefined_reasons: i64,
    pub state: i64,
    pub moderation_comment: Option<String>,
    pub activity_url: Option<String>,
    pub processed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub count_messages: i64,
    pub count_reports_for_reporter: i64,
    pub count_reports_for_reportee: i64,
    pub count_reports_for_video: i64,
    /// This report's rank among the reports of its video, oldest first (1 for the first).
    pub nth_report_for_video: i64,
}

// The counts are correlated subqueries on indexed columns; a page holds at most 100 rows.
const COLUMNS: &str = "a.id, a.kind, a.reporter_id, a.flagged_account_id, a.video_id, a.comment_id, \
     a.video_snapshot, a.start_at, a.end_at, a.reason, a.predefined_reasons, a.state, \
     a.moderation_comment, a.activity_url, a.processed_at, a.created_at, a.updated_at, \
     (SELECT COUNT(*) FROM abuse_messages m WHERE m.abuse_id = a.id), \
     (SELECT COUNT(*) FROM abuses x WHERE x.reporter_id = a.reporter_id), \
     (SELECT COUNT(*) FROM abuses x WHERE x.flagged_account_id = a.flagged_account_id), \
     (SELECT COUNT(*) FROM abuses x WHERE x.video_id = a.video_id), \
     (SELECT COUNT(*) FROM abuses x WHERE x.video_id = a.video_id \
        AND (x.created_at < a.created_at OR (x.created_at = a.created_at AND x.id <= a.id)))";

fn from_row(r: &Row) -> rusqlite::Result<AbuseRow> {
    Ok(AbuseRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        reporter_id: r.get(2)?,
        flagged_account_id: r.get(3)?,
        video_id: r.get(4)?,
        comment_id: r.get(5)?,
        video_snapshot: r.get(6)?,
        start_at: r.get(7)?,
        end_at: r.get(8)?,
        reason: r.get(9)?,
        predefined_reasons: r.get(10)?,
        state: r.get(11)?,
        moderation_comment: r.get(12)?,
        activity_url: r.get(13)?,
        processed_at: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        count_messages: r.get(17)?,
        count_reports_for_reporter: r.get(18)?,
        count_reports_for_reportee: r.get(19)?,
        count_reports_for_video: r.get(20)?,
        nth_report_for_video: r.get(21)?,
    })
}

/// A report to store. `flagged_account_id` None: derived from the video (its channel's owner)
/// or the comment (its author).
#[derive(Debug, Clone, Default)]
pub struct NewAbuse {
    pub kind: &'static str,
    pub reporter_id: i64,
    pub flagged_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub reason: String,
    pub predefined_reasons: i64,
    pub activity_url: Option<String>,
}

pub fn insert(conn: &Connection, a: &NewAbuse) -> Result<i64, StoreError> {
    let at = now();
    conn.execute(
        "INSERT INTO abuses (kind, reporter_id, flagged_account_id, video_id, comment_id, video_snapshot, \
         start_at, end_at, reason, predefined_reasons, activity_url, created_at, updated_at) \
         VALUES (?1, ?2, COALESCE(?3, \
                   (SELECT ch.account_id FROM videos v JOIN channels ch ON ch.id = v.channel_id WHERE v.id = ?4), \
                   (SELECT c.account_id FROM video_comments c WHERE c.id = ?5)), \
                 ?4, ?5, \
                 (SELECT json_object('id', v.id, 'uuid', v.uuid, 'name', v.name, \
                         'nsfw', json(CASE WHEN v.nsfw THEN 'true' ELSE 'false' END)) \
                    FROM videos v WHERE v.id = ?4), \
                 ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
            a.kind,
            a.reporter_id,
            a.flagged_account_id,
            a.video_id,
            a.comment_id,
            a.start_at,
            a.end_at,
            a.reason,
            a.predefined_reasons,
            a.activity_url,
            at
        ],
    )?;
    let id = conn.last_insert_rowid();
    // Here rather than in the callers: reports from the API, the pages and received Flags all
    // reach the moderators.
    super::notify::abuse_created(conn, id);
    Ok(id)
}

/// Records the id of the Flag sent for one of our reports.
pub fn set_activity_url(conn: &Connection, id: i64, url: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE abuses SET activity_url = ?1 WHERE id = ?2",
        params![url, id],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<AbuseRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM abuses a WHERE a.id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The orders PeerTube's `sort` accepts for abuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbuseSort {
    Id { desc: bool },
    CreatedAt { desc: bool },
    State { desc: bool },
}

impl AbuseSort {
    /// `id`, `createdAt`, `state`, each optionally with `-` (descending).
    pub fn parse(s: &str) -> Option<AbuseSort> {
        let (desc, key) = match s.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, s),
        };
        match key {
            "id" => Some(AbuseSort::Id { desc }),
            "createdAt" => Some(AbuseSort::CreatedAt { desc }),
            "state" => Some(AbuseSort::State { desc }),
            _ => None,
        }
    }

    fn sql(self) -> String {
        let dir = |desc: bool| if desc { "DESC" } else { "ASC" };
        match self {
            AbuseSort::Id { desc } => format!("a.id {}", dir(desc)),
            AbuseSort::CreatedAt { desc } => {
                format!("a.created_at {0}, a.id {0}", dir(desc))
            }
            AbuseSort::State { desc } => format!("a.state {0}, a.id {0}", dir(desc)),
        }
    }
}

/// Filters of the admin list (all) and of a reporter's own list (`reporter_id`).
#[derive(Debug, Clone)]
pub struct AbuseFilter {
    pub id: Option<i64>,
    pub reporter_id: Option<i64>,
    /// `video`, `comment` or `account`.
    pub kind: Option<String>,
    pub state: Option<i64>,
    /// One predefined reason (1..=8).
    pub predefined_reason: Option<i64>,
    /// `deleted` (the video is gone) or `blacklisted` (Kinora has no blocklist: nothing).
    pub video_is: Option<String>,
    /// Video name, reason, reporter's or flagged account's name.
    pub search: Option<String>,
    pub search_reporter: Option<String>,
    pub search_reportee: Option<String>,
    pub search_video: Option<String>,
    pub search_video_channel: Option<String>,
    pub sort: AbuseSort,
    pub start: i64,
    pub count: i64,
}

impl Default for AbuseFilter {
    fn default() -> Self {
        AbuseFilter {
            id: None,
            reporter_id: None,
            kind: None,
            state: None,
            predefined_reason: None,
            video_is: None,
            search: None,
            search_reporter: None,
            search_reportee: None,
            search_video: None,
            search_video_channel: None,
            sort: AbuseSort::Id { desc: true },
            start: 0,
            count: 15,
        }
    }
}

// Names of an actor for the searches: its name and display name.
const REPORTER_NAMES: &str =
    "(SELECT r.name || ' ' || r.display_name FROM actors r WHERE r.id = a.reporter_id)";
const REPORTEE_NAMES: &str = "(SELECT f.name || ' ' || f.display_name FROM accounts acc \
     JOIN actors f ON f.id = acc.actor_id WHERE acc.id = a.flagged_account_id)";
const VIDEO_NAME: &str = "COALESCE((SELECT v.name FROM videos v WHERE v.id = a.video_id), \
     json_extract(a.video_snapshot, '$.name'))";
const CHANNEL_NAMES: &str = "(SELECT ca.name || ' ' || ca.display_name FROM videos v \
     JOIN channels ch ON ch.id = v.channel_id JOIN actors ca ON ca.id = ch.actor_id WHERE v.id = a.video_id)";

/// `(WHERE clause, parameters)` of a filter; text searches are case-insensitive substrings
/// (instr, so `%` and `_` in a search mean themselves).
fn where_clause(f: &AbuseFilter) -> (String, Vec<SqlValue>) {
    let mut conditions: Vec<String> = vec!["1 = 1".into()];
    let mut values: Vec<SqlValue> = Vec::new();
    let bind = |values: &mut Vec<SqlValue>, v: SqlValue| {
        values.push(v);
        format!("?{}", values.len())
    };
    if let Some(id) = f.id {
        let p = bind(&mut values, id.into());
        conditions.push(format!("a.id = {p}"));
    }
    if let Some(reporter) = f.reporter_id {
        let p = bind(&mut values, reporter.into());
        conditions.push(format!("a.reporter_id = {p}"));
    }
    if let Some(kind) = &f.kind {
        let p = bind(&mut values, kind.clone().into());
        conditions.push(format!("a.kind = {p}"));
    }
    if let Some(state) = f.state {
        let p = bind(&mut values, state.into());
        conditions.push(format!("a.state = {p}"));
    }
    if let Some(reason) = f.predefined_reason {
        let p = bind(&mut values, (1i64 << (reason - 1)).into());
        conditions.push(format!("(a.predefined_reasons & {p}) != 0"));
    }
    match f.video_is.as_deref() {
        Some("deleted") => conditions.push("a.kind = 'video' AND a.video_id IS NULL".into()),
        Some(_) => conditions.push("0 = 1".into()),
        None => {}
    }
    let mut contains = |values: &mut Vec<SqlValue>, exprs: &[&str], needle: &Option<String>| {
        if let Some(n) = needle.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            let p = bind(values, n.to_lowercase().into());
            let any: Vec<String> = exprs
                .iter()
                .map(|e| format!("instr(lower(COALESCE({e}, '')), {p}) > 0"))
                .collect();
            conditions.push(format!("({})", any.join(" OR ")));
        }
    };
    contains(
        &mut values,
        &[VIDEO_NAME, "a.reason", REPORTER_NAMES, REPORTEE_NAMES],
        &f.search,
    );
    contains(&mut values, &[REPORTER_NAMES], &f.search_reporter);
    contains(&mut values, &[REPORTEE_NAMES], &f.search_reportee);
    contains(&mut values, &[VIDEO_NAME], &f.search_video);
    contains(&mut values, &[CHANNEL_NAMES], &f.search_video_channel);
    (conditions.join(" AND "), values)
}

/// `(total matching, this page)`.
pub fn list(conn: &Connection, f: &AbuseFilter) -> Result<(i64, Vec<AbuseRow>), StoreError> {
    let (cond, values) = where_clause(f);
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM abuses a WHERE {cond}"),
        params_from_iter(values.iter()),
        |r| r.get(0),
    )?;
    let mut page = values.clone();
    page.push(f.count.into());
    page.push(f.start.into());
    let n = values.len();
    let sql = format!(
        "SELECT {COLUMNS} FROM abuses a WHERE {cond} ORDER BY {} LIMIT ?{} OFFSET ?{}",
        f.sort.sql(),
        n + 1,
        n + 2
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(page.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

/// Sets the state and/or the moderators' note; the first change of state marks the report
/// processed. False when there is no such report.
pub fn update(
    conn: &Connection,
    id: i64,
    state: Option<i64>,
    moderation_comment: Option<&str>,
) -> Result<bool, StoreError> {
    let at = now();
    let before: Option<i64> = conn
        .query_row("SELECT state FROM abuses WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let found = conn.execute(
        "UPDATE abuses SET state = COALESCE(?1, state), \
         moderation_comment = CASE WHEN ?2 IS NULL THEN moderation_comment ELSE ?2 END, \
         processed_at = CASE WHEN ?1 IS NOT NULL AND processed_at IS NULL THEN ?3 ELSE processed_at END, \
         updated_at = ?3 WHERE id = ?4",
        params![state, moderation_comment, at, id],
    )? == 1;
    // A note alone, or the same state again, is no news for the reporter.
    if found && state.is_some() && state != before {
        super::notify::abuse_state_changed(conn, id);
    }
    Ok(found)
}

pub fn delete(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM abuses WHERE id = ?1", [id])? == 1)
}

/// Reports made by an actor since a time (the per-user rate limit).
pub fn count_by_reporter_since(
    conn: &Connection,
    reporter_id: i64,
    since: &str,
) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM abuses WHERE reporter_id = ?1 AND created_at >= ?2",
        params![reporter_id, since],
        |r| r.get(0),
    )?)
}

/// PeerTube's per-user counts: reports against the account, reports it made, and those of
/// them accepted.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserAbuseCounts {
    pub against: i64,
    pub created: i64,
    pub accepted: i64,
}

pub fn counts_for_account(
    conn: &Connection,
    account_id: i64,
    actor_id: i64,
) -> Result<UserAbuseCounts, StoreError> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM abuses WHERE flagged_account_id = ?1), \
                (SELECT COUNT(*) FROM abuses WHERE reporter_id = ?2), \
                (SELECT COUNT(*) FROM abuses WHERE reporter_id = ?2 AND state = 3)",
        params![account_id, actor_id],
        |r| {
            Ok(UserAbuseCounts {
                against: r.get(0)?,
                created: r.get(1)?,
                accepted: r.get(2)?,
            })
        },
    )?)
}

/// `(total, processed, mean response in ms over reports made since `since`)` for the server
/// statistics. Processed: the state changed once, or a moderator answered.
pub fn stats(conn: &Connection, since: &str) -> Result<(i64, i64, Option<f64>), StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*), \
                COUNT(*) FILTER (WHERE processed_at IS NOT NULL OR state != 1), \
                AVG((julianday(processed_at) - julianday(created_at)) * 86400000.0) \
                    FILTER (WHERE processed_at IS NOT NULL AND created_at > ?1) \
         FROM abuses",
        [since],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// V10 keeps the reports V7 stored: a video report learns its flagged account (the
    /// channel's owner) and a snapshot of the video, an account report keeps its account.
    #[test]
    fn v10_keeps_the_reports_received_before_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        super::super::embedded::migrations::runner()
            .set_target(refinery::Target::Version(9))
            .run(&mut conn)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO actors (id, kind, name, display_name, created_at, updated_at) VALUES
               (1, 'Person', 'owner', 'Owner', 't', 't'), (2, 'Group', 'owner_channel', 'C', 't', 't'),
               (3, 'Person', 'reporter', 'R', 't', 't');
             INSERT INTO accounts (id, actor_id) VALUES (10, 1), (30, 3);
             INSERT INTO channels (id, actor_id, account_id) VALUES (20, 2, 10);
             INSERT INTO videos (id, uuid, channel_id, name, privacy, nsfw, original_filename, original_size,
                                 hls_uuid, created_at, updated_at)
               VALUES (5, 'u-1', 20, 'Old clip', 1, 1, 'a.mp4', 1, 'h', 't', 't');
             INSERT INTO abuses (id, reporter_id, video_id, account_id, reason, activity_url, created_at) VALUES
               (1, 3, 5, NULL, 'spam', 'https://x/flags/1', '2026-01-01T00:00:00.000Z'),
               (2, 3, NULL, 10, 'rude', NULL, '2026-01-02T00:00:00.000Z');",
        )
        .unwrap();
        super::super::embedded::migrations::runner()
            .run(&mut conn)
            .unwrap();
        let video = get(&conn, 1).unwrap().unwrap();
        assert_eq!(
            (
                video.kind.as_str(),
                video.flagged_account_id,
                video.video_id
            ),
            ("video", Some(10), Some(5))
        );
        assert_eq!((video.state, video.reason.as_str()), (1, "spam"));
        assert_eq!(video.activity_url.as_deref(), Some("https://x/flags/1"));
        let snapshot: serde_json::Value =
            serde_json::from_str(video.video_snapshot.as_deref().unwrap()).unwrap();
        assert_eq!(
            snapshot,
            serde_json::json!({ "id": 5, "uuid": "u-1", "name": "Old clip", "nsfw": true })
        );
        let account = get(&conn, 2).unwrap().unwrap();
        assert_eq!(
            (
                account.kind.as_str(),
                account.flagged_account_id,
                account.video_id
            ),
            ("account", Some(10), None)
        );
        assert_eq!(account.updated_at, "2026-01-02T00:00:00.000Z");
        // The video goes, its report stays.
        conn.execute("DELETE FROM videos WHERE id = 5", []).unwrap();
        let after = get(&conn, 1).unwrap().unwrap();
        assert_eq!((after.video_id, after.kind.as_str()), (None, "video"));
        let (total, _) = list(
            &conn,
            &AbuseFilter {
                video_is: Some("deleted".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(total, 1);
    }
}
