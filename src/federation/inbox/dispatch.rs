//! Which handler an accepted activity goes to, and Create/Update of videos, notes and actors.

use serde_json::Value;

use super::kind;
use crate::federation::{Federation, FederationError, host_of, id_of};
use crate::store::fed_actors::FedActor;

impl Federation {
    pub(super) async fn process(
        &self,
        a: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let object = a.get("object").cloned().unwrap_or(Value::Null);
        match kind(a) {
            "Follow" => self.on_follow(a, signer).await,
            "Accept" | "Reject" => self.on_answer(&object, signer, kind(a) == "Accept").await,
            "Undo" => self.on_undo(&object, signer).await,
            "Create" | "Update" => self.on_create_or_update(&object, signer).await,
            "Delete" => self.on_delete(&object, signer).await,
            "Announce" => self.on_announce(a, &object, signer).await,
            "Like" | "Dislike" => self.on_rate(a, &object, signer).await,
            "View" => self.on_view(&object).await,
            "Flag" => self.on_flag(a, signer).await,
            "ApproveReply" => self.on_approve_reply(a, signer).await,
            // RejectReply included: PeerTube does not act on it either.
            _ => Ok(()),
        }
    }

    /// A video or note from its author's host (inline, or by id and then fetched there), or an
    /// actor updating itself.
    async fn on_create_or_update(
        &self,
        object: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let host = signer.host.clone().unwrap_or_default();
        match kind(object) {
            "Video" => self.store_video(object, &host).await.map(|_| ()),
            "Note" => {
                if object.get("attributedTo").and_then(id_of) != signer.url.as_deref() {
                    return Err(FederationError::Forbidden(
                        "the note's author is not the signer".into(),
                    ));
                }
                self.store_note(object, &host, 0).await.map(|_| ())
            }
            "Person" | "Group" | "Application" => {
                if id_of(object) != signer.url.as_deref() {
                    return Err(FederationError::Forbidden(
                        "an actor updates only itself".into(),
                    ));
                }
                self.actor(id_of(object).unwrap_or_default(), true)
                    .await
                    .map(|_| ())
            }
            "" if object.is_string() => {
                let url = id_of(object).unwrap_or_default();
                if host_of(url).as_deref() != Some(host.as_str()) {
                    return Err(FederationError::Forbidden("object on another host".into()));
                }
                let doc = self.fetch(url).await?;
                match kind(&doc) {
                    "Video" => self.store_video(&doc, &host).await.map(|_| ()),
                    "Note" => self.store_note(&doc, &host, 0).await.map(|_| ()),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}
