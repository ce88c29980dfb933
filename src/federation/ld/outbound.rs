//! LD signatures on what we deliver: every activity whose `actor` is the local actor that
//! signs its delivery gets an `RsaSignature2017` by that actor's key, so a server that
//! receives it from someone else (PeerTube forwards comments on its videos to the video's
//! followers) can believe it without fetching it from us. Activities forwarded as received
//! keep the signature their author gave them, if any: we cannot sign for another server's
//! actor. One activity goes to many hosts, each drained by its own job: the signed body is
//! kept in a small cache so it is computed once, not once per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rsa::pkcs1v15::SigningKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::federation::id_of;

/// Signed bodies kept; a fan-out is drained within minutes, so a few hundred suffice.
const CACHE_ENTRIES: usize = 512;

/// Recently signed bodies by (signer, body) digest.
#[derive(Clone, Default)]
pub struct SignedBodies {
    cache: Arc<Mutex<HashMap<[u8; 32], Arc<str>>>>,
}

impl SignedBodies {
    /// The body to deliver for a queued activity signed by `actor_url` (whose key id is
    /// `key_id`): with an LD signature when the activity is that actor's own and carries none
    /// yet, else unchanged. A body that cannot be signed (not JSON-LD we fully understand) is
    /// sent as it is: HTTP signatures still cover it. CPU-bound: call from a blocking thread.
    pub fn body_for(
        &self,
        body: &str,
        actor_url: &str,
        key_id: &str,
        key: &SigningKey<Sha256>,
    ) -> Arc<str> {
        let digest: [u8; 32] = Sha256::new()
            .chain_update(key_id.as_bytes())
            .chain_update([0])
            .chain_update(body.as_bytes())
            .finalize()
            .into();
        if let Some(hit) = self.cache.lock().ok().and_then(|m| m.get(&digest).cloned()) {
            return hit;
        }
        let signed: Arc<str> = match sign_if_own(body, actor_url, key_id, key) {
            Some(s) => Arc::from(s),
            None => Arc::from(body),
        };
        if let Ok(mut m) = self.cache.lock() {
            if m.len() >= CACHE_ENTRIES {
                m.clear();
            }
            m.insert(digest, signed.clone());
        }
        signed
    }
}

fn sign_if_own(
    body: &str,
    actor_url: &str,
    key_id: &str,
    key: &SigningKey<Sha256>,
) -> Option<String> {
    let doc: Value = serde_json::from_str(body).ok()?;
    if doc.get("actor").and_then(id_of) != Some(actor_url) || doc.get("signature").is_some() {
        return None;
    }
    match super::sign(&doc, key, key_id) {
        Ok(signed) => Some(signed.to_string()),
        Err(e) => {
            let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
            tracing::warn!(
                activity = id,
                error = %e,
                "sending an activity without an LD signature"
            );
            None
        }
    }
}
