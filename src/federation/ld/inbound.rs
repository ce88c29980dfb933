//! The LD signature of a relayed activity (one signed over HTTP by someone else than its
//! actor): when it verifies with the key of the activity's own actor, the activity is as good
//! as sent by that actor, and its object need not be fetched from the origin.

use serde_json::Value;

use super::{LdError, signature_of};
use crate::federation::{Federation, FederationError, host_of, id_of, keys, resolve};
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
        let mut creator = match self.ld_creator(&sig.creator, actor_url, false).await? {
            Ok(a) => a,
            Err(why) => return refuse(&why),
        };
        let mut checked = verify_with(&creator, activity).await?;
        // The key may have rotated since we cached it: fetch the actor again, at most once a
        // minute (as for HTTP signatures), and check once more with what it publishes now.
        if checked.is_err() && !resolve::fetched_just_now(&creator) {
            creator = match self.ld_creator(&sig.creator, actor_url, true).await? {
                Ok(a) => a,
                Err(why) => return refuse(&why),
            };
            checked = verify_with(&creator, activity).await?;
        }
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

    /// The actor of the signature's key (cached, or fetched when `refresh`), which must be the
    /// activity's actor; Err(reason) when it cannot be had. Errors are the store's.
    async fn ld_creator(
        &self,
        key_id: &str,
        actor_url: &str,
        refresh: bool,
    ) -> Result<Result<FedActor, String>, FederationError> {
        match self.actor_by_key_id(key_id, refresh).await {
            Ok(a) if a.url.as_deref() == Some(actor_url) => Ok(Ok(a)),
            Ok(_) => Ok(Err("the key belongs to another actor".into())),
            Err(e @ FederationError::Store(_)) => Err(e),
            Err(e) => Ok(Err(e.to_string())),
        }
    }
}

/// Checks the document's LD signature with the actor's public key, off the async workers
/// (canonicalisation is CPU work). The outer error is a failed task only.
async fn verify_with(
    actor: &FedActor,
    activity: &Value,
) -> Result<Result<(), LdError>, FederationError> {
    let Some(pem) = actor.public_key_pem.clone() else {
        return Ok(Err(LdError::Invalid("the actor has no public key".into())));
    };
    let doc = activity.clone();
    tokio::task::spawn_blocking(move || -> Result<(), LdError> {
        let key = keys::parse_public(&pem).map_err(|e| LdError::Invalid(e.to_string()))?;
        super::verify(&doc, &key)
    })
    .await
    .map_err(|_| FederationError::TaskFailed)
}
