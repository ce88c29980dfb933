//! Listing videos: PeerTube's list filters and sorts (`VideoFilter`) as one SQL query over
//! the videos table, with the total remembered until the database changes.

use rusqlite::Connection;

use super::StoreError;
use super::count_cache::CountCache;
use super::videos::{COLUMNS, VideoRow, from_row};

/// Listing filter: what the viewer may see, what to match, and how to order it.
#[derive(Debug, Clone, Default)]
pub struct VideoFilter {
    /// All of this user's own videos (their "my videos" list) instead of public published ones.
    pub owner_user: Option<i64>,
    pub channel_id: Option<i64>,
    pub account_id: Option<i64>,
    /// Full-text query over name, description and tags.
    pub search: Option<String>,
    pub tags_one_of: Vec<String>,
    pub tags_all_of: Vec<String>,
    pub category_one_of: Vec<i64>,
    pub licence_one_of: Vec<i64>,
    pub language_one_of: Vec<String>,
    /// Duration bounds in seconds (`durationMin`, `durationMax`).
    pub duration_min: Option<i64>,
    pub duration_max: Option<i64>,
    /// Publication bounds, as stored timestamps (`startDate`, `endDate`).
    pub published_after: Option<String>,
    pub published_before: Option<String>,
    /// `isLive=true`: Kinora has no live videos, so nothing matches.
    pub live_only: bool,
    /// `Some(false)` hides NSFW videos, `Some(true)` shows only them, `None` both.
    pub nsfw: Option<bool>,
    /// Privacies listed (other than with `owner_user`); empty means public only.
    pub privacies: Vec<i64>,
    /// Also list videos that are not published yet (moderators' `include=1`).
    pub include_unpublished: bool,
    /// `Some(true)` only local videos, `Some(false)` only remote ones.
    pub is_local: Option<bool>,
    /// Only videos of channels this actor follows (a user's subscriptions).
    pub followed_by_actor: Option<i64>,
    pub sort: String,
    /// With sort `-trending`: rank by the viewers counted since this timestamp (the trending
    /// window) instead of all-time views.
    pub trending_since: Option<String>,
    pub start: i64,
    pub count: i64,
}

/// The ORDER BY of a sort name; `published_only` lists carry a publication date on every row,
/// which lets the default order use the listing index.
/// PeerTube's sortable video columns (each also with a leading `-`), plus `match` for searches.
pub const SORTS: [&str; 12] = [
    "name",
    "duration",
    "createdAt",
    "publishedAt",
    "originallyPublishedAt",
    "views",
    "likes",
    "trending",
    "hot",
    "best",
    "localVideoFilesSize",
    "match",
];

/// Whether `sort` is one PeerTube accepts for videos (it answers 400 otherwise).
pub fn is_sort(sort: &str) -> bool {
    SORTS.contains(&sort.strip_prefix('-').unwrap_or(sort))
}

fn sort_clause(sort: &str, published_only: bool) -> &'static str {
    match sort {
        "-views" => "v.views DESC",
        "views" => "v.views ASC",
        "-likes" => "v.likes DESC",
        "likes" => "v.likes ASC",
        "-duration" => "v.duration DESC",
        "duration" => "v.duration ASC",
        "name" => "v.name COLLATE NOCASE ASC",
        "-name" => "v.name COLLATE NOCASE DESC",
        "createdAt" => "v.created_at ASC",
        "-createdAt" => "v.created_at DESC",
        "publishedAt" => "v.published_at ASC",
        // A video without an original publication date sorts by its publication here.
        "originallyPublishedAt" => "COALESCE(v.originally_published_at, v.published_at) ASC",
        "-originallyPublishedAt" => "COALESCE(v.originally_published_at, v.published_at) DESC",
        "-trending" | "-hot" | "-best" => "v.views DESC, v.published_at DESC",
        "trending" | "hot" | "best" => "v.views ASC, v.published_at ASC",
        "localVideoFilesSize" => {
            "(SELECT COALESCE(SUM(f.size), 0) FROM video_files f WHERE f.video_id = v.id) ASC"
        }
        "-localVideoFilesSize" => {
            "(SELECT COALESCE(SUM(f.size), 0) FROM video_files f WHERE f.video_id = v.id) DESC"
        }
        _ if published_only => "v.published_at DESC",
        _ => "COALESCE(v.published_at, v.created_at) DESC",
    }
}

