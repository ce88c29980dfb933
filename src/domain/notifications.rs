//! A user's own notifications (PeerTube's `/users/me/notifications`): the list with what each
//! one is about, marking them read, and the per-type settings. They are produced by
//! `store::notify` where reports, comments, follows and messages are created.

use rusqlite::Connection;

use super::{DomainError, DomainResult};
use crate::store::Store;
use crate::store::images::{self, ImageRow};
use crate::store::notifications::{self as n, NotificationRow};
use crate::store::{abuses, actors, comments, fed_actors, follows, remote, videos};

/// PeerTube's `ActorInfo`: who, with their avatars (`host` None for a local actor).
#[derive(Debug, Clone)]
pub struct ActorInfo {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub host: Option<String>,
    pub images: Vec<ImageRow>,
}

/// PeerTube's `VideoInfo`.
#[derive(Debug, Clone)]
pub struct VideoInfo {
    pub id: i64,
    pub uuid: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct CommentInfo {
    pub id: i64,
    pub thread_id: i64,
    pub held_for_review: bool,
    pub video: VideoInfo,
    pub account: Option<ActorInfo>,
}

/// The report a notification is about: what it reports, by its kind.
#[derive(Debug, Clone)]
pub struct AbuseInfo {
    pub id: i64,
    pub state: i64,
    pub video: Option<VideoInfo>,
    /// The reported comment's thread and video.
    pub comment: Option<(i64, VideoInfo)>,
    pub account: Option<ActorInfo>,
}

#[derive(Debug, Clone)]
pub struct FollowInfo {
    pub id: i64,
    pub state: String,
    pub follower: ActorInfo,
    /// `account`, `channel` or `instance`.
    pub following_type: &'static str,
    pub following: ActorInfo,
}

#[derive(Debug, Clone)]
pub struct NotificationView {
    pub row: NotificationRow,
    /// The video with its channel.
    pub video: Option<(VideoInfo, ActorInfo)>,
    pub comment: Option<CommentInfo>,
    pub abuse: Option<AbuseInfo>,
    pub follow: Option<FollowInfo>,
    /// The account a notification is about (a new user's, for type 9).
    pub account: Option<ActorInfo>,
}

fn video_info(conn: &Connection, id: i64) -> DomainResult<Option<(VideoInfo, i64)>> {
    Ok(videos::by_id(conn, id)?.map(|v| {
        (
            VideoInfo {
                id: v.id,
                uuid: v.uuid,
                name: v.name,
            },
            v.channel_id,
        )
    }))
}

fn actor_info(conn: &Connection, id: i64, actor: &actors::ActorRow) -> DomainResult<ActorInfo> {
    Ok(ActorInfo {
        id,
        name: actor.name.clone(),
        display_name: actor.display_name.clone(),
        host: actor.host.clone(),
        images: images::of_actor(conn, actor.id)?,
    })
}

fn account_info(conn: &Connection, account_id: i64) -> DomainResult<Option<ActorInfo>> {
    match actors::account_by_id(conn, account_id)? {
        Some(a) => Ok(Some(actor_info(conn, a.id, &a.actor)?)),
        None => Ok(None),
    }
}

fn channel_info(conn: &Connection, channel_id: i64) -> DomainResult<Option<ActorInfo>> {
    match actors::channel_by_id(conn, channel_id)? {
        Some(c) => Ok(Some(actor_info(conn, c.id, &c.actor)?)),
        None => Ok(None),
    }
}

/// Any actor: its account's (or channel's) id as PeerTube numbers it, else the actor's own.
fn fed_actor_info(conn: &Connection, actor_id: i64) -> DomainResult<Option<ActorInfo>> {
    let Some(a) = fed_actors::by_id(conn, actor_id)? else {
        return Ok(None);
    };
    let id = match fed_actors::account_id_of_actor(conn, actor_id)? {
        Some(account) => account,
        None => fed_actors::channel_id_of_actor(conn, actor_id)?.unwrap_or(actor_id),
    };
    Ok(Some(ActorInfo {
        id,
        name: a.name,
        display_name: a.display_name,
        host: a.host,
        images: images::of_actor(conn, actor_id)?,
    }))
}

fn comment_info(conn: &Connection, id: i64) -> DomainResult<Option<CommentInfo>> {
    let Some((video_id, ..)) = remote::comment_parts(conn, id)? else {
        return Ok(None);
    };
    let (Some(c), Some((video, _))) = (
        comments::get(conn, video_id, id)?,
        video_info(conn, video_id)?,
    ) else {
        return Ok(None);
    };
    let account = match c.account_id {
        Some(a) => account_info(conn, a)?,
        None => None,
    };
    Ok(Some(CommentInfo {
        id: c.id,
        thread_id: c.thread_id.unwrap_or(c.id),
        held_for_review: c.held_for_review,
        video,
        account,
    }))
}

fn abuse_info(conn: &Connection, id: i64) -> DomainResult<Option<AbuseInfo>> {
    let Some(a) = abuses::get(conn, id)? else {
        return Ok(None);
    };
    let video = match (a.kind.as_str(), a.video_id) {
        ("video", Some(v)) => video_info(conn, v)?.map(|(v, _)| v),
        _ => None,
    };
    let comment = match (a.kind.as_str(), a.comment_id) {
        ("comment", Some(c)) => comment_info(conn, c)?.map(|c| (c.thread_id, c.video)),
        _ => None,
    };
    let account = match (a.kind.as_str(), a.flagged_account_id) {
        ("account", Some(acc)) => account_info(conn, acc)?,
        _ => None,
    };
    Ok(Some(AbuseInfo {
        id: a.id,
        state: a.state,
        video,
        comment,
        account,
    }))
}

fn follow_info(conn: &Connection, id: i64) -> DomainResult<Option<FollowInfo>> {
    let Some(f) = follows::by_id(conn, id)? else {
        return Ok(None);
    };
    let (Some(follower), Some(following)) = (
        fed_actor_info(conn, f.follower_id)?,
        fed_actor_info(conn, f.target_id)?,
    ) else {
        return Ok(None);
    };
    let kind = fed_actors::by_id(conn, f.target_id)?.map(|a| a.kind);
    let following_type = match kind.as_deref() {
        Some("Group") => "channel",
        Some("Application") => "instance",
        _ => "account",
    };
    Ok(Some(FollowInfo {
        id: f.id,
        state: f.state,
        follower,
        following_type,
        following,
    }))
}

fn view(conn: &Connection, row: NotificationRow) -> DomainResult<NotificationView> {
    // The comment carries its video; a notification about a video alone shows it with its channel.
    let video = match (row.video_id, row.comment_id) {
        (Some(v), None) => match video_info(conn, v)? {
            Some((info, channel)) => channel_info(conn, channel)?.map(|c| (info, c)),
            None => None,
        },
        _ => None,
    };
    let comment = match row.comment_id {
        Some(c) => comment_info(conn, c)?,
        None => None,
    };
    let abuse = match row.abuse_id {
        Some(a) => abuse_info(conn, a)?,
        None => None,
    };
    let follow = match row.follow_id {
        Some(f) => follow_info(conn, f)?,
        None => None,
    };
    let account = match row.account_id {
        Some(a) => account_info(conn, a)?,
        None => None,
    };
    Ok(NotificationView {
        row,
        video,
        comment,
        abuse,
        follow,
        account,
    })
}

/// Which notifications `list` returns.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery {
    pub unread_only: bool,
    pub oldest_first: bool,
    pub start: i64,
    pub count: i64,
}

