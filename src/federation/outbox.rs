//! Outgoing activities: built from the store inside the caller's transaction and queued for
//! durable delivery (one row per inbox, shared inboxes first, one job per host), so an
//! activity is queued exactly when the change that caused it commits.

use std::collections::HashSet;

use rusqlite::Connection;
use serde_json::{Value, json};

use super::objects::{self, actor, note, video};
use super::{PUBLIC, host_of};
use crate::store::jobs::{self, NewJob};
use crate::store::{StoreError, blocklist, deliveries, fed_actors, follows, videos};

/// The job kind that drains one host's delivery queue.
pub const DELIVER_JOB: &str = "federation-deliver";

pub(super) fn millis() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000
}

/// Queues `activity`, signed at delivery time by `signer_id`, for these (host, inbox) pairs:
/// duplicates, blocked hosts and hosts marked unreachable are skipped. Returns the number of
/// inboxes queued.
pub fn enqueue(
    conn: &Connection,
    signer_id: i64,
    activity: &Value,
    targets: Vec<(String, String)>,
) -> Result<usize, StoreError> {
    let body = objects::with_context(activity.clone()).to_string();
    enqueue_body(conn, signer_id, &body, targets)
}

/// `enqueue` for a body that must travel byte for byte (a forwarded activity).
pub fn enqueue_body(
    conn: &Connection,
    signer_id: i64,
    body: &str,
    targets: Vec<(String, String)>,
) -> Result<usize, StoreError> {
    let mut seen = HashSet::new();
    let mut hosts = HashSet::new();
    let mut queued = 0;
    for (host, inbox) in targets {
        if !seen.insert(inbox.clone())
            || deliveries::is_unreachable(conn, &host)?
            || blocklist::is_host_blocked(conn, None, &host)?
        {
            continue;
        }
        deliveries::insert(conn, &host, &inbox, signer_id, body)?;
        queued += 1;
        hosts.insert(host);
    }
    for host in hosts {
        jobs::push(
            conn,
            &NewJob {
                kind: DELIVER_JOB.into(),
                payload: json!({ "host": host }).to_string(),
                subject: Some(format!("host:{host}")),
                unique_key: Some(format!("deliver:{host}")),
                priority: 5,
                // The retry horizon (time, not attempts) decides when a host is given up.
                max_attempts: 100_000,
                ..Default::default()
            },
        )?;
    }
    if queued > 0 {
        super::hooks::note_queued();
    }
    Ok(queued)
}

/// The inbox of one remote actor (shared inbox first) as a delivery target.
pub fn inbox_of(a: &fed_actors::FedActor) -> Option<(String, String)> {
    let inbox = a.shared_inbox_url.clone().or_else(|| a.inbox_url.clone())?;
    Some((a.host.clone()?, inbox))
}

/// Followers of a video's account, channel and the instance actor, with the actor ids.
struct Audience {
    account: i64,
    channel: i64,
    instance: i64,
}

fn audience(
    conn: &Connection,
    l: &video::LocalVideo,
    instance_name: &str,
) -> Result<Audience, StoreError> {
    Ok(Audience {
        account: l.account_actor_id,
        channel: l.channel_actor_id,
        instance: fed_actors::ensure_instance_actor(conn, instance_name)?.id,
    })
}

fn actor_url(conn: &Connection, base: &str, id: i64) -> Result<Option<String>, StoreError> {
    Ok(fed_actors::by_id(conn, id)?.map(|a| actor::local_url(base, &a)))
}

/// New public video: Create from the Person to its followers, Announce from the Group and
/// from the instance actor to theirs; each inbox gets the first of these that reaches it.
pub fn video_created(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    video_id: i64,
) -> Result<(), StoreError> {
    let Some(l) = video::load(conn, video_id)? else {
        return Ok(());
    };
    if !video::federates(&l.video) {
        return Ok(());
    }
    let a = audience(conn, &l, instance_name)?;
    let object = video::object(base, &l);
    let id = video::watch_url(base, &l.video.uuid);
    let (Some(account), Some(channel), Some(instance)) = (
        actor_url(conn, base, a.account)?,
        actor_url(conn, base, a.channel)?,
        actor_url(conn, base, a.instance)?,
    ) else {
        return Ok(());
    };
    let mut sent: HashSet<String> = HashSet::new();
    let mut fresh = |targets: Vec<(String, String)>| -> Vec<(String, String)> {
        targets
            .into_iter()
            .filter(|(_, inbox)| sent.insert(inbox.clone()))
            .collect()
    };
    let create = json!({
        "type": "Create", "id": format!("{id}/activity"), "actor": account,
        "object": object, "to": object["to"], "cc": object["cc"],
    });
    enqueue(
        conn,
        a.account,
        &create,
        fresh(follows::follower_inboxes(conn, &[a.account])?),
    )?;
    for (actor_id, actor) in [(a.channel, &channel), (a.instance, &instance)] {
        let announce = json!({
            "type": "Announce", "id": format!("{actor}/announces/{}", l.video.id), "actor": actor,
            "object": id, "to": [PUBLIC, format!("{actor}/followers")], "cc": [],
        });
        enqueue(
            conn,
            actor_id,
            &announce,
            fresh(follows::follower_inboxes(conn, &[actor_id])?),
        )?;
    }
    Ok(())
}