/// FTS5 query from free text: each word quoted (so user input is never FTS syntax), as a prefix.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A page of videos matching the filter, and the total.
pub fn list(
    conn: &Connection,
    f: &VideoFilter,
    counts: &CountCache,
) -> Result<(i64, Vec<VideoRow>), StoreError> {
    use rusqlite::types::Value as V;
    let mut conditions: Vec<String> = Vec::new();
    let mut args: Vec<V> = Vec::new();
    match f.owner_user {
        Some(user) => {
            conditions.push(
                "v.channel_id IN (SELECT ch.id FROM channels ch \
                 JOIN accounts acc ON acc.id = ch.account_id WHERE acc.user_id = ?)"
                    .into(),
            );
            args.push(V::Integer(user));
        }
        None => {
            let privacies = if f.privacies.is_empty() {
                vec![1]
            } else {
                f.privacies.clone()
            };
            conditions.push(format!(
                "v.privacy IN ({})",
                vec!["?"; privacies.len()].join(", ")
            ));
            args.extend(privacies.into_iter().map(V::Integer));
            if !f.include_unpublished {
                conditions.push("v.state = 1".into());
            }
        }
    }
    if let Some(id) = f.channel_id {
        conditions.push("v.channel_id = ?".into());
        args.push(V::Integer(id));
    }
    if let Some(id) = f.account_id {
        conditions.push("v.channel_id IN (SELECT id FROM channels WHERE account_id = ?)".into());
        args.push(V::Integer(id));
    }
    if let Some(search) = &f.search {
        match fts_query(search) {
            Some(q) => {
                conditions
                    .push("v.id IN (SELECT rowid FROM videos_fts WHERE videos_fts MATCH ?)".into());
                args.push(V::Text(q));
            }
            None => conditions.push("0".into()),
        }
    }
    let list_placeholders = |n: usize| vec!["?"; n].join(", ");
    if !f.tags_one_of.is_empty() {
        conditions.push(format!(
            "v.id IN (SELECT video_id FROM video_tags WHERE tag IN ({}))",
            list_placeholders(f.tags_one_of.len())
        ));
        args.extend(f.tags_one_of.iter().map(|t| V::Text(t.clone())));
    }
    for tag in &f.tags_all_of {
        conditions.push("v.id IN (SELECT video_id FROM video_tags WHERE tag = ?)".into());
        args.push(V::Text(tag.clone()));
    }
    if !f.category_one_of.is_empty() {
        conditions.push(format!(
            "v.category IN ({})",
            list_placeholders(f.category_one_of.len())
        ));
        args.extend(f.category_one_of.iter().map(|c| V::Integer(*c)));
    }
    if !f.licence_one_of.is_empty() {
        conditions.push(format!(
            "v.licence IN ({})",
            list_placeholders(f.licence_one_of.len())
        ));
        args.extend(f.licence_one_of.iter().map(|c| V::Integer(*c)));
    }
    for (bound, column_test) in [
        (f.duration_min.map(V::Integer), "v.duration >= ?"),
        (f.duration_max.map(V::Integer), "v.duration <= ?"),
        (
            f.published_after.clone().map(V::Text),
            "v.published_at >= ?",
        ),
        (
            f.published_before.clone().map(V::Text),
            "v.published_at <= ?",
        ),
    ] {
        if let Some(bound) = bound {
            conditions.push(column_test.into());
            args.push(bound);
        }
    }
    if f.live_only {
        conditions.push("0".into());
    }
    if !f.language_one_of.is_empty() {
        conditions.push(format!(
            "v.language IN ({})",
            list_placeholders(f.language_one_of.len())
        ));
        args.extend(f.language_one_of.iter().map(|l| V::Text(l.clone())));
    }
    if let Some(nsfw) = f.nsfw {
        conditions.push("v.nsfw = ?".into());
        args.push(V::Integer(nsfw as i64));
    }
    match f.is_local {
        Some(true) => conditions.push("v.url IS NULL".into()),
        Some(false) => conditions.push("v.url IS NOT NULL".into()),
        None => {}
    }
    if let Some(actor) = f.followed_by_actor {
        conditions.push(
            "v.channel_id IN (SELECT id FROM channels WHERE actor_id IN \
             (SELECT target_id FROM follows WHERE follower_id = ?))"
                .into(),
        );
        args.push(V::Integer(actor));
    }
    let condition = conditions.join(" AND ");
    // Videos alone (owners matched by subqueries above), so that SQLite walks the
    // (privacy, state, published_at) index backwards for the default order instead of sorting
    // every row of the table: that is what keeps a page cheap on a large instance.
    let published_only = f.owner_user.is_none() && !f.include_unpublished;
    // Counting walks every matching index entry (10,000 on a large instance, most of a page's
    // cost), so the total is remembered until the database changes.
    let total = counts.count(
        conn,
        &format!("SELECT COUNT(*) FROM videos v WHERE {condition}"),
        &args,
    )?;
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("v.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let relevance = f.search.as_deref().and_then(fts_query);
    let order = match (&f.trending_since, f.sort.as_str(), relevance) {
        (Some(since), "-trending", _) => {
            args.push(V::Text(since.clone()));
            "(SELECT COUNT(*) FROM video_views vv WHERE vv.video_id = v.id AND vv.counted_at >= ?) DESC, \
             v.views DESC"
        }
        // Best match first: FTS5's bm25 rank is lower for a better match.
        (_, "-match", Some(q)) => {
            args.push(V::Text(q));
            "(SELECT bm25(videos_fts) FROM videos_fts WHERE videos_fts MATCH ? AND rowid = v.id) ASC"
        }
        _ => sort_clause(&f.sort, published_only),
    };
    args.push(V::Integer(f.count));
    args.push(V::Integer(f.start));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {columns} FROM videos v WHERE {condition} ORDER BY {order}, v.id DESC LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}
