//! Remote actors and videos: fetched from their origin, cached in the store, refreshed when
//! older than two days; WebFinger for `name@host` handles. Blocked hosts are never fetched.

use std::sync::Arc;

use serde_json::Value;

use super::objects::{actor, video};
use super::{Federation, FederationError, host_of, parse_json};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{blocklist, remote};

/// Cached remote documents older than this are fetched again.
pub const REFRESH_AFTER: time::Duration = time::Duration::days(2);

fn stale(fetched_at: Option<&str>) -> bool {
    let cutoff = crate::store::timestamp(time::OffsetDateTime::now_utc() - REFRESH_AFTER);
    fetched_at.is_none_or(|t| t < cutoff.as_str())
}

/// Whether an actor was fetched less than a minute ago: a signature that fails with its key
/// then fails for good, instead of refetching the actor (a key rotation is taken at most once a
/// minute, so that bad signatures cannot make us fetch on every request).
pub fn fetched_just_now(actor: &FedActor) -> bool {
    let recent =
        crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    actor
        .fetched_at
        .as_deref()
        .is_some_and(|t| t > recent.as_str())
}

impl Federation {
    /// Refuses hosts on the instance block list.
    pub async fn check_host(&self, host: &str) -> Result<(), FederationError> {
        let h = host.to_string();
        if self
            .store
            .read(move |c| blocklist::is_host_blocked(c, None, &h))
            .await?
        {
            return Err(FederationError::Forbidden(format!("{host} is blocked")));
        }
        Ok(())
    }

    /// A remote actor by its id: from the cache while fresh, else fetched (and its Group's
    /// owner too). `refresh` forces a fetch (a signature that failed with the cached key).
    pub async fn actor(&self, url: &str, refresh: bool) -> Result<FedActor, FederationError> {
        let host =
            host_of(url).ok_or_else(|| FederationError::BadRequest("bad actor id".into()))?;
        self.check_host(&host).await?;
        let u = url.to_string();
        let cached = self
            .store
            .read(move |c| fed_actors::remote_by_url(c, &u))
            .await?;
        if let Some(a) = &cached
            && !refresh
            && !stale(a.fetched_at.as_deref())
        {
            return Ok(a.clone());
        }
        match self.fetch_actor(url, 0).await {
            Ok(a) => Ok(a),
            // An origin that is down does not make a recently known actor unknown.
            Err(FederationError::Network(_)) if cached.is_some() && !refresh => {
                Ok(cached.unwrap_or_else(|| unreachable!()))
            }
            Err(e) => Err(e),
        }
    }

    async fn fetch_actor(&self, url: &str, depth: u8) -> Result<FedActor, FederationError> {
        let doc = self.fetch(url).await?;
        let parsed = actor::parse_remote(&doc, url)?;
        if parsed.url != url && host_of(&parsed.url) != host_of(url) {
            return Err(FederationError::Forbidden(
                "actor id differs from its URL".into(),
            ));
        }
        // A Group belongs to a Person on its own host (PeerTube requires it).
        let owner = if parsed.kind == "Group" {
            let owner_url = actor::group_owner(&doc)
                .ok_or_else(|| FederationError::BadRequest("Group without an owner".into()))?;
            if host_of(&owner_url) != host_of(&parsed.url) || depth > 0 {
                return Err(FederationError::Forbidden(
                    "Group owner on another host".into(),
                ));
            }
            let owner = Box::pin(self.actor_at_depth(&owner_url, depth + 1)).await?;
            Some(owner.id)
        } else {
            None
        };
        let stored = self
            .store
            .write(move |tx| {
                let id = fed_actors::upsert_remote(tx, &parsed)?;
                match owner {
                    Some(owner_actor) => {
                        let account = fed_actors::ensure_account(tx, owner_actor)?;
                        fed_actors::ensure_channel(tx, id, account)?;
                    }
                    None => {
                        fed_actors::ensure_account(tx, id)?;
                    }
                }
                fed_actors::by_id(tx, id)
            })
            .await?;
        let stored = stored.ok_or(FederationError::NotFound("actor"))?;
        self.refresh_totals_later(&stored);
        Ok(stored)
    }

    async fn actor_at_depth(&self, url: &str, depth: u8) -> Result<FedActor, FederationError> {
        let u = url.to_string();
        let cached = self
            .store
            .read(move |c| fed_actors::remote_by_url(c, &u))
            .await?;
        match cached {
            Some(a) if !stale(a.fetched_at.as_deref()) => Ok(a),
            _ => self.fetch_actor(url, depth).await,
        }
    }

    /// The actor behind a signature's keyId, from the cache unless `refresh`.
    pub async fn actor_by_key_id(
        &self,
        key_id: &str,
        refresh: bool,
    ) -> Result<FedActor, FederationError> {
        if !refresh {
            let k = key_id.to_string();
            if let Some(a) = self
                .store
                .read(move |c| fed_actors::remote_by_key_id(c, &k))
                .await?
                && !stale(a.fetched_at.as_deref())
            {
                return Ok(a);
            }
        }
        let actor_url = key_id.split('#').next().unwrap_or(key_id);
        let a = self.actor(actor_url, true).await?;
        if a.public_key_id.as_deref() != Some(key_id)
            && !key_id.starts_with(&format!("{}#", actor_url))
        {
            return Err(FederationError::BadSignature(
                "keyId does not belong to its actor".into(),
            ));
        }
        Ok(a)
    }