/// Edited public video: Update from the Person to every follower of the account, the channel
/// and the instance.
pub fn video_updated(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    video_id: i64,
) -> Result<(), StoreError> {
    let Some(l) = video::load(conn, video_id)? else {
        return Ok(());
    };
    if !video::federates(&l.video) {
        return Ok(());
    }
    let a = audience(conn, &l, instance_name)?;
    let Some(account) = actor_url(conn, base, a.account)? else {
        return Ok(());
    };
    let object = video::object(base, &l);
    let update = json!({
        "type": "Update", "id": format!("{}/updates/{}", object["id"].as_str().unwrap_or_default(), millis()),
        "actor": account, "object": object, "to": object["to"], "cc": object["cc"],
    });
    let targets = follows::follower_inboxes(conn, &[a.account, a.channel, a.instance])?;
    enqueue(conn, a.account, &update, targets)?;
    Ok(())
}

/// A video leaves the fediverse (deleted, or made private): Delete from the Person.
pub fn video_removed(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    video_id: i64,
) -> Result<(), StoreError> {
    let Some(l) = video::load(conn, video_id)? else {
        return Ok(());
    };
    let a = audience(conn, &l, instance_name)?;
    let Some(account) = actor_url(conn, base, a.account)? else {
        return Ok(());
    };
    let id = video::watch_url(base, &l.video.uuid);
    let delete = json!({
        "type": "Delete", "id": format!("{id}/delete/{}", millis()), "actor": account,
        "object": id, "to": [PUBLIC], "cc": [],
    });
    let targets = follows::follower_inboxes(conn, &[a.account, a.channel, a.instance])?;
    enqueue(conn, a.account, &delete, targets)?;
    Ok(())
}

/// The (shared) inboxes of a remote video's channel and of its owner's account.
fn origin_inboxes(
    conn: &Connection,
    video: &videos::VideoRow,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut targets = Vec::new();
    if let Some(ch) = fed_actors::actor_of_channel(conn, video.channel_id)?
        .and_then(|id| fed_actors::by_id(conn, id).ok().flatten())
        && ch.host.is_some()
    {
        targets.extend(inbox_of(&ch));
        if let Some(account) = crate::store::actors::channel_by_id(conn, video.channel_id)?
            && let Some(owner) = fed_actors::actor_of_account(conn, account.account_id)?
            && let Some(o) = fed_actors::by_id(conn, owner)?
        {
            targets.extend(inbox_of(&o));
        }
    }
    Ok(targets)
}

/// Where a comment activity goes: the author's followers; the video's origin when remote, or
/// the video's followers when local; the remote authors of the parent comments.
fn comment_targets(
    conn: &Connection,
    instance_name: &str,
    video: &videos::VideoRow,
    author_actor: i64,
    parent: Option<i64>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut targets = follows::follower_inboxes(conn, &[author_actor])?;
    if video.url.is_some() {
        targets.extend(origin_inboxes(conn, video)?);
    } else if let Some(l) = video::load(conn, video.id)? {
        let a = audience(conn, &l, instance_name)?;
        targets.extend(follows::follower_inboxes(
            conn,
            &[a.account, a.channel, a.instance],
        )?);
    }
    let mut next = parent;
    for _ in 0..super::inbox::MAX_REPLY_DEPTH {
        let Some(id) = next else { break };
        let Some((_, _, account, _)) = crate::store::remote::comment_parts(conn, id)? else {
            break;
        };
        if let Some(account) = account
            && let Some(actor_id) = fed_actors::actor_of_account(conn, account)?
            && let Some(a) = fed_actors::by_id(conn, actor_id)?
            && a.host.is_some()
        {
            targets.extend(inbox_of(&a));
        }
        next = crate::store::comments::get(conn, video.id, id)?.and_then(|c| c.in_reply_to);
    }
    Ok(targets)
}

