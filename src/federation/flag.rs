//! Outgoing Flag: a local user's report of a remote video, comment or account is sent to the
//! server of the flagged account, in PeerTube's shape (`sendAbuse` / `buildFlagActivity`).
//!
//! As on PeerTube the reporter's own Person signs it (PeerTube refuses a Flag from an actor
//! without an account, and the origin's moderators can then answer the reporter), `object` is
//! the one reported URL (PeerTube's validator wants a single URL, not an array), the id is
//! `/admin/abuses/{id}`, the audience is the flagged account alone, and the predefined reasons
//! travel as `Hashtag` tags. Reports of local things, and reports received from elsewhere, are
//! not sent.

use rusqlite::Connection;
use serde_json::{Value, json};

use super::objects::actor;
use super::outbox::{enqueue, inbox_of};
use crate::domain::abuse_reasons;
use crate::store::{StoreError, abuses, fed_actors, remote, videos};

/// Queues the Flag of report `abuse_id` when what it reports lives on another server.
pub fn abuse_reported(conn: &Connection, base: &str, abuse_id: i64) -> Result<(), StoreError> {
    let Some(a) = abuses::get(conn, abuse_id)? else {
        return Ok(());
    };
    let Some(flagged) = a
        .flagged_account_id
        .map(|id| fed_actors::actor_of_account(conn, id))
        .transpose()?
        .flatten()
        .map(|id| fed_actors::by_id(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    let (Some(_), Some(flagged_url)) = (&flagged.host, flagged.url.clone()) else {
        return Ok(());
    };
    let Some(reporter) = a
        .reporter_id
        .map(|id| fed_actors::by_id(conn, id))
        .transpose()?
        .flatten()
        .filter(|r| r.host.is_none())
    else {
        return Ok(());
    };
    let object = match a.kind.as_str() {
        "video" => match a.video_id {
            Some(id) => videos::by_id(conn, id)?.and_then(|v| v.url),
            None => None,
        },
        "comment" => match a.comment_id {
            Some(id) => remote::comment_parts(conn, id)?.and_then(|(.., url)| url),
            None => None,
        },
        _ => Some(flagged_url.clone()),
    };
    let Some(object) = object else {
        return Ok(());
    };
    let Some(target) = inbox_of(&flagged) else {
        return Ok(());
    };
    let id = format!("{base}/admin/abuses/{}", a.id);
    let mut flag = json!({
        "type": "Flag",
        "id": id,
        "actor": actor::local_url(base, &reporter),
        "object": object,
        "content": a.reason,
        "mediaType": "text/markdown",
        "tag": abuse_reasons::names(a.predefined_reasons)
            .into_iter()
            .map(|name| json!({ "type": "Hashtag", "name": name }))
            .collect::<Vec<Value>>(),
        "to": [flagged_url],
        "cc": [],
    });
    // PeerTube leaves out an absent time range rather than sending null.
    if let Some(s) = a.start_at {
        flag["startAt"] = json!(s);
    }
    if let Some(e) = a.end_at {
        flag["endAt"] = json!(e);
    }
    enqueue(conn, reporter.id, &flag, vec![target])?;
    abuses::set_activity_url(conn, a.id, &id)
}
