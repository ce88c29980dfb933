//! Forwarding, as PeerTube does it: a comment another server sends about one of our videos
//! (Create, Update or Delete of a Note) is passed on, byte for byte as received, to the other
//! servers that follow the video's account, channel or this instance, so a third server sees
//! the conversation. The forward is signed (over HTTP) by our instance actor, and the body is
//! untouched so that the author's LD signature in it still verifies: with it, receivers take
//! the comment as its author's without asking the origin (PeerTube requires it; Kinora falls
//! back to fetching the comment from its origin when the signature is absent or bad). We
//! cannot add one ourselves: only the author's server holds the author's key.

use serde_json::Value;

use super::objects::video;
use super::{Federation, FederationError, id_of, outbox};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{comments, follows, remote, videos};

/// The comment an activity is about, when it is one that PeerTube forwards.
fn forwarded_comment(activity: &Value) -> Option<String> {
    let object = activity.get("object")?;
    let kind = activity.get("type").and_then(Value::as_str)?;
    let object_kind = object.get("type").and_then(Value::as_str);
    match (kind, object_kind) {
        ("Create" | "Update", Some("Note")) => id_of(object).map(str::to_string),
        // A Delete names its object by id (or as a Tombstone).
        ("Delete", None | Some("Tombstone" | "Note")) => id_of(object).map(str::to_string),
        _ => None,
    }
}

impl Federation {
    /// Forwards `raw` (the activity exactly as received from `signer`, possibly through the
    /// host `relay`) when it is about a comment on one of our federated videos. Returns the
    /// number of inboxes queued; errors are the store's only (the activity itself was already
    /// processed).
    pub async fn forward(
        &self,
        activity: &Value,
        raw: &[u8],
        signer: &FedActor,
        relay: Option<&str>,
    ) -> Result<usize, FederationError> {
        let Some(comment_url) = forwarded_comment(activity) else {
            return Ok(0);
        };
        let Ok(body) = String::from_utf8(raw.to_vec()) else {
            return Ok(0);
        };
        let sender_host = signer.host.clone().unwrap_or_default();
        let relay_host = relay.unwrap_or_default().to_string();
        let instance_name = self.instance_name.clone();
        let queued = self
            .store
            .write(move |tx| -> Result<usize, FederationError> {
                let Some(comment) = remote::comment_id_by_url(tx, &comment_url)? else {
                    return Ok(0);
                };
                let Some((video_id, _, _, _)) = remote::comment_parts(tx, comment)? else {
                    return Ok(0);
                };
                let Some(row) = videos::by_id(tx, video_id)? else {
                    return Ok(0);
                };
                // A comment held for our owner's review reaches nobody else until approved;
                // the author's server sends it again then, and that Create is forwarded.
                let held = comments::get(tx, video_id, comment)?.is_some_and(|c| c.held_for_review);
                if held || !video::federates(&row) {
                    return Ok(0);
                }
                let Some(l) = video::load(tx, video_id)? else {
                    return Ok(0);
                };
                let instance = fed_actors::ensure_instance_actor(tx, &instance_name)?;
                let targets: Vec<(String, String)> = follows::follower_inboxes(
                    tx,
                    &[l.account_actor_id, l.channel_actor_id, instance.id],
                )?
                .into_iter()
                // The sender (and the server that relayed it to us) have it already.
                .filter(|(host, _)| *host != sender_host && *host != relay_host)
                .collect();
                Ok(outbox::enqueue_body(tx, instance.id, &body, targets)?)
            })
            .await?;
        if queued > 0 {
            let id = activity
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            tracing::info!(
                activity = id,
                inboxes = queued,
                "forwarding a comment activity to the video's followers"
            );
        }
        Ok(queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_comment_activities_are_forwarded() {
        let note = json!({ "type": "Create", "object": { "type": "Note", "id": "https://b/c/1" } });
        assert_eq!(forwarded_comment(&note).as_deref(), Some("https://b/c/1"));
        let delete = json!({ "type": "Delete", "object": "https://b/c/1" });
        assert_eq!(forwarded_comment(&delete).as_deref(), Some("https://b/c/1"));
        let video =
            json!({ "type": "Create", "object": { "type": "Video", "id": "https://b/v/1" } });
        assert_eq!(forwarded_comment(&video), None);
        let like = json!({ "type": "Like", "object": "https://a/v/1" });
        assert_eq!(forwarded_comment(&like), None);
    }
}