/// A local comment was posted (Create Note) or deleted (Delete of it).
pub fn comment_changed(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    video_id: i64,
    comment_id: i64,
) -> Result<(), StoreError> {
    let Some(video) = videos::by_id(conn, video_id)? else {
        return Ok(());
    };
    if !(video.privacy == 1 || video.privacy == 2) {
        return Ok(());
    }
    let Some((object, author_actor)) = note::object(conn, base, video_id, comment_id)? else {
        return Ok(());
    };
    let Some(c) = crate::store::comments::get(conn, video_id, comment_id)? else {
        return Ok(());
    };
    // Held on our video: nobody hears of it before our owner approves it. Held on a remote
    // video: its origin decides, so it is sent there (as PeerTube does), and only there.
    if c.held_for_review && video.url.is_none() {
        return Ok(());
    }
    let Some(author) = actor_url(conn, base, author_actor)? else {
        return Ok(());
    };
    let object_id = object["id"].as_str().unwrap_or_default().to_string();
    // Sent again once the video's owner approves it: under another id, or the origin (if it
    // remembers activity ids, as we do) would refuse it as a replay and not forward it.
    let create_id = match c.reply_approval {
        Some(_) => format!("{object_id}/activity/approved"),
        None => format!("{object_id}/activity"),
    };
    let activity = if object["type"] == "Tombstone" {
        json!({ "type": "Delete", "id": format!("{object_id}/delete"), "actor": author, "object": object_id, "to": [PUBLIC], "cc": [] })
    } else {
        json!({ "type": "Create", "id": create_id, "actor": author, "object": object, "to": object["to"], "cc": object["cc"] })
    };
    let targets = if c.held_for_review {
        origin_inboxes(conn, &video)?
    } else {
        comment_targets(conn, instance_name, &video, author_actor, c.in_reply_to)?
    };
    enqueue(conn, author_actor, &activity, targets)?;
    Ok(())
}

/// A remote comment on our video is approved (at once, or by the owner after review):
/// `ApproveReply` from the owner's Person to the author's inbox, as PeerTube's
/// `sendReplyApproval` shapes it, so that the author's server stops holding its copy (PeerTube
/// 6.2 holds it until then, and checks that the sender is the video's owner).
pub fn approve_reply(conn: &Connection, base: &str, comment_id: i64) -> Result<(), StoreError> {
    let Some((video_id, _, Some(account), Some(comment_url))) =
        crate::store::remote::comment_parts(conn, comment_id)?
    else {
        return Ok(());
    };
    let Some(l) = video::load(conn, video_id)? else {
        return Ok(());
    };
    let Some(owner) = actor_url(conn, base, l.account_actor_id)? else {
        return Ok(());
    };
    let Some(author) = fed_actors::actor_of_account(conn, account)?
        .and_then(|id| fed_actors::by_id(conn, id).ok().flatten())
    else {
        return Ok(());
    };
    // The author's own inbox, as PeerTube sends it and as we answer a Follow.
    let (Some(host), Some(inbox)) = (author.host.clone(), author.inbox_url.clone()) else {
        return Ok(());
    };
    let parent =
        crate::store::comments::get(conn, video_id, comment_id)?.and_then(|c| c.in_reply_to);
    let in_reply_to = match parent {
        Some(p) => note::any_comment_url(conn, base, p)?,
        None => None,
    }
    .unwrap_or_else(|| video::watch_url(base, &l.video.uuid));
    let id = format!(
        "{}/approve-reply",
        note::comment_url(base, &l.video.uuid, comment_id)
    );
    let activity = json!({
        "type": "ApproveReply", "id": id, "actor": owner,
        "object": comment_url, "inReplyTo": in_reply_to,
    });
    enqueue(conn, l.account_actor_id, &activity, vec![(host, inbox)])?;
    Ok(())
}

