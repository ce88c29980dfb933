//! ActivityPub federation in PeerTube's dialect: actors and their keys, HTTP signatures, the
//! guarded outbound client, objects (Video, Note, collections), inbox processing, outgoing
//! activities and their durable per-host delivery, forwarding of comments on our videos, and
//! resolution of remote actors and videos.

pub mod client;
pub mod delivery;
pub mod flag;
pub mod forward;
pub mod hooks;
pub mod inbox;
pub mod keys;
pub mod ld;
pub mod objects;
pub mod outbox;
pub mod outbox_actors;
pub mod pictures;
pub mod resolve;
pub mod sanitize;
pub mod signatures;
pub mod social;
pub mod totals;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::store::{Store, StoreError};
use client::{ClientSettings, HttpClient};
use keys::SigningKeys;

/// The ActivityStreams public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const AP_CONTENT_TYPE: &str = "application/activity+json; charset=utf-8";
pub const ACCEPT_AP: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
/// Deepest JSON nesting accepted from another server (PeerTube's objects need about 6).
pub const MAX_JSON_DEPTH: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("signature refused: {0}")]
    BadSignature(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this activity was already received")]
    Replay,
    #[error("the body is too large")]
    TooLarge,
    #[error("too many requests from this server")]
    RateLimited,
    #[error("remote server error: {0}")]
    Network(String),
    #[error("remote server answered {0}")]
    RemoteStatus(u16),
    #[error("key error: {0}")]
    Crypto(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a background task failed")]
    TaskFailed,
}

/// Limits and switches of federation (the `federation.*` settings).
#[derive(Debug, Clone)]
pub struct FederationSettings {
    /// Testing only: allows loopback and private addresses, and plain http, for peers.
    pub allow_private: bool,
    pub delivery_concurrency: usize,
    pub fetch_concurrency: usize,
    /// How long a failing host keeps being retried before it is marked unreachable.
    pub retry_horizon: Duration,
    /// Instance follows (server actor to server actor) wait for an administrator.
    pub instance_followers_approval: bool,
    pub timeout: Duration,
    pub max_body: usize,
    /// Inbox requests accepted per remote host and minute.
    pub inbox_per_minute: u32,
}

impl Default for FederationSettings {
    fn default() -> Self {
        FederationSettings {
            allow_private: false,
            delivery_concurrency: 16,
            fetch_concurrency: 8,
            retry_horizon: Duration::from_secs(24 * 3600),
            instance_followers_approval: false,
            timeout: Duration::from_secs(10),
            max_body: 1024 * 1024,
            inbox_per_minute: 600,
        }
    }
}

/// The federation service of one instance: cheap to clone.
#[derive(Clone)]
pub struct Federation {
    pub store: Store,
    /// Public base URL, no trailing slash.
    pub base: String,
    /// Public host (with port when not default).
    pub host: String,
    pub instance_name: String,
    pub client: HttpClient,
    pub keys: SigningKeys,
    /// Deliveries' bodies with our actors' LD signatures, computed once per activity.
    pub signed_bodies: ld::outbound::SignedBodies,
    pub settings: Arc<FederationSettings>,
    fetch_permits: Arc<Semaphore>,
    inbox_limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl Federation {
    pub fn new(
        store: Store,
        base: String,
        host: String,
        instance_name: String,
        settings: FederationSettings,
    ) -> Result<Federation, FederationError> {
        let client = HttpClient::new(ClientSettings {
            allow_private: settings.allow_private,
            timeout: settings.timeout,
            max_body: settings.max_body,
        })?;
        let per_minute =
            NonZeroU32::new(settings.inbox_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Ok(Federation {
            store,
            base,
            host,
            instance_name,
            client,
            keys: SigningKeys::default(),
            signed_bodies: ld::outbound::SignedBodies::default(),
            fetch_permits: Arc::new(Semaphore::new(settings.fetch_concurrency.max(1))),
            inbox_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            settings: Arc::new(settings),
        })
    }

    /// One more inbox request from `host`; false when it is over its rate.
    pub fn inbox_allowed(&self, host: &str) -> bool {
        if self.inbox_limiter.len() > 100_000 {
            self.inbox_limiter.retain_recent();
        }
        self.inbox_limiter
            .check_key(&host.to_ascii_lowercase())
            .is_ok()
    }

    /// True when the URL is one of ours.
    pub fn is_local_url(&self, url: &str) -> bool {
        url == self.base || url.starts_with(&format!("{}/", self.base))
    }

    /// Fetches an ActivityPub document, signed by the instance actor, with the guard, a cap on
    /// concurrent fetches and the JSON limits. The document's `id` must be on the host it was
    /// fetched from.
    pub async fn fetch(&self, url: &str) -> Result<Value, FederationError> {
        let (key, key_id) = self.instance_signer().await?;
        let sign = Arc::new(move |u: &url::Url, _b: Option<&[u8]>| {
            signatures::sign_request(&key, &key_id, "GET", u, None)
        });
        let fetched = self.get_remote(url, ACCEPT_AP, sign).await?;
        let value = parse_json(&fetched.body)?;
        if let Some(id) = value.get("id").and_then(Value::as_str)
            && !same_host(id, fetched.final_url.as_str())
        {
            return Err(FederationError::Forbidden(
                "the fetched object's id is on another host".into(),
            ));
        }
        Ok(value)
    }

    /// A GET of a remote URL with the guard and the cap on concurrent fetches; any answer but
    /// 2xx is an error.
    async fn get_remote(
        &self,
        url: &str,
        accept: &str,
        sign: client::Signer,
    ) -> Result<client::Fetched, FederationError> {
        let url =
            url::Url::parse(url).map_err(|_| FederationError::BadRequest("not a URL".into()))?;
        if self.is_local_url(url.as_str()) {
            return Err(FederationError::BadRequest("this URL is local".into()));
        }
        self.client.check_url(&url)?;
        let _permit = self
            .fetch_permits
            .acquire()
            .await
            .map_err(|_| FederationError::TaskFailed)?;
        let fetched = self
            .client
            .send(reqwest::Method::GET, url, accept, None, sign)
            .await?;
        if !(200..300).contains(&fetched.status) {
            return Err(FederationError::RemoteStatus(fetched.status));
        }
        Ok(fetched)
    }

    /// The instance actor's signing key and key id (generated on first use).
    pub async fn instance_signer(
        &self,
    ) -> Result<(Arc<rsa::pkcs1v15::SigningKey<sha2::Sha256>>, String), FederationError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let name = this.instance_name.clone();
            let actor = this
                .store
                .write_blocking(|tx| crate::store::fed_actors::ensure_instance_actor(tx, &name))?;
            let (actor, key) = this.keys.get(&this.store, actor.id)?;
            Ok((
                key,
                format!("{}#main-key", objects::actor::local_url(&this.base, &actor)),
            ))
        })
        .await
        .map_err(|_| FederationError::TaskFailed)?
    }
}

