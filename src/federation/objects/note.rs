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
    // The authors of the comments above, mentioned as PeerTube does; remote ones are addressed
    // too, which Mastodon requires before it notifies them of the reply.
    let (tag, mentioned) = thread_mentions(conn, base, video_id, c.in_reply_to)?;
    for id in mentioned {
        if !cc.iter().any(|c| c == id.as_str()) {
            cc.push(Value::String(id));
        }
    }
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
            "tag": tag,
    });
    // Released by the remote video's owner: its origin forwards the Note only with this.
    if let Some(approval) = &c.reply_approval {
        note["replyApproval"] = json!(approval);
    }
    Ok(Some((note, account.actor.id)))
}

/// `Mention` tags for the authors of a comment's ancestors (nearest first, each once), and
/// the ids of the remote ones among them.
fn thread_mentions(
    conn: &Connection,
    base: &str,
    video_id: i64,
    parent: Option<i64>,
) -> Result<(Vec<Value>, Vec<String>), StoreError> {
    let our_host = crate::federation::host_of(base).unwrap_or_default();
    let (mut tags, mut remote_ids, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    let mut next = parent;
    for _ in 0..crate::federation::inbox::MAX_REPLY_DEPTH {
        let Some(id) = next else { break };
        let Some(c) = comments::get(conn, video_id, id)? else {
            break;
        };
        next = c.in_reply_to;
        let Some(account) = c
            .account_id
            .map(|a| actors::account_by_id(conn, a))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        let actor = &account.actor;
        let href = match &actor.url {
            Some(url) if actor.host.is_some() => url.clone(),
            _ => format!("{base}/accounts/{}", actor.name),
        };
        if seen.contains(&href) {
            continue;
        }
        seen.push(href.clone());
        let host = actor.host.as_deref().unwrap_or(&our_host);
        tags.push(
            json!({ "type": "Mention", "href": href, "name": format!("@{}@{host}", actor.name) }),
        );
        if actor.host.is_some() {
            remote_ids.push(href);
        }
    }
    Ok((tags, remote_ids))
}
