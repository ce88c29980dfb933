//! The inbox: strict verification of every POST (signature over the required headers, date
//! window, digest of the raw body, key fetched and cached, refetched once on failure; the
//! activity's actor must be the signer, its id on the signer's host, and not seen before),
//! then idempotent processing of Follow, Accept, Reject, Undo, Create, Update, Delete,
//! Announce, Like, Dislike, View, Flag and ApproveReply. A relayed activity (actor differs
//! from the signer) is taken as its actor's own when it carries the actor's valid LD signature
//! (`ld::inbound`); otherwise it is not trusted: its object is fetched from its origin
//! instead, and a relayed Delete holds only when the origin no longer has the object.

//!
//! Each family of activities has its own file; this one verifies and accepts.

mod approvals;
mod crawl;
mod deletes;
mod dispatch;
mod flag;
mod follows;
mod lookup;
mod notes;
mod reactions;
mod relayed;

use serde_json::Value;

use super::{Federation, FederationError, host_of, id_of, signatures};
use crate::store::fed_actors::FedActor;
use crate::store::remote;

/// Deepest reply chain resolved when a comment answers unknown comments.
pub const MAX_REPLY_DEPTH: usize = 20;

/// The parts of a received request the verifier needs.
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

fn kind(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or_default()
}

impl Federation {
    /// Verifies the request's signature; the signing actor.
    pub async fn verify(&self, req: &Received) -> Result<FedActor, FederationError> {
        let header = req
            .header("signature")
            .ok_or_else(|| FederationError::BadSignature("no Signature header".into()))?;
        let sig = signatures::parse_signature_header(&header)?;
        let host = host_of(&sig.key_id)
            .ok_or_else(|| FederationError::BadSignature("keyId is not a URL".into()))?;
        self.check_host(&host).await?;
        if !self.inbox_allowed(&host) {
            return Err(FederationError::RateLimited);
        }
        let get = |name: &str| req.header(name);
        let incoming = signatures::IncomingRequest {
            method: &req.method,
            target: &req.target,
            header: &get,
            body: if req.method.eq_ignore_ascii_case("POST") {
                Some(&req.body)
            } else {
                None
            },
        };
        let signing_string = signatures::check_request(&incoming, &sig)?;
        let actor = self.actor_by_key_id(&sig.key_id, false).await?;
        if verifies(&actor, &signing_string, &sig.signature) {
            return Ok(actor);
        }
        // The key may have rotated: fetch the actor again, at most once a minute.
        if super::resolve::fetched_just_now(&actor) {
            return Err(FederationError::BadSignature(
                "the signature does not verify".into(),
            ));
        }
        let actor = self.actor_by_key_id(&sig.key_id, true).await?;
        if verifies(&actor, &signing_string, &sig.signature) {
            Ok(actor)
        } else {
            Err(FederationError::BadSignature(
                "the signature does not verify".into(),
            ))
        }
    }

    /// Verifies and processes one inbox POST.
    pub async fn receive(&self, req: Received) -> Result<(), FederationError> {
        let signer = self.verify(&req).await?;
        let activity = super::parse_json(&req.body)?;
        let signer_url = signer.url.clone().unwrap_or_default();
        let signer_host = signer.host.clone().unwrap_or_default();
        let id = activity
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| FederationError::BadRequest("activity without id".into()))?
            .to_string();
        let actor_id = activity
            .get("actor")
            .and_then(id_of)
            .unwrap_or_default()
            .to_string();
        let h = signer_host.clone();
        self.store
            .write(move |tx| crate::store::deliveries::record_success(tx, &h))
            .await?;
        if actor_id != signer_url {
            // Relayed: as good as the actor's own when the actor's LD signature verifies;
            // otherwise only what the origin confirms is believed.
            if let Some(actor) = self.ld_signed_by_actor(&activity).await? {
                return self
                    .accept(&activity, &req.body, &actor, &id, Some(&signer_host))
                    .await;
            }
            return self.relayed(&activity, &signer_host).await;
        }
        self.accept(&activity, &req.body, &signer, &id, None).await
    }

    /// Processes an activity from its own actor (the HTTP signer, or the LD signer of a relayed
    /// one; `relay` is the host that relayed it): id on the actor's host, not seen before,
    /// then processed, remembered, and forwarded when it is about a comment on our video.
    async fn accept(
        &self,
        activity: &Value,
        raw: &[u8],
        signer: &FedActor,
        id: &str,
        relay: Option<&str>,
    ) -> Result<(), FederationError> {
        let signer_host = signer.host.clone().unwrap_or_default();
        if host_of(id).as_deref() != Some(signer_host.as_str()) {
            return Err(FederationError::Forbidden(
                "the activity id is not on the signer's host".into(),
            ));
        }
        let i = id.to_string();
        if self
            .store
            .read(move |c| remote::was_received(c, &i))
            .await?
        {
            return Err(FederationError::Replay);
        }
        self.process(activity, signer).await?;
        let i = id.to_string();
        self.store
            .write(move |tx| remote::mark_received(tx, &i).map(|_| ()))
            .await?;
        // Comments on our videos go on to the video's other followers. The activity is
        // processed already: a failure here must not make the sender retry into a 409.
        if let Err(e) = self.forward(activity, raw, signer, relay).await {
            tracing::warn!(error = %e, "could not forward an activity");
        }
        Ok(())
    }
}

fn verifies(actor: &FedActor, signing_string: &str, signature: &[u8]) -> bool {
    actor
        .public_key_pem
        .as_deref()
        .and_then(|pem| super::keys::parse_public(pem).ok())
        .is_some_and(|key| signatures::verify(&key, signing_string, signature))
}

/// Best effort: the activity's object as a local actor URL's name (for logging).
pub fn describe(a: &Value) -> String {
    format!(
        "{} {}",
        kind(a),
        a.get("object").and_then(id_of).unwrap_or_default()
    )
}
