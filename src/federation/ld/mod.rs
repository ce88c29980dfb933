//! Linked Data signatures (`RsaSignature2017`) as PeerTube and Mastodon make and check them:
//! the signed string is hex(sha256(canonical options)) followed by hex(sha256(canonical
//! document without its `signature`)), both in URDNA2015 N-Quads; RSA-SHA256 (PKCS#1 v1.5)
//! over it, base64. The options are the signature object without `type`, `id` and
//! `signatureValue`, read with the identity context (the security context, which PeerTube
//! uses, gives `creator` and `created` the same meaning, so the hashes are the same).
//! We sign in the canonical form of jsonld.js 8, which PeerTube uses; a signature made with
//! the published RDFC-1.0 escaping (Mastodon) is accepted too (see `canon::Dialect`).

pub mod canon;
pub mod inbound;
pub mod outbound;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use canon::Dialect;

pub const SIGNATURE_TYPE: &str = "RsaSignature2017";
/// The context the signature options are read with (Mastodon's choice).
const OPTIONS_CONTEXT: &str = "https://w3id.org/identity/v1";

#[derive(Debug, thiserror::Error)]
pub enum LdError {
    #[error("embedded JSON-LD context unreadable: {0}")]
    Context(String),
    #[error("not signable: {0}")]
    Invalid(String),
    #[error("no RsaSignature2017 signature")]
    Missing,
    #[error("the LD signature does not verify")]
    Mismatch,
}

/// The parts of a document's `RsaSignature2017` a verifier looks at first.
#[derive(Debug, Clone, PartialEq)]
pub struct LdSignature {
    /// The key id (`ACTOR#main-key`).
    pub creator: String,
    pub created: String,
}

/// The document with an `RsaSignature2017` by `creator` (a key id), created now.
pub fn sign(doc: &Value, key: &SigningKey<Sha256>, creator: &str) -> Result<Value, LdError> {
    let created = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .ok_or_else(|| LdError::Invalid("clock".into()))?;
    sign_at(doc, key, creator, &created)
}

/// `sign` with a given creation time (ISO 8601).
pub fn sign_at(
    doc: &Value,
    key: &SigningKey<Sha256>,
    creator: &str,
    created: &str,
) -> Result<Value, LdError> {
    sign_with(doc, key, creator, created, Dialect::Jsonld8)
}

fn sign_with(
    doc: &Value,
    key: &SigningKey<Sha256>,
    creator: &str,
    created: &str,
    dialect: Dialect,
) -> Result<Value, LdError> {
    let Value::Object(map) = doc else {
        return Err(LdError::Invalid("not a JSON object".into()));
    };
    let mut options = Map::new();
    options.insert("type".into(), json!(SIGNATURE_TYPE));
    options.insert("creator".into(), json!(creator));
    options.insert("created".into(), json!(created));
    let to_sign = to_be_signed(map, &options, dialect)?;
    let value = B64.encode(key.sign(to_sign.as_bytes()).to_bytes());
    options.insert("signatureValue".into(), json!(value));
    let mut signed = map.clone();
    signed.insert("signature".into(), Value::Object(options));
    Ok(Value::Object(signed))
}

/// The creator and time of the document's `RsaSignature2017`, if it carries one.
pub fn signature_of(doc: &Value) -> Option<LdSignature> {
    let sig = doc.get("signature")?;
    if sig.get("type").and_then(Value::as_str) != Some(SIGNATURE_TYPE) {
        return None;
    }
    Some(LdSignature {
        creator: sig.get("creator").and_then(Value::as_str)?.to_string(),
        created: sig
            .get("created")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

/// Checks the document's `RsaSignature2017` against `key`. CPU-bound (two canonicalisations
/// and an RSA verification): call from a blocking thread.
pub fn verify(doc: &Value, key: &VerifyingKey<Sha256>) -> Result<(), LdError> {
    let Value::Object(map) = doc else {
        return Err(LdError::Missing);
    };
    let Some(Value::Object(sig)) = map.get("signature") else {
        return Err(LdError::Missing);
    };
    if sig.get("type").and_then(Value::as_str) != Some(SIGNATURE_TYPE) {
        return Err(LdError::Missing);
    }
    let value = sig
        .get("signatureValue")
        .and_then(Value::as_str)
        .and_then(|v| B64.decode(v.trim()).ok())
        .ok_or(LdError::Mismatch)?;
    let signature = Signature::try_from(value.as_slice()).map_err(|_| LdError::Mismatch)?;
    if !canon::contexts_are_safe(doc) {
        return Err(LdError::Invalid("a context we do not accept".into()));
    }
    let to_verify = to_be_signed(map, sig, Dialect::Jsonld8)?;
    if key.verify(to_verify.as_bytes(), &signature).is_ok() {
        return Ok(());
    }
    // The dialects differ only when a string holds a control character: only then is the
    // other canonical form worth computing.
    if !has_dialect_sensitive(doc) {
        return Err(LdError::Mismatch);
    }
    let to_verify = to_be_signed(map, sig, Dialect::Rdfc10)?;
    key.verify(to_verify.as_bytes(), &signature)
        .map_err(|_| LdError::Mismatch)
}

/// True when a string in the document (keys included) holds a character the dialects write
/// differently.
fn has_dialect_sensitive(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains(canon::is_dialect_sensitive),
        Value::Array(items) => items.iter().any(has_dialect_sensitive),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains(canon::is_dialect_sensitive) || has_dialect_sensitive(v)),
        _ => false,
    }
}

/// hex(sha256(options)) + hex(sha256(document)), both canonical.
fn to_be_signed(
    doc: &Map<String, Value>,
    signature: &Map<String, Value>,
    dialect: Dialect,
) -> Result<String, LdError> {
    let mut options: Map<String, Value> = signature
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "id" | "signatureValue" | "@context"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    options.insert("@context".into(), json!(OPTIONS_CONTEXT));
    let mut document = doc.clone();
    document.remove("signature");
    let options_hash = hex::encode(Sha256::digest(
        canon::canonical_nquads(&Value::Object(options), dialect)?.as_bytes(),
    ));
    let document_hash = hex::encode(Sha256::digest(
        canon::canonical_nquads(&Value::Object(document), dialect)?.as_bytes(),
    ));
    Ok(options_hash + &document_hash)
}

#[cfg(test)]
mod tests;
