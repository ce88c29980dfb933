//! PeerTube's `UserNotification` JSON: the type, read flag and dates, with the nested object
//! of each type (`video` with its channel, `comment`, `abuse`, `actorFollow`).

use serde_json::{Value, json};

use super::json::{Urls, image_list};
use crate::domain::notifications::{ActorInfo, NotificationView, VideoInfo};
use crate::domain::video_ids::short_uuid;

fn video(v: &VideoInfo) -> Value {
    let short = uuid::Uuid::parse_str(&v.uuid)
        .map(|u| json!(short_uuid(&u)))
        .unwrap_or(Value::Null);
    json!({ "id": v.id, "uuid": v.uuid, "shortUUID": short, "name": v.name })
}

fn actor(urls: &Urls, a: &ActorInfo) -> Value {
    let avatars = image_list(urls, &a.images, "avatar");
    json!({
        "id": a.id,
        "name": a.name,
        "displayName": a.display_name,
        "host": a.host.clone().unwrap_or_else(|| urls.host.clone()),
        "avatar": avatars.first(),
        "avatars": avatars,
    })
}

pub fn notification(urls: &Urls, v: &NotificationView) -> Value {
    let r = &v.row;
    let video_json = match &v.video {
        Some((info, channel)) => {
            let mut out = video(info);
            out["channel"] = actor(urls, channel);
            out
        }
        None => Value::Null,
    };
    let comment = match &v.comment {
        Some(c) => json!({
            "id": c.id,
            "threadId": c.thread_id,
            "heldForReview": c.held_for_review,
            "video": video(&c.video),
            "account": c.account.as_ref().map(|a| actor(urls, a)),
        }),
        None => Value::Null,
    };
    let abuse = match &v.abuse {
        Some(a) => json!({
            "id": a.id,
            "state": a.state,
            "video": a.video.as_ref().map(video),
            "comment": a.comment.as_ref().map(|(thread, v)| json!({ "threadId": thread, "video": video(v) })),
            "account": a.account.as_ref().map(|acc| actor(urls, acc)),
        }),
        None => Value::Null,
    };
    // The 6.3 specification names the report of a video `videoAbuse`; PeerTube's own client
    // reads `abuse`. Both are given.
    let video_abuse = match &v.abuse {
        Some(a) if a.video.is_some() => json!({ "id": a.id, "video": a.video.as_ref().map(video) }),
        _ => Value::Null,
    };
    let follow = match &v.follow {
        Some(f) => json!({
            "id": f.id,
            "state": f.state,
            "follower": actor(urls, &f.follower),
            "following": {
                "type": f.following_type,
                "name": f.following.name,
                "displayName": f.following.display_name,
                "host": f.following.host.clone().unwrap_or_else(|| urls.host.clone()),
            },
        }),
        None => Value::Null,
    };
    json!({
        "id": r.id,
        "type": r.kind,
        "read": r.read,
        "video": video_json,
        "videoImport": null,
        "comment": comment,
        "abuse": abuse,
        "videoAbuse": video_abuse,
        "videoBlacklist": null,
        "account": v.account.as_ref().map(|a| actor(urls, a)),
        "actorFollow": follow,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
    })
}
