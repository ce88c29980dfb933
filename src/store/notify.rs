//! Who is told of what: the producers of user notifications, called by the store functions that
//! create reports, comments, follows and messages and publish videos, so the API, the web pages
//! and the ActivityPub inbox all notify the same way. A producer never undoes the change that
//! called it: its work runs under a savepoint that is rolled back, and logged, on failure. What
//! an account or server the user (or the instance) muted did tells that user nothing.

use std::sync::OnceLock;

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use super::notifications::{self as n, Refs};

/// This instance's host as it appears in handles (`host` or `host:port`), for mentions.
static LOCAL_HOST: OnceLock<String> = OnceLock::new();

/// Called once by `serve`; until then (CLI commands, unit tests) only bare `@name` mentions in
/// local comments are recognised.
pub fn set_local_host(host: &str) {
    let _ = LOCAL_HOST.set(host.to_string());
}

/// How old a remote video may be and still be news to its channel's subscribers. Older ones
/// arrive by crawling a channel just followed or by a search: its back catalogue, not news.
const REMOTE_NEWS_WINDOW: time::Duration = time::Duration::days(2);

fn guarded(conn: &Connection, what: &str, f: impl FnOnce(&Connection) -> Result<(), StoreError>) {
    if conn.execute_batch("SAVEPOINT notify").is_err() {
        return;
    }
    match f(conn) {
        Ok(()) => {
            let _ = conn.execute_batch("RELEASE notify");
        }
        Err(e) => {
            tracing::warn!(error = %e, what, "could not create a notification");
            let _ = conn.execute_batch("ROLLBACK TO notify; RELEASE notify");
        }
    }
}

/// Creates the notification unless the user's setting for it lacks the web bit.
fn tell(
    conn: &Connection,
    user_id: i64,
    kind: i64,
    setting: &str,
    refs: Refs,
) -> Result<(), StoreError> {
    if n::setting(conn, user_id, setting)? & n::WEB != 0 {
        n::insert(conn, user_id, kind, refs)?;
    }
    Ok(())
}