    /// `https://{host}` (plain http only with the testing flag).
    pub fn origin_of_host(&self, host: &str) -> String {
        let scheme = if self.settings.allow_private {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    /// WebFinger: the actor id of `name@host`.
    pub async fn webfinger(&self, name: &str, host: &str) -> Result<String, FederationError> {
        self.check_host(host).await?;
        let mut url = url::Url::parse(&format!(
            "{}/.well-known/webfinger",
            self.origin_of_host(host)
        ))
        .map_err(|_| FederationError::BadRequest("bad host".into()))?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{name}@{host}"));
        let unsigned = Arc::new(|_: &url::Url, _: Option<&[u8]>| Vec::new());
        let got = self
            .client
            .send(
                reqwest::Method::GET,
                url,
                "application/jrd+json, application/json",
                None,
                unsigned,
            )
            .await?;
        if got.status != 200 {
            return Err(FederationError::RemoteStatus(got.status));
        }
        let doc = parse_json(&got.body)?;
        let links = doc
            .get("links")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        links
            .iter()
            .find(|l| {
                l.get("rel").and_then(Value::as_str) == Some("self")
                    && l.get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.contains("activity+json") || t.contains("ld+json"))
            })
            .and_then(|l| l.get("href").and_then(Value::as_str))
            .filter(|href| host_of(href).as_deref() == Some(host))
            .map(str::to_string)
            .ok_or(FederationError::NotFound("actor"))
    }

    /// A remote actor by `name@host` handle.
    pub async fn actor_by_handle(&self, handle: &str) -> Result<FedActor, FederationError> {
        let handle = handle.trim().trim_start_matches('@');
        let (name, host) = handle
            .split_once('@')
            .ok_or_else(|| FederationError::BadRequest("expected name@host".into()))?;
        let host = host.to_ascii_lowercase();
        if host == self.host {
            return Err(FederationError::BadRequest("this handle is local".into()));
        }
        let (n, h) = (name.to_string(), host.clone());
        if let Some(a) = self
            .store
            .read(move |c| fed_actors::remote_by_handle(c, &n, &h))
            .await?
            && !stale(a.fetched_at.as_deref())
        {
            return Ok(a);
        }
        let url = self.webfinger(name, &host).await?;
        self.actor(&url, true).await
    }

    /// Caches a Video object whose authority is `authority_host` (the signer's host, or the
    /// host it was fetched from); the video's row id.
    pub async fn store_video(
        &self,
        doc: &Value,
        authority_host: &str,
    ) -> Result<i64, FederationError> {
        let mut parsed = video::parse_remote(doc)?;
        if host_of(&parsed.video.url).as_deref() != Some(authority_host) {
            return Err(FederationError::Forbidden(
                "the video's id is not on the sender's host".into(),
            ));
        }
        let channel = self.actor(&parsed.channel_url, false).await?;
        if channel.kind != "Group" {
            return Err(FederationError::BadRequest(
                "the video's channel is not a Group".into(),
            ));
        }
        let actor_id = channel.id;
        let v = std::mem::take(&mut parsed.video);
        self.store
            .write(move |tx| {
                let channel_id = fed_actors::channel_id_of_actor(tx, actor_id)?
                    .ok_or(FederationError::NotFound("channel"))?;
                // A local video can never be overwritten by a remote object.
                if let Some(existing) = crate::store::videos::by_uuid(tx, &v.uuid)?
                    && existing.url.as_deref() != Some(v.url.as_str())
                {
                    return Err(FederationError::Forbidden(
                        "a video with this uuid exists".into(),
                    ));
                }
                Ok(remote::upsert_video(
                    tx,
                    &crate::store::remote::RemoteVideo { channel_id, ..v },
                )?)
            })
            .await
    }

    /// A remote video by id: cached while fresh, else fetched from its origin.
    pub async fn video(&self, url: &str, refresh: bool) -> Result<i64, FederationError> {
        let u = url.to_string();
        let cached = self
            .store
            .read(move |c| -> Result<_, FederationError> {
                let Some(id) = remote::video_id_by_url(c, &u)? else {
                    return Ok(None);
                };
                Ok(remote::video_remote_parts(c, id)?.map(|(_, _, fetched)| (id, fetched)))
            })
            .await?;
        if let Some((id, fetched)) = &cached
            && !refresh
            && !stale(fetched.as_deref())
        {
            return Ok(*id);
        }
        let host =
            host_of(url).ok_or_else(|| FederationError::BadRequest("bad video id".into()))?;
        self.check_host(&host).await?;
        let doc = self.fetch(url).await?;
        self.store_video(&doc, &host).await
    }
}