/// A local user rated a remote video: Like, Dislike, or Undo of the previous one, sent to the
/// video's origin.
pub fn video_rated(
    conn: &Connection,
    base: &str,
    user_id: i64,
    video_id: i64,
    previous: Option<&str>,
    rating: Option<&str>,
) -> Result<(), StoreError> {
    if previous == rating {
        return Ok(());
    }
    let Some(video) = videos::by_id(conn, video_id)? else {
        return Ok(());
    };
    let Some(video_url) = video.url.clone() else {
        return Ok(());
    };
    let Some(account) = crate::store::actors::account_by_user(conn, user_id)? else {
        return Ok(());
    };
    let Some(me) = fed_actors::by_id(conn, account.actor.id)? else {
        return Ok(());
    };
    let my_url = actor::local_url(base, &me);
    let Some(channel_actor) = fed_actors::actor_of_channel(conn, video.channel_id)?
        .and_then(|id| fed_actors::by_id(conn, id).ok().flatten())
    else {
        return Ok(());
    };
    let Some(target) = inbox_of(&channel_actor) else {
        return Ok(());
    };
    let kind = |r: &str| if r == "like" { "Like" } else { "Dislike" };
    if let Some(prev) = previous {
        let undo = json!({
            "type": "Undo", "id": format!("{my_url}/undo/{}", millis()), "actor": my_url,
            "object": { "type": kind(prev), "id": format!("{my_url}/{}s/{}", prev, video.id), "actor": my_url, "object": video_url },
            "to": [PUBLIC], "cc": [],
        });
        enqueue(conn, me.id, &undo, vec![target.clone()])?;
    }
    if let Some(rate) = rating {
        let activity = json!({
            "type": kind(rate), "id": format!("{my_url}/{rate}s/{}/{}", video.id, millis()), "actor": my_url,
            "object": video_url, "to": [PUBLIC], "cc": [],
        });
        enqueue(conn, me.id, &activity, vec![target])?;
    }
    Ok(())
}

/// A view of a remote video, reported to its origin by the instance actor.
pub fn video_viewed(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    video_id: i64,
) -> Result<(), StoreError> {
    let Some(video) = videos::by_id(conn, video_id)? else {
        return Ok(());
    };
    let Some(video_url) = video.url.clone() else {
        return Ok(());
    };
    let instance = fed_actors::ensure_instance_actor(conn, instance_name)?;
    let me = actor::local_url(base, &instance);
    let Some(channel_actor) = fed_actors::actor_of_channel(conn, video.channel_id)?
        .and_then(|id| fed_actors::by_id(conn, id).ok().flatten())
    else {
        return Ok(());
    };
    let Some(target) = inbox_of(&channel_actor) else {
        return Ok(());
    };
    let view = json!({
        "type": "View", "id": format!("{me}/views/videos/{}/{}", video.id, uuid::Uuid::new_v4()),
        "actor": me, "object": video_url, "to": [PUBLIC], "cc": [],
    });
    enqueue(conn, instance.id, &view, vec![target])?;
    Ok(())
}

/// Follow (or Undo of a follow) from a local actor to a remote one; the Follow's id.
pub fn follow(
    conn: &Connection,
    base: &str,
    follower_id: i64,
    target: &fed_actors::FedActor,
    undo: Option<&str>,
) -> Result<String, StoreError> {
    let Some(me) = fed_actors::by_id(conn, follower_id)? else {
        return Ok(String::new());
    };
    let my_url = actor::local_url(base, &me);
    let Some(target_url) = target.url.clone() else {
        return Ok(String::new());
    };
    let Some(inbox) = target.inbox_url.clone() else {
        return Ok(String::new());
    };
    let Some(host) = target.host.clone().or_else(|| host_of(&inbox)) else {
        return Ok(String::new());
    };
    let follow_id = match undo {
        Some(id) => id.to_string(),
        None => format!("{my_url}/follows/{}", uuid::Uuid::new_v4()),
    };
    let follow =
        json!({ "type": "Follow", "id": follow_id, "actor": my_url, "object": target_url });
    let activity = match undo {
        Some(_) => {
            json!({ "type": "Undo", "id": format!("{follow_id}/undo/{}", millis()), "actor": my_url, "object": follow })
        }
        None => follow,
    };
    enqueue(conn, follower_id, &activity, vec![(host, inbox)])?;
    Ok(follow_id)
}

/// Accept or Reject of a Follow we received.
pub fn answer_follow(
    conn: &Connection,
    base: &str,
    target_id: i64,
    follower: &fed_actors::FedActor,
    follow_id: &str,
    accept: bool,
) -> Result<(), StoreError> {
    let Some(me) = fed_actors::by_id(conn, target_id)? else {
        return Ok(());
    };
    let my_url = actor::local_url(base, &me);
    let Some(target) = follower.inbox_url.clone() else {
        return Ok(());
    };
    let Some(host) = follower.host.clone() else {
        return Ok(());
    };
    let kind = if accept { "Accept" } else { "Reject" };
    let activity = json!({
        "type": kind, "id": format!("{my_url}/{}/{}", kind.to_ascii_lowercase(), millis()), "actor": my_url,
        "object": { "type": "Follow", "id": follow_id, "actor": follower.url, "object": my_url },
    });
    enqueue(conn, target_id, &activity, vec![(host, target)])?;
    Ok(())
}

// Flag (a local user's report of something hosted elsewhere) is built and queued by
// `super::flag` with `enqueue` and `inbox_of` above.
