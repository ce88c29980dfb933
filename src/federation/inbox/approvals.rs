//! ApproveReply (PeerTube 6.2 and later): the owner of a remote video releases one of our
//! users' comments on it, held here for review until then. Once released, the comment is sent
//! again to its whole audience with the approval's id as `replyApproval`, as PeerTube does, so
//! that the video's origin forwards it to its followers.

use serde_json::Value;

use crate::federation::{Federation, FederationError, id_of, outbox};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{actors, comments, remote, videos};

/// (video UUID, comment id) of one of our comment URLs (`{base}/videos/watch/{uuid}/comments/{id}`).
fn our_comment(base: &str, url: &str) -> Option<(String, i64)> {
    let rest = url.strip_prefix(base)?.strip_prefix("/videos/watch/")?;
    let (uuid, id) = rest.split_once("/comments/")?;
    Some((uuid.to_string(), id.parse().ok()?))
}

impl Federation {
    pub(super) async fn on_approve_reply(
        &self,
        a: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let object = a.get("object").and_then(id_of).unwrap_or_default();
        // Not one of our comments: there is nothing here to release.
        let Some((uuid, comment_id)) = our_comment(&self.base, object) else {
            return Ok(());
        };
        let approval = a.get("id").and_then(Value::as_str).map(str::to_string);
        let (signer_id, base, name) = (signer.id, self.base.clone(), self.instance_name.clone());
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                let Some(video) = videos::by_uuid(tx, &uuid)? else {
                    return Ok(());
                };
                let local_comment = remote::comment_parts(tx, comment_id)?
                    .is_some_and(|(v, _, _, url)| v == video.id && url.is_none());
                // Only comments of ours on remote videos wait for their owner's approval.
                if video.url.is_none() || !local_comment {
                    return Ok(());
                }
                // As PeerTube checks it: the approval comes from the video's owner account.
                let owner = match actors::channel_by_id(tx, video.channel_id)? {
                    Some(channel) => fed_actors::actor_of_account(tx, channel.account_id)?,
                    None => None,
                };
                if owner != Some(signer_id) {
                    return Err(FederationError::Forbidden(
                        "only the video's owner approves the replies to it".into(),
                    ));
                }
                // Already released (or never held): nothing more to do, as on PeerTube.
                if comments::approve(tx, comment_id, approval.as_deref())? {
                    outbox::comment_changed(tx, &base, &name, video.id, comment_id)?;
                }
                Ok(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::our_comment;

    #[test]
    fn reads_our_comment_urls_only() {
        let base = "https://us.example";
        assert_eq!(
            our_comment(base, "https://us.example/videos/watch/u-1/comments/7"),
            Some(("u-1".into(), 7))
        );
        assert_eq!(
            our_comment(base, "https://them.example/videos/watch/u-1/comments/7"),
            None
        );
        assert_eq!(
            our_comment(base, "https://us.example/videos/watch/u-1/comments/x"),
            None
        );
        assert_eq!(
            our_comment(base, "https://us.example/videos/watch/u-1"),
            None
        );
    }
}
