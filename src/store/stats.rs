//! Counts for `/metrics` and `GET /api/v1/server/stats` (jobs by kind and state, users, videos,
//! comments, channels and registration requests), and the database checks of `kinora doctor`.
//! Aggregates over indexed columns; no row is loaded.

use rusqlite::{Connection, OptionalExtension};

use super::StoreError;

/// Live and failed jobs: (kind, state, count) for states queued, running and failed.
pub fn jobs_by_kind(conn: &Connection) -> Result<Vec<(String, String, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, state, COUNT(*) FROM jobs WHERE state IN ('queued', 'running', 'failed') \
         GROUP BY kind, state",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The numbers of PeerTube's `ServerStats` that this instance's tables hold.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ServerCounts {
    pub users: i64,
    pub daily_active_users: i64,
    pub weekly_active_users: i64,
    pub monthly_active_users: i64,
    pub moderators: i64,
    pub admins: i64,
    pub local_videos: i64,
    pub local_video_views: i64,
    pub local_video_comments: i64,
    pub local_video_files_size: i64,
    pub videos: i64,
    pub video_comments: i64,
    pub local_channels: i64,
    pub daily_active_channels: i64,
    pub weekly_active_channels: i64,
    pub monthly_active_channels: i64,
    pub registration_requests: i64,
    pub registration_requests_processed: i64,
    /// Mean time from a registration request to its answer, milliseconds.
    pub average_registration_response_ms: Option<f64>,
    /// Accepted follows of and by the instance actor.
    pub instance_followers: i64,
    pub instance_following: i64,
    /// Abuse reports (made here or received), those processed (judged or answered), and the
    /// mean time to the first judgement of the last three months' reports, milliseconds.
    pub abuses: i64,
    pub abuses_processed: i64,
    pub average_abuse_response_ms: Option<f64>,
    /// Outgoing activities waiting in the delivery queue.
    pub deliveries_waiting: i64,
}

fn count(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<i64, StoreError> {
    Ok(conn.prepare_cached(sql)?.query_row(params, |r| r.get(0))?)
}

/// `since_*` are timestamps in the store's format (the start of the last day, week, month).
pub fn server_counts(
    conn: &Connection,
    since_day: &str,
    since_week: &str,
    since_month: &str,
) -> Result<ServerCounts, StoreError> {
    let active_users = "SELECT COUNT(*) FROM users WHERE last_login_at >= ?1";
    // A channel is active in a period when it published a video in it, as PeerTube counts.
    let active_channels = "SELECT COUNT(DISTINCT v.channel_id) FROM videos v \
         JOIN channels c ON c.id = v.channel_id JOIN actors a ON a.id = c.actor_id \
         WHERE a.host IS NULL AND v.published_at >= ?1";
    // The instance actor is the local Application actor (none before federation first needs it).
    let instance = "(SELECT id FROM actors WHERE host IS NULL AND kind = 'Application')";
    let instance_follows = "SELECT COUNT(*) FROM follows WHERE state = 'accepted' AND";
    let local_videos = "FROM videos v JOIN channels c ON c.id = v.channel_id \
         JOIN actors a ON a.id = c.actor_id WHERE a.host IS NULL";
    // PeerTube averages the response time over the last three months' reports.
    let three_months_ago =
        super::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(90));
    let (abuses, abuses_processed, average_abuse_response_ms) =
        super::abuses::stats(conn, &three_months_ago)?;
    let (average, processed): (Option<f64>, i64) = conn
        .prepare_cached(
            "SELECT AVG((julianday(updated_at) - julianday(created_at)) * 86400000.0), COUNT(*) \
             FROM registrations WHERE state <> 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((None, 0));
    Ok(ServerCounts {
        users: count(conn, "SELECT COUNT(*) FROM users", [])?,
        daily_active_users: count(conn, active_users, [since_day])?,
        weekly_active_users: count(conn, active_users, [since_week])?,
        monthly_active_users: count(conn, active_users, [since_month])?,
        moderators: count(conn, "SELECT COUNT(*) FROM users WHERE role = 1", [])?,
        admins: count(conn, "SELECT COUNT(*) FROM users WHERE role = 0", [])?,
        local_videos: count(conn, &format!("SELECT COUNT(*) {local_videos}"), [])?,
        local_video_views: count(
            conn,
            &format!("SELECT COALESCE(SUM(v.views), 0) {local_videos}"),
            [],
        )?,
        local_video_comments: count(
            conn,
            "SELECT COUNT(*) FROM video_comments m JOIN accounts ac ON ac.id = m.account_id \
             JOIN actors a ON a.id = ac.actor_id WHERE a.host IS NULL AND m.deleted_at IS NULL",
            [],
        )?,
        local_video_files_size: count(
            conn,
            &format!(
                "SELECT COALESCE(SUM(f.size), 0) FROM video_files f WHERE f.video_id IN \
                 (SELECT v.id {local_videos})"
            ),
            [],
        )?,
        videos: count(conn, "SELECT COUNT(*) FROM videos", [])?,
        video_comments: count(
            conn,
            "SELECT COUNT(*) FROM video_comments WHERE deleted_at IS NULL",
            [],
        )?,
        local_channels: count(
            conn,
            "SELECT COUNT(*) FROM channels c JOIN actors a ON a.id = c.actor_id \
             WHERE a.host IS NULL",
            [],
        )?,
        daily_active_channels: count(conn, active_channels, [since_day])?,
        weekly_active_channels: count(conn, active_channels, [since_week])?,
        monthly_active_channels: count(conn, active_channels, [since_month])?,
        registration_requests: count(conn, "SELECT COUNT(*) FROM registrations", [])?,
        registration_requests_processed: processed,
        average_registration_response_ms: average,
        instance_followers: count(
            conn,
            &format!("{instance_follows} target_id IN {instance}"),
            [],
        )?,
        instance_following: count(
            conn,
            &format!("{instance_follows} follower_id IN {instance}"),
            [],
        )?,
        abuses,
        abuses_processed,
        average_abuse_response_ms,
        deliveries_waiting: count(conn, "SELECT COUNT(*) FROM deliveries", [])?,
    })
}

/// The latest time the database recorded (ISO 8601 UTC), for the clock check of `kinora doctor`:
/// a clock earlier than this went backwards.
pub fn newest_timestamp(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row(
        "SELECT MAX(t) FROM (SELECT MAX(created_at) AS t FROM users \
         UNION ALL SELECT MAX(last_login_at) FROM users \
         UNION ALL SELECT MAX(created_at) FROM oauth_tokens \
         UNION ALL SELECT MAX(created_at) FROM videos \
         UNION ALL SELECT MAX(updated_at) FROM video_comments \
         UNION ALL SELECT MAX(created_at) FROM jobs)",
        [],
        |r| r.get(0),
    )?)
}

/// SQLite's `PRAGMA quick_check`: `ok`, or the first problems it found.
pub fn quick_check(conn: &Connection) -> Result<String, StoreError> {
    let mut stmt = conn.prepare("PRAGMA quick_check(5)")?;
    let lines = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(lines.collect::<Result<Vec<_>, _>>()?.join("; "))
}
