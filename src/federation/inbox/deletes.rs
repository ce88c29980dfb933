//! Delete from an object's own host: an actor (all its content goes with it), a video of
//! one of the signer's channels, or a comment of the signer's account.

use serde_json::Value;

use crate::federation::{Federation, FederationError, host_of, id_of};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{actors, remote};

impl Federation {
    pub(super) async fn on_delete(
        &self,
        object: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let url = id_of(object)
            .ok_or_else(|| FederationError::BadRequest("no object".into()))?
            .to_string();
        let signer_id = signer.id;
        if Some(url.as_str()) == signer.url.as_deref() {
            self.store
                .write(move |tx| fed_actors::delete_remote(tx, signer_id))
                .await?;
            return Ok(());
        }
        if host_of(&url) != signer.host {
            return Err(FederationError::Forbidden(
                "the object is not on the signer's host".into(),
            ));
        }
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                // Channels the signer may delete videos of: itself (a Group) or its account's.
                let mut channels: Vec<i64> = fed_actors::channel_id_of_actor(tx, signer_id)?
                    .into_iter()
                    .collect();
                if let Some(account) = fed_actors::account_id_of_actor(tx, signer_id)? {
                    channels.extend(
                        actors::channels_of_account(tx, account)?
                            .into_iter()
                            .map(|c| c.id),
                    );
                }
                if remote::delete_video_by_url(tx, &url, &channels)? {
                    return Ok(());
                }
                if let Some(comment) = remote::comment_id_by_url(tx, &url)?
                    && let Some(account) = fed_actors::account_id_of_actor(tx, signer_id)?
                {
                    remote::delete_comment_of(tx, comment, account)?;
                }
                Ok(())
            })
            .await
    }
}
