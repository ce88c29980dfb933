//! Comments as `Note` objects (`/videos/watch/{uuid}/comments/{id}`), and deleted ones as
//! `Tombstone`.

use rusqlite::Connection;
use serde_json::{Value, json};

use super::video::watch_url;
use crate::federation::PUBLIC;
use crate::store::{StoreError, actors, comments, fed_actors, remote, videos};

pub fn comment_url(base: &str, video_uuid: &str, id: i64) -> String {
    format!("{}/comments/{id}", watch_url(base, video_uuid))
}

/// The ActivityPub id of any comment: its stored id when remote, else ours.
pub fn any_comment_url(
    conn: &Connection,
    base: &str,
    id: i64,
) -> Result<Option<String>, StoreError> {
    let Some((video_id, _, _, url)) = remote::comment_parts(conn, id)? else {
        return Ok(None);
    };
    if url.is_some() {
        return Ok(url);
    }
    let Some(video) = videos::by_id(conn, video_id)? else {
        return Ok(None);
    };
    Ok(Some(comment_url(base, &video.uuid, id)))
}

/// The id of any video: remote url or our watch URL.
pub fn any_video_url(base: &str, v: &videos::VideoRow) -> String {
    v.url.clone().unwrap_or_else(|| watch_url(base, &v.uuid))
}

/// The Note (or Tombstone) of a local comment, with the author's actor id.
pub fn object(
    conn: &Connection,
    base: &str,
    video_id: i64,
    id: i64,
) -> Result<Option<(Value, i64)>, StoreError> {
    let Some(c) = comments::get(conn, video_id, id)? else {
        return Ok(None);
    };
    let Some(video) = videos::by_id(conn, video_id)? else {
        return Ok(None);
    };
    let Some(account_id) = c.account_id else {
        return Ok(None);
    };
    let Some(account) = actors::account_by_id(conn, account_id)? else {
        return Ok(None);
    };
    if account.actor.host.is_some() {
        return Ok(None);
    }
    let url = comment_url(base, &video.uuid, c.id);
    if let Some(deleted) = &c.deleted_at {
        return Ok(Some((
            json!({ "type": "Tombstone", "id": url, "formerType": "Note", "deleted": deleted,
                    "published": c.created_at, "updated": c.updated_at, "url": url }),
            account.actor.id,
        )));
    }
    let in_reply_to = match c.in_reply_to {
        Some(parent) => {
            any_comment_url(conn, base, parent)?.unwrap_or_else(|| any_video_url(base, &video))
        }
        None => any_video_url(base, &video),
    };
    let author = format!("{base}/accounts/{}", account.actor.name);
    let mut cc = vec![json!(format!("{author}/followers"))];
    // Address the video's owner so their server (and Mastodon) sees the reply.
    if let Some(channel) = actors::channel_by_id(conn, video.channel_id)?
        && let Some(owner) = actors::account_by_id(conn, channel.account_id)?
        && let Some(owner_actor) = fed_actors::by_id(conn, owner.actor.id)?
        && owner_actor.host.is_some()
        && let Some(u) = owner_actor.url
    {
        cc.push(json!(u));
    }
    let mut note = json!({
            "type": "Note",
            "id": url,
            "content": c.text,
            "mediaType": "text/markdown",
            "inReplyTo": in_reply_to,
            "updated": c.updated_at,
            "published": c.created_at,
            "url": url,
            "attributedTo": author,
            "to": [PUBLIC],
            "cc": cc,
            "tag": [],
            "replies": format!("{url}/replies"),
    });
    // Released by the remote video's owner: its origin forwards the Note only with this.
    if let Some(approval) = &c.reply_approval {
        note["replyApproval"] = json!(approval);
    }
    Ok(Some((note, account.actor.id)))
}
