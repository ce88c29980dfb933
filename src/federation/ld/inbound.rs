//! The LD signature of a relayed activity (one signed over HTTP by someone else than its
//! actor): when it verifies with the key of the activity's own actor, the activity is as good
//! as sent by that actor, and its object need not be fetched from the origin.

use serde_json::Value;

use super::{LdError, signature_of};
use crate::federation::{Federation, FederationError, host_of, id_of, keys};
use crate::store::fed_actors::FedActor;

impl Federation {
    /// The activity's actor, when the activity carries an `RsaSignature2017` by that actor's
    /// key that verifies; None otherwise (no signature, another creator, a key we cannot get,
    /// or a signature that does not verify), with the reason logged. Errors are the store's.
    pub async fn ld_signed_by_actor(
        &self,
        activity: &Value,
    ) -> Result<Option<FedActor>, FederationError> {
        let Some(sig) = signature_of(activity) else {
            return Ok(None);
        };
        let Some(actor_url) = activity.get("actor").and_then(id_of) else {
            return Ok(None);
        };
        let refuse = |why: &str| {
            tracing::info!(
                actor = actor_url,
                creator = %sig.creator,
                reason = why,
                "LD signature not accepted; falling back to the origin"
            );
            Ok(None)
        };
        if host_of(&sig.creator).is_none() || host_of(&sig.creator) != host_of(actor_url) {
            return refuse("the creator is not on the actor's host");
        }
        if let Some(host) = host_of(actor_url)
            && let Err(e) = self.check_host(&host).await
        {
            return refuse(&e.to_string());
        }
        let creator = match self.actor_by_key_id(&sig.creator, false).await {
            Ok(a) => a,
            Err(e @ FederationError::Store(_)) => return Err(e),
            Err(e) => return refuse(&e.to_string()),
        };
        if creator.url.as_deref() != Some(actor_url) {
            return refuse("the key belongs to another actor");
        }
        let Some(pem) = creator.public_key_pem.clone() else {
            return refuse("the actor has no public key");
        };
        let doc = activity.clone();
        let checked = tokio::task::spawn_blocking(move || -> Result<(), LdError> {
            let key = keys::parse_public(&pem).map_err(|e| LdError::Invalid(e.to_string()))?;
            super::verify(&doc, &key)
        })
        .await
        .map_err(|_| FederationError::TaskFailed)?;
        match checked {
            Ok(()) => {
                tracing::debug!(
                    actor = actor_url,
                    "relayed activity accepted on its LD signature"
                );
                Ok(Some(creator))
            }
            Err(e) => refuse(&e.to_string()),
        }
    }
}