pub async fn list(
    store: &Store,
    user_id: i64,
    q: ListQuery,
) -> DomainResult<(i64, Vec<NotificationView>)> {
    store
        .read(move |conn| {
            let (total, rows) = n::list(
                conn,
                user_id,
                q.unread_only,
                q.oldest_first,
                q.start,
                q.count,
            )?;
            let views = rows
                .into_iter()
                .map(|r| view(conn, r))
                .collect::<DomainResult<Vec<_>>>()?;
            Ok((total, views))
        })
        .await
}

/// Marks the user's notifications among `ids` read; ids of other users' are ignored, as on
/// PeerTube.
pub async fn mark_read(store: &Store, user_id: i64, ids: Vec<i64>) -> DomainResult<()> {
    if ids.is_empty() {
        return Err(DomainError::invalid(
            "ids",
            "ids must be a non-empty array of ids",
        ));
    }
    store
        .write(move |tx| Ok::<_, DomainError>(n::mark_read(tx, user_id, &ids).map(|_| ())?))
        .await
}

pub async fn mark_all_read(store: &Store, user_id: i64) -> DomainResult<()> {
    store
        .write(move |tx| Ok::<_, DomainError>(n::mark_all_read(tx, user_id).map(|_| ())?))
        .await
}

/// `(API name, value)` of every setting.
pub async fn settings(store: &Store, user_id: i64) -> DomainResult<Vec<(&'static str, i64)>> {
    store
        .read(move |conn| Ok::<_, DomainError>(n::settings(conn, user_id)?))
        .await
}

/// Sets some settings; each value is 0 (none), 1 (web), 2 (email) or 3 (both).
pub async fn update_settings(
    store: &Store,
    user_id: i64,
    changes: Vec<(String, i64)>,
) -> DomainResult<()> {
    if let Some((_, v)) = changes.iter().find(|(_, v)| !(0..=3).contains(v)) {
        return Err(DomainError::invalid(
            "notificationSettings",
            format!("{v} is not a notification setting value (0 none, 1 web, 2 email, 3 both)"),
        ));
    }
    store
        .write(move |tx| Ok::<_, DomainError>(n::update_settings(tx, user_id, &changes)?))
        .await
}