/// Whether `user` has muted the actor behind a notification, or its server, or the instance has
/// (PeerTube's `isBlockedByServerOrAccount`): then nothing is recorded.
fn muted(conn: &Connection, user_id: i64, actor_id: i64) -> Result<bool, StoreError> {
    let Some((host, account)): Option<(Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT a.host, acc.id FROM actors a LEFT JOIN accounts acc ON acc.actor_id = a.id \
             WHERE a.id = ?1",
            [actor_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
    else {
        return Ok(false);
    };
    let own: Option<i64> = conn
        .query_row(
            "SELECT id FROM accounts WHERE user_id = ?1",
            [user_id],
            |r| r.get(0),
        )
        .optional()?;
    // The instance's own lists (no owner), then the user's.
    for owner in std::iter::once(None).chain(own.map(Some)) {
        if let Some(target) = account
            && super::blocklist::is_account_blocked(conn, owner, target)?
        {
            return Ok(true);
        }
        if let Some(h) = &host
            && super::blocklist::is_host_blocked(conn, owner, h)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`tell`], unless the user muted `actor_id` (who caused it) or its server.
fn tell_unless_muted(
    conn: &Connection,
    user_id: i64,
    actor_id: Option<i64>,
    kind: i64,
    setting: &str,
    refs: Refs,
) -> Result<(), StoreError> {
    if let Some(actor) = actor_id
        && muted(conn, user_id, actor)?
    {
        return Ok(());
    }
    tell(conn, user_id, kind, setting, refs)
}

fn ids(conn: &Connection, sql: &str, arg: i64) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([arg], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(rows)
}

/// Users who manage reports (administrators and moderators).
fn moderators(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    ids(conn, "SELECT id FROM users WHERE role <= ?1", 1)
}

/// The local user behind an actor (a local account's Person), if any.
fn user_of_actor(conn: &Connection, actor_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT user_id FROM accounts WHERE actor_id = ?1 AND user_id IS NOT NULL",
            [actor_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The local user (and their account) owning a video.
fn video_owner(conn: &Connection, video_id: i64) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT acc.user_id, acc.id FROM videos v JOIN channels ch ON ch.id = v.channel_id \
             JOIN accounts acc ON acc.id = ch.account_id \
             WHERE v.id = ?1 AND acc.user_id IS NOT NULL",
            [video_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// A new report (made here or received with Flag): every moderator and administrator.
pub fn abuse_created(conn: &Connection, abuse_id: i64) {
    guarded(conn, "new abuse", |c| {
        let refs = Refs {
            abuse_id: Some(abuse_id),
            ..Default::default()
        };
        for user in moderators(c)? {
            tell(
                c,
                user,
                n::NEW_ABUSE_FOR_MODERATORS,
                "abuse_as_moderator",
                refs,
            )?;
        }
        Ok(())
    });
}

/// The local reporter of a report, if it has one.
fn reporter_user(conn: &Connection, abuse_id: i64) -> Result<Option<i64>, StoreError> {
    let reporter: Option<Option<i64>> = conn
        .query_row(
            "SELECT reporter_id FROM abuses WHERE id = ?1",
            [abuse_id],
            |r| r.get(0),
        )
        .optional()?;
    match reporter.flatten() {
        Some(actor) => user_of_actor(conn, actor),
        None => Ok(None),
    }
}

/// A moderator changed a report's state: its reporter, when a user here.
pub fn abuse_state_changed(conn: &Connection, abuse_id: i64) {
    guarded(conn, "abuse state change", |c| {
        if let Some(user) = reporter_user(c, abuse_id)? {
            let refs = Refs {
                abuse_id: Some(abuse_id),
                ..Default::default()
            };
            tell(c, user, n::ABUSE_STATE_CHANGE, "abuse_state_change", refs)?;
        }
        Ok(())
    });
}

/// A message on a report: the local reporter and the moderators, except its author (as
/// PeerTube's AbuseNewMessageForReporter and ...ForModerators).
pub fn abuse_message_added(conn: &Connection, abuse_id: i64, author_account_id: i64) {
    guarded(conn, "abuse message", |c| {
        let author: Option<i64> = c
            .query_row(
                "SELECT user_id FROM accounts WHERE id = ?1",
                [author_account_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let mut users = moderators(c)?;
        if let Some(reporter) = reporter_user(c, abuse_id)?
            && !users.contains(&reporter)
        {
            users.push(reporter);
        }
        let refs = Refs {
            abuse_id: Some(abuse_id),
            ..Default::default()
        };
        for user in users.into_iter().filter(|u| Some(*u) != author) {
            tell(c, user, n::ABUSE_NEW_MESSAGE, "abuse_new_message", refs)?;
        }
        Ok(())
    });
}

/// A new comment (local or remote) on a local user's video, unless the owner wrote it.
pub fn comment_created(conn: &Connection, comment_id: i64) {
    guarded(conn, "new comment", |c| {
        type Row = (i64, Option<i64>, Option<i64>, String, bool);
        let Some((video_id, author, author_actor, text, remote)): Option<Row> = c
            .query_row(
                "SELECT vc.video_id, vc.account_id, acc.actor_id, vc.text, vc.url IS NOT NULL \
                 FROM video_comments vc LEFT JOIN accounts acc ON acc.id = vc.account_id \
                 WHERE vc.id = ?1",
                [comment_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?
        else {
            return Ok(());
        };
        let refs = Refs {
            comment_id: Some(comment_id),
            video_id: Some(video_id),
            ..Default::default()
        };
        let owner = video_owner(c, video_id)?;
        if let Some((user, owner_account)) = owner
            && author != Some(owner_account)
        {
            tell_unless_muted(
                c,
                user,
                author_actor,
                n::NEW_COMMENT_ON_MY_VIDEO,
                "new_comment_on_my_video",
                refs,
            )?;
        }
        // Mentioned users, except the author and the video's owner (told above), as PeerTube.
        // Usernames are lower-case, as the mentions are, so the name index answers.
        let host = LOCAL_HOST.get().map(String::as_str);
        for name in super::mentions::local_mentions(&text, host, !remote) {
            let mentioned: Option<(i64, i64)> = c
                .query_row(
                    "SELECT acc.user_id, acc.id FROM actors a JOIN accounts acc ON acc.actor_id = a.id \
                     WHERE a.host IS NULL AND a.kind = 'Person' AND a.name = ?1 \
                     AND acc.user_id IS NOT NULL",
                    [&name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((user, account)) = mentioned
                && Some(account) != author
                && owner.is_none_or(|(owner_user, _)| owner_user != user)
            {
                tell_unless_muted(
                    c,
                    user,
                    author_actor,
                    n::COMMENT_MENTION,
                    "comment_mention",
                    refs,
                )?;
            }
        }
        Ok(())
    });
}

/// A new follower of a local account or channel (its owner is told), or of the instance
/// actor (the administrators are). Following oneself tells nobody.
pub fn follow_created(conn: &Connection, follow_id: i64) {
    guarded(conn, "new follow", |c| {
        let Some((follower, kind, owner_account, owner_user)): Option<(
            i64,
            String,
            Option<i64>,
            Option<i64>,
        )> = c
            .query_row(
                "SELECT f.follower_id, t.kind, \
                        COALESCE(pa.id, ca.id), COALESCE(pa.user_id, ca.user_id) \
                 FROM follows f JOIN actors t ON t.id = f.target_id \
                 LEFT JOIN accounts pa ON pa.actor_id = t.id \
                 LEFT JOIN channels ch ON ch.actor_id = t.id \
                 LEFT JOIN accounts ca ON ca.id = ch.account_id \
                 WHERE f.id = ?1 AND t.host IS NULL",
                [follow_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
        else {
            return Ok(());
        };
        let refs = Refs {
            follow_id: Some(follow_id),
            ..Default::default()
        };
        if kind == "Application" {
            for admin in ids(c, "SELECT id FROM users WHERE role = ?1", 0)? {
                tell_unless_muted(
                    c,
                    admin,
                    Some(follower),
                    n::NEW_INSTANCE_FOLLOWER,
                    "new_instance_follower",
                    refs,
                )?;
            }
            return Ok(());
        }
        let Some(user) = owner_user else {
            return Ok(());
        };
        let own: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE actor_id = ?1 AND id IS ?2)",
            params![follower, owner_account],
            |r| r.get(0),
        )?;
        if own {
            return Ok(());
        }
        tell_unless_muted(c, user, Some(follower), n::NEW_FOLLOW, "new_follow", refs)
    });
}

/// A local video was published for the first time (processing finished): its owner.
pub fn video_published(conn: &Connection, video_id: i64) {
    guarded(conn, "video published", |c| {
        if let Some((user, _)) = video_owner(c, video_id)? {
            let refs = Refs {
                video_id: Some(video_id),
                ..Default::default()
            };
            tell(c, user, n::MY_VIDEO_PUBLISHED, "my_video_published", refs)?;
        }
        Ok(())
    });
}

/// A public video of a channel that local users subscribe to became visible (a local video
/// published, or made public, a recent remote one received): each subscriber but the channel's
/// owner is told, once per video.
pub fn video_from_subscription(conn: &Connection, video_id: i64) {
    guarded(conn, "new video from subscription", |c| {
        let cutoff = super::timestamp(time::OffsetDateTime::now_utc() - REMOTE_NEWS_WINDOW);
        let news: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM videos WHERE id = ?1 AND privacy = 1 AND state = 1 \
             AND published_at IS NOT NULL AND (url IS NULL OR published_at >= ?2)) \
             AND NOT EXISTS (SELECT 1 FROM notifications WHERE video_id = ?1 AND type = ?3)",
            params![video_id, cutoff, n::NEW_VIDEO_FROM_SUBSCRIPTION],
            |r| r.get(0),
        )?;
        if !news {
            return Ok(());
        }
        let subscribers = ids(
            c,
            "SELECT DISTINCT acc.user_id FROM videos v JOIN channels ch ON ch.id = v.channel_id \
             JOIN follows f ON f.target_id = ch.actor_id AND f.state = 'accepted' \
             JOIN accounts acc ON acc.actor_id = f.follower_id \
             WHERE v.id = ?1 AND acc.user_id IS NOT NULL AND acc.id IS NOT ch.account_id",
            video_id,
        )?;
        let refs = Refs {
            video_id: Some(video_id),
            ..Default::default()
        };
        for user in subscribers {
            tell(
                c,
                user,
                n::NEW_VIDEO_FROM_SUBSCRIPTION,
                "new_video_from_subscription",
                refs,
            )?;
        }
        Ok(())
    });
}

/// Someone signed up without needing approval: the administrators and moderators (PeerTube
/// tells the users who may manage users).
pub fn user_registered(conn: &Connection, account_id: i64) {
    guarded(conn, "new user registration", |c| {
        let refs = Refs {
            account_id: Some(account_id),
            ..Default::default()
        };
        for user in moderators(c)? {
            tell(
                c,
                user,
                n::NEW_USER_REGISTRATION,
                "new_user_registration",
                refs,
            )?;
        }
        Ok(())
    });
}