/// Host (with port) of a URL, lower-cased.
pub fn host_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

pub fn same_host(a: &str, b: &str) -> bool {
    matches!((host_of(a), host_of(b)), (Some(x), Some(y)) if x == y)
}

/// Parses JSON from another server, refusing documents nested deeper than `MAX_JSON_DEPTH`
/// before serde builds anything.
pub fn parse_json(bytes: &[u8]) -> Result<Value, FederationError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(FederationError::BadRequest("JSON nested too deeply".into()));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    serde_json::from_slice(bytes)
        .map_err(|e| FederationError::BadRequest(format!("invalid JSON: {e}")))
}

/// The id of an object given inline or as a bare URL.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// Whether an object is addressed to the public (in `to` or `cc`, in any of the three
/// spellings ActivityStreams allows).
pub fn is_public(doc: &Value) -> bool {
    names_public(&ids_in(doc.get("to"))) || names_public(&ids_in(doc.get("cc")))
}

/// Whether an audience list holds the public collection, in any of its three spellings.
pub fn names_public(ids: &[String]) -> bool {
    ids.iter()
        .any(|x| x == PUBLIC || x == "as:Public" || x == "Public")
}

/// Strings of a field that may hold one value or an array of values or objects.
pub fn ids_in(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(id_of).map(str::to_string).collect(),
        Some(other) => id_of(other)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        None => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_json_is_refused_and_strings_do_not_count() {
        let deep = "[".repeat(40) + &"]".repeat(40);
        assert!(parse_json(deep.as_bytes()).is_err());
        let fine = format!("{{\"a\":\"{}\"}}", "[".repeat(100));
        assert!(parse_json(fine.as_bytes()).is_ok());
        assert!(parse_json(b"{not json").is_err());
        assert!(same_host(
            "http://127.0.0.1:4000/a",
            "http://127.0.0.1:4000/b"
        ));
        assert!(!same_host(
            "http://127.0.0.1:4000/a",
            "http://127.0.0.1:4001/a"
        ));
    }
}
