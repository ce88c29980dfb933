//! RSA-2048 key pairs of local actors, created on demand and kept in the store, and parsing
//! of remote actors' public keys (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{SigningKey, VerifyingKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use super::FederationError;
use crate::store::Store;
use crate::store::fed_actors::{self, FedActor};

pub const KEY_BITS: usize = 2048;

/// A new key pair as (public SPKI PEM, private PKCS#8 PEM).
pub fn generate() -> Result<(String, String), FederationError> {
    let mut rng = rsa::rand_core::OsRng;
    let private = RsaPrivateKey::new(&mut rng, KEY_BITS)
        .map_err(|e| FederationError::Crypto(e.to_string()))?;
    let public = RsaPublicKey::from(&private);
    let public_pem = public
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| FederationError::Crypto(e.to_string()))?;
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| FederationError::Crypto(e.to_string()))?;
    Ok((public_pem, private_pem.to_string()))
}

pub fn parse_public(pem: &str) -> Result<VerifyingKey<Sha256>, FederationError> {
    let key = RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| FederationError::BadSignature(format!("unreadable public key: {e}")))?;
    Ok(VerifyingKey::<Sha256>::new(key))
}

pub fn parse_private(pem: &str) -> Result<SigningKey<Sha256>, FederationError> {
    let key = RsaPrivateKey::from_pkcs8_pem(pem)
        .map_err(|e| FederationError::Crypto(format!("unreadable private key: {e}")))?;
    Ok(SigningKey::<Sha256>::new(key))
}

/// A local actor with its key pair, generating and storing one the first time. Generation
/// runs on the calling thread: call from a blocking context.
pub fn ensure_local_keys(store: &Store, actor_id: i64) -> Result<FedActor, FederationError> {
    let actor = store
        .read_blocking(|c| fed_actors::by_id(c, actor_id))?
        .ok_or(FederationError::NotFound("actor"))?;
    if actor.private_key_pem.is_some() && actor.public_key_pem.is_some() {
        return Ok(actor);
    }
    let (public, private) = generate()?;
    store.write_blocking(|tx| fed_actors::set_keys(tx, actor_id, &public, &private))?;
    // Another task may have stored its own pair first: the stored one wins.
    store
        .read_blocking(|c| fed_actors::by_id(c, actor_id))?
        .ok_or(FederationError::NotFound("actor"))
}

/// Parsed signing keys of local actors, by the text of their PEM: parsing a PEM costs more
/// than a signature. Keyed by the text, not the actor id, which SQLite may give again to a new
/// actor once the old one is deleted.
#[derive(Clone, Default)]
pub struct SigningKeys {
    cache: Arc<Mutex<HashMap<String, Arc<SigningKey<Sha256>>>>>,
}

impl SigningKeys {
    /// A local actor with its signing key (blocking: may generate the pair).
    pub fn get(
        &self,
        store: &Store,
        actor_id: i64,
    ) -> Result<(FedActor, Arc<SigningKey<Sha256>>), FederationError> {
        let actor = ensure_local_keys(store, actor_id)?;
        let key = self.parse(
            actor
                .private_key_pem
                .as_deref()
                .ok_or(FederationError::NotFound("private key"))?,
        )?;
        Ok((actor, key))
    }

    /// The signing key a PEM holds.
    pub fn parse(&self, pem: &str) -> Result<Arc<SigningKey<Sha256>>, FederationError> {
        if let Some(k) = self.cache.lock().ok().and_then(|m| m.get(pem).cloned()) {
            return Ok(k);
        }
        let key = Arc::new(parse_private(pem)?);
        if let Ok(mut m) = self.cache.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(pem.to_string(), key.clone());
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::signature::{Signer, Verifier};

    #[test]
    fn generated_keys_sign_and_verify() {
        let (public, private) = generate().unwrap();
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        let signer = parse_private(&private).unwrap();
        let verifier = parse_public(&public).unwrap();
        let sig = signer.sign(b"hello");
        verifier.verify(b"hello", &sig).unwrap();
        assert!(verifier.verify(b"hullo", &sig).is_err());
    }
}
