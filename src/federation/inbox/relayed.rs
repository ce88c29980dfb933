//! Relayed activities (signed by someone else than their actor) without a valid LD signature
//! of their actor: only what the origin confirms is believed.

use serde_json::Value;

use super::kind;
use crate::federation::{Federation, FederationError, host_of, id_of};
use crate::store::remote;

impl Federation {
    /// An activity signed by someone else than its actor and without a valid LD signature of
    /// that actor: its object is fetched from origin, and nothing else of it is believed.
    pub(super) async fn relayed(
        &self,
        activity: &Value,
        signer_host: &str,
    ) -> Result<(), FederationError> {
        match kind(activity) {
            "Create" | "Update" | "Announce" => {
                let object = activity
                    .get("object")
                    .and_then(id_of)
                    .ok_or_else(|| FederationError::BadRequest("no object".into()))?;
                tracing::info!(
                    object,
                    relay = signer_host,
                    "relayed activity: fetching its object from origin"
                );
                let host = host_of(object).unwrap_or_default();
                self.check_host(&host).await?;
                let doc = self.fetch(object).await?;
                match kind(&doc) {
                    "Video" => self.store_video(&doc, &host).await.map(|_| ()),
                    "Note" => self.store_note(&doc, &host, 0).await.map(|_| ()),
                    _ => Ok(()),
                }
            }
            // A forwarded Delete of a comment: believed only when the origin says it is gone.
            "Delete" => {
                let object = activity
                    .get("object")
                    .and_then(id_of)
                    .ok_or_else(|| FederationError::BadRequest("no object".into()))?
                    .to_string();
                let u = object.clone();
                let Some(comment) = self
                    .store
                    .read(move |c| remote::comment_id_by_url(c, &u))
                    .await?
                else {
                    return Ok(());
                };
                let gone = match self.fetch(&object).await {
                    Ok(doc) => kind(&doc) == "Tombstone",
                    Err(FederationError::RemoteStatus(404 | 410)) => true,
                    Err(e) => return Err(e),
                };
                if !gone {
                    return Err(FederationError::Forbidden(
                        "the relayed Delete names an object its origin still has".into(),
                    ));
                }
                tracing::info!(
                    object,
                    relay = signer_host,
                    "relayed Delete confirmed by the origin"
                );
                self.store
                    .write(move |tx| -> Result<(), FederationError> {
                        if let Some((_, _, Some(account), _)) = remote::comment_parts(tx, comment)?
                        {
                            remote::delete_comment_of(tx, comment, account)?;
                        }
                        Ok(())
                    })
                    .await
            }
            _ => Err(FederationError::Forbidden(
                "the activity's actor is not the signer".into(),
            )),
        }
    }
}
