//! The inbox: strict verification of every POST (signature over the required headers, date
//! window, digest of the raw body, key fetched and cached, refetched once on failure; the
//! activity's actor must be the signer, its id on the signer's host, and not seen before),
//! then idempotent processing of Follow, Accept, Reject, Undo, Create, Update, Delete,
//! Announce, Like, Dislike, View and Flag. A relayed activity (actor differs from the signer)
//! is taken as its actor's own when it carries the actor's valid LD signature
//! (`ld::inbound`); otherwise it is not trusted: its object is fetched from its origin
//! instead, and a relayed Delete holds only when the origin no longer has the object.

use serde_json::Value;

use super::objects::collection;
use super::{Federation, FederationError, host_of, id_of, ids_in, outbox, sanitize, signatures};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{actors, blocklist, comments, follows, jobs, remote, videos};

/// Deepest reply chain resolved when a comment answers unknown comments.
pub const MAX_REPLY_DEPTH: usize = 20;
/// Outbox pages read after a follow is accepted, and items per crawl.
const CRAWL_PAGES: usize = 10;

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
        let recent =
            crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
        if actor
            .fetched_at
            .as_deref()
            .is_some_and(|t| t > recent.as_str())
        {
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

    /// An activity signed by someone else than its actor and without a valid LD signature of
    /// that actor: its object is fetched from origin, and nothing else of it is believed.
    async fn relayed(&self, activity: &Value, signer_host: &str) -> Result<(), FederationError> {
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

    /// Local actor named by one of our URLs (`/accounts/x`, `/video-channels/x`, `/a/x`, `/c/x`).
    async fn local_actor(&self, url: &str) -> Result<FedActor, FederationError> {
        let path = url
            .strip_prefix(&self.base)
            .ok_or(FederationError::NotFound("local actor"))?;
        let name = ["/accounts/", "/video-channels/", "/a/", "/c/"]
            .iter()
            .find_map(|p| path.strip_prefix(p))
            .filter(|n| !n.is_empty() && !n.contains('/'))
            .ok_or(FederationError::NotFound("local actor"))?
            .to_string();
        let found = self
            .store
            .read(move |c| fed_actors::local_by_name(c, &name))
            .await?;
        found.ok_or(FederationError::NotFound("local actor"))
    }

    /// A local video named by its watch URL.
    async fn local_video(&self, url: &str) -> Result<Option<i64>, FederationError> {
        let Some(rest) = url.strip_prefix(&format!("{}/videos/watch/", self.base)) else {
            return Ok(None);
        };
        let uuid = rest
            .split(['/', '?'])
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(self
            .store
            .read(move |c| videos::by_uuid(c, &uuid))
            .await?
            .filter(|v| v.url.is_none())
            .map(|v| v.id))
    }

    /// Any video (ours, or a remote one already cached) by its id.
    async fn known_video(&self, url: &str) -> Result<Option<i64>, FederationError> {
        if let Some(id) = self.local_video(url).await? {
            return Ok(Some(id));
        }
        let u = url.to_string();
        Ok(self
            .store
            .read(move |c| remote::video_id_by_url(c, &u))
            .await?)
    }

    async fn process(&self, a: &Value, signer: &FedActor) -> Result<(), FederationError> {
        let host = signer.host.clone().unwrap_or_default();
        let object = a.get("object").cloned().unwrap_or(Value::Null);
        match kind(a) {
            "Follow" => self.on_follow(a, signer).await,
            "Accept" | "Reject" => self.on_answer(&object, signer, kind(a) == "Accept").await,
            "Undo" => self.on_undo(&object, signer).await,
            "Create" | "Update" => match kind(&object) {
                "Video" => self.store_video(&object, &host).await.map(|_| ()),
                "Note" => {
                    if object.get("attributedTo").and_then(id_of) != signer.url.as_deref() {
                        return Err(FederationError::Forbidden(
                            "the note's author is not the signer".into(),
                        ));
                    }
                    self.store_note(&object, &host, 0).await.map(|_| ())
                }
                "Person" | "Group" | "Application" => {
                    if id_of(&object) != signer.url.as_deref() {
                        return Err(FederationError::Forbidden(
                            "an actor updates only itself".into(),
                        ));
                    }
                    self.actor(id_of(&object).unwrap_or_default(), true)
                        .await
                        .map(|_| ())
                }
                "" if object.is_string() => {
                    let url = id_of(&object).unwrap_or_default();
                    if host_of(url).as_deref() != Some(host.as_str()) {
                        return Err(FederationError::Forbidden("object on another host".into()));
                    }
                    let doc = self.fetch(url).await?;
                    match kind(&doc) {
                        "Video" => self.store_video(&doc, &host).await.map(|_| ()),
                        "Note" => self.store_note(&doc, &host, 0).await.map(|_| ()),
                        _ => Ok(()),
                    }
                }
                _ => Ok(()),
            },
            "Delete" => self.on_delete(&object, signer).await,
            "Announce" => {
                let url = id_of(&object)
                    .ok_or_else(|| FederationError::BadRequest("no object".into()))?
                    .to_string();
                if let Some(video) = self.local_video(&url).await? {
                    let (actor_id, act) = (
                        signer.id,
                        a.get("id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    );
                    self.store
                        .write(move |tx| remote::add_share(tx, actor_id, video, &act))
                        .await?;
                    return Ok(());
                }
                if object.is_object()
                    && host_of(&url).as_deref() == Some(host.as_str())
                    && kind(&object) == "Video"
                {
                    return self.store_video(&object, &host).await.map(|_| ());
                }
                self.video(&url, false).await.map(|_| ())
            }
            "Like" | "Dislike" => {
                let url = id_of(&object).unwrap_or_default().to_string();
                let Some(video) = self.local_video(&url).await? else {
                    return Ok(());
                };
                let rate = if kind(a) == "Like" { "like" } else { "dislike" };
                let (actor_id, act) = (
                    signer.id,
                    a.get("id").and_then(Value::as_str).map(str::to_string),
                );
                self.store
                    .write(move |tx| {
                        remote::set_remote_rate(tx, actor_id, video, Some(rate), act.as_deref())
                    })
                    .await?;
                Ok(())
            }
            "View" => {
                let url = id_of(&object).unwrap_or_default().to_string();
                if let Some(video) = self.local_video(&url).await? {
                    self.store
                        .write(move |tx| remote::add_view(tx, video))
                        .await?;
                }
                Ok(())
            }
            "Flag" => self.on_flag(a, signer).await,
            _ => Ok(()),
        }
    }

    async fn on_follow(&self, a: &Value, signer: &FedActor) -> Result<(), FederationError> {
        let target_url = a
            .get("object")
            .and_then(id_of)
            .ok_or_else(|| FederationError::BadRequest("no object".into()))?;
        let target = self.local_actor(target_url).await?;
        let follow_id = a
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let needs_approval =
            target.kind == "Application" && self.settings.instance_followers_approval;
        let (follower, target_id, base) = (signer.clone(), target.id, self.base.clone());
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                let state = if needs_approval {
                    "pending"
                } else {
                    "accepted"
                };
                let row = follows::upsert(tx, follower.id, target_id, state, Some(&follow_id))?;
                if row.state == "accepted" {
                    outbox::answer_follow(tx, &base, target_id, &follower, &follow_id, true)?;
                }
                Ok(())
            })
            .await
    }

    async fn on_answer(
        &self,
        object: &Value,
        signer: &FedActor,
        accepted: bool,
    ) -> Result<(), FederationError> {
        // The object is our Follow: inline (its actor is ours) or by id.
        let follower_url = object.get("actor").and_then(id_of).map(str::to_string);
        let follow_id = id_of(object).unwrap_or_default().to_string();
        let (signer_id, base) = (signer.id, self.base.clone());
        let outbox = signer.outbox_url.clone();
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                let follower = match &follower_url {
                    Some(u) => u
                        .strip_prefix(&base)
                        .and_then(|p| p.rsplit('/').next().map(str::to_string)),
                    None => None,
                };
                let mine = match follower {
                    Some(name) => fed_actors::local_by_name(tx, &name)?,
                    None => None,
                };
                let follow = match mine {
                    Some(me) => follows::get(tx, me.id, signer_id)?,
                    None => None,
                }
                .filter(|f| {
                    follow_id.is_empty()
                        || f.activity_url
                            .as_deref()
                            .is_none_or(|u| u == follow_id || u.is_empty())
                });
                let Some(follow) = follow else { return Ok(()) };
                if accepted {
                    if follows::accept(tx, follow.id)?
                        && let Some(outbox) = outbox
                    {
                        jobs::push(
                            tx,
                            &jobs::NewJob {
                                kind: super::delivery::CRAWL_JOB.into(),
                                payload: serde_json::json!({ "outbox": outbox }).to_string(),
                                unique_key: Some(format!("crawl:{outbox}")),
                                max_attempts: 3,
                                ..Default::default()
                            },
                        )?;
                        super::hooks::note_queued();
                    }
                } else {
                    follows::delete_id(tx, follow.id)?;
                }
                Ok(())
            })
            .await
    }

    async fn on_undo(&self, object: &Value, signer: &FedActor) -> Result<(), FederationError> {
        if object
            .get("actor")
            .and_then(id_of)
            .is_some_and(|a| Some(a) != signer.url.as_deref())
        {
            return Err(FederationError::Forbidden(
                "an actor undoes only its own activities".into(),
            ));
        }
        let signer_id = signer.id;
        match kind(object) {
            "Follow" => {
                let target_url = object.get("object").and_then(id_of).unwrap_or_default();
                let target = self.local_actor(target_url).await?;
                self.store
                    .write(move |tx| follows::delete(tx, signer_id, target.id).map(|_| ()))
                    .await?;
            }
            "Like" | "Dislike" => {
                let url = object
                    .get("object")
                    .and_then(id_of)
                    .unwrap_or_default()
                    .to_string();
                if let Some(video) = self.local_video(&url).await? {
                    self.store
                        .write(move |tx| remote::set_remote_rate(tx, signer_id, video, None, None))
                        .await?;
                } else if let Some(act) = id_of(object).map(str::to_string) {
                    self.store
                        .write(move |tx| remote::undo_remote_rate(tx, signer_id, &act).map(|_| ()))
                        .await?;
                }
            }
            "Announce" => {
                let act = id_of(object).unwrap_or_default().to_string();
                self.store
                    .write(move |tx| remote::undo_share(tx, signer_id, &act).map(|_| ()))
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn on_delete(&self, object: &Value, signer: &FedActor) -> Result<(), FederationError> {
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

    /// A report: one `abuses` row per video, comment or account of ours among the objects,
    /// with PeerTube's predefined reasons (Hashtag names) and the video time range.
    async fn on_flag(&self, a: &Value, signer: &FedActor) -> Result<(), FederationError> {
        use crate::domain::abuse_reasons;
        use crate::store::abuses;
        let reason = a
            .get("content")
            .and_then(Value::as_str)
            .map(|c| sanitize::html_to_text(c, 3000))
            .unwrap_or_default();
        let tags = a
            .get("tag")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let reasons = abuse_reasons::bits(
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .filter(|n| abuse_reasons::number(n).is_some()),
        )
        .unwrap_or(0);
        let second = |k: &str| a.get(k).and_then(Value::as_i64).filter(|s| *s >= 0);
        let base = abuses::NewAbuse {
            reporter_id: signer.id,
            reason,
            predefined_reasons: reasons,
            activity_url: a.get("id").and_then(Value::as_str).map(str::to_string),
            ..Default::default()
        };
        let mut reports = Vec::new();
        for url in ids_in(a.get("object")).into_iter().take(10) {
            // A comment's URL starts with its video's: look for a comment first.
            if let Some(comment) = self.local_comment(&url).await? {
                reports.push(abuses::NewAbuse {
                    kind: "comment",
                    comment_id: Some(comment),
                    ..base.clone()
                });
            } else if let Some(video) = self.local_video(&url).await? {
                reports.push(abuses::NewAbuse {
                    kind: "video",
                    video_id: Some(video),
                    start_at: second("startAt"),
                    end_at: second("endAt"),
                    ..base.clone()
                });
            } else if let Ok(actor) = self.local_actor(&url).await {
                let id = actor.id;
                if let Some(account) = self
                    .store
                    .read(move |c| fed_actors::account_id_of_actor(c, id))
                    .await?
                {
                    reports.push(abuses::NewAbuse {
                        kind: "account",
                        flagged_account_id: Some(account),
                        ..base.clone()
                    });
                }
            }
        }
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                for report in &reports {
                    abuses::insert(tx, report)?;
                }
                Ok(())
            })
            .await
    }

    /// A comment served by us (`/videos/watch/{uuid}/comments/{id}`) that exists.
    async fn local_comment(&self, url: &str) -> Result<Option<i64>, FederationError> {
        let Some(rest) = url.strip_prefix(&format!("{}/videos/watch/", self.base)) else {
            return Ok(None);
        };
        let Some((uuid, id)) = rest.split_once("/comments/") else {
            return Ok(None);
        };
        let (uuid, id) = (
            uuid.to_string(),
            id.split(['/', '?']).next().unwrap_or_default(),
        );
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let found = self
            .store
            .read(move |c| -> Result<bool, crate::store::StoreError> {
                let video = remote::comment_parts(c, id)?.map(|(video, ..)| video);
                Ok(video.is_some() && video == videos::by_uuid(c, &uuid)?.map(|v| v.id))
            })
            .await?;
        Ok(found.then_some(id))
    }

    /// Caches a Note (a comment) whose authority is `host`; its row id. Unknown parents are
    /// fetched from their origin, up to `MAX_REPLY_DEPTH` levels.
    pub async fn store_note(
        &self,
        note: &Value,
        host: &str,
        depth: usize,
    ) -> Result<i64, FederationError> {
        if depth > MAX_REPLY_DEPTH {
            return Err(FederationError::BadRequest("reply chain too deep".into()));
        }
        let id = id_of(note)
            .ok_or_else(|| FederationError::BadRequest("note without id".into()))?
            .to_string();
        if host_of(&id).as_deref() != Some(host) {
            return Err(FederationError::Forbidden(
                "the note's id is not on the sender's host".into(),
            ));
        }
        let u = id.clone();
        if let Some(existing) = self
            .store
            .read(move |c| remote::comment_id_by_url(c, &u))
            .await?
            && note.get("content").is_none()
        {
            return Ok(existing);
        }
        let author_url = note
            .get("attributedTo")
            .and_then(id_of)
            .ok_or_else(|| FederationError::BadRequest("note without author".into()))?;
        if host_of(author_url).as_deref() != Some(host) {
            return Err(FederationError::Forbidden(
                "the note's author is on another host".into(),
            ));
        }
        let author = self.actor(author_url, false).await?;
        let parent_url = note
            .get("inReplyTo")
            .and_then(id_of)
            .ok_or_else(|| FederationError::BadRequest("note without inReplyTo".into()))?
            .to_string();
        // The parent: a video, or a comment (ours, cached, or fetched).
        let (video_id, parent) = match self.known_video(&parent_url).await? {
            Some(v) => (v, None),
            None => {
                let parent_id = self.comment_by_url(&parent_url, depth).await?;
                let parts = self
                    .store
                    .read(move |c| remote::comment_parts(c, parent_id))
                    .await?;
                let (video, _, _, _) = parts.ok_or(FederationError::NotFound("parent comment"))?;
                (video, Some(parent_id))
            }
        };
        let text = sanitize::html_to_text(
            note.get("content")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            10_000,
        );
        let published = note
            .get("published")
            .and_then(Value::as_str)
            .and_then(|p| {
                time::OffsetDateTime::parse(p, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(crate::store::timestamp);
        let author_id = author.id;
        let author_host = author.host.clone().unwrap_or_default();
        self.store
            .write(move |tx| -> Result<i64, FederationError> {
                let account = fed_actors::ensure_account(tx, author_id)?;
                let video =
                    videos::by_id(tx, video_id)?.ok_or(FederationError::NotFound("video"))?;
                if video.url.is_none() && video.comments_policy == 2 {
                    return Err(FederationError::Forbidden(
                        "comments are disabled on this video".into(),
                    ));
                }
                // The video owner's own block lists hold for comments on their videos.
                if let Some(channel) = actors::channel_by_id(tx, video.channel_id)?
                    && (blocklist::is_account_blocked(tx, Some(channel.account_id), account)?
                        || blocklist::is_host_blocked(tx, Some(channel.account_id), &author_host)?
                        || blocklist::is_account_blocked(tx, None, account)?)
                {
                    return Err(FederationError::Forbidden("this account is blocked".into()));
                }
                let (thread, reply_to) = match parent {
                    Some(p) => {
                        let row = comments::get(tx, video_id, p)?
                            .ok_or(FederationError::NotFound("parent comment"))?;
                        (Some(row.thread_id.unwrap_or(row.id)), Some(row.id))
                    }
                    None => (None, None),
                };
                Ok(remote::upsert_comment(
                    tx,
                    &id,
                    video_id,
                    account,
                    thread,
                    reply_to,
                    &text,
                    published.as_deref(),
                )?)
            })
            .await
    }

    /// A comment by its id: ours (`/videos/watch/{uuid}/comments/{id}`), cached, or fetched.
    async fn comment_by_url(&self, url: &str, depth: usize) -> Result<i64, FederationError> {
        if let Some(rest) = url.strip_prefix(&format!("{}/videos/watch/", self.base)) {
            let id: i64 = rest
                .split("/comments/")
                .nth(1)
                .and_then(|s| s.split(['/', '?']).next())
                .and_then(|s| s.parse().ok())
                .ok_or(FederationError::NotFound("comment"))?;
            return Ok(id);
        }
        let u = url.to_string();
        if let Some(id) = self
            .store
            .read(move |c| remote::comment_id_by_url(c, &u))
            .await?
        {
            return Ok(id);
        }
        let host = host_of(url).ok_or(FederationError::NotFound("comment"))?;
        self.check_host(&host).await?;
        let doc = self.fetch(url).await?;
        Box::pin(self.store_note(&doc, &host, depth + 1)).await
    }

    /// Reads a followed actor's outbox (a few pages): caches the videos it created or shared.
    pub async fn crawl_outbox(&self, url: &str) -> Result<usize, FederationError> {
        let host = host_of(url).ok_or_else(|| FederationError::BadRequest("bad outbox".into()))?;
        let root = self.fetch(url).await?;
        let mut page = match root.get("first") {
            Some(Value::String(first)) => Some(self.fetch(first).await?),
            Some(first @ Value::Object(_)) => Some(first.clone()),
            _ => Some(root.clone()),
        };
        let mut stored = 0;
        for _ in 0..CRAWL_PAGES {
            let Some(p) = page.take() else { break };
            let items = p
                .get("orderedItems")
                .or_else(|| p.get("items"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for item in items.iter().take(collection::PAGE_SIZE as usize * 5) {
                let object = item.get("object").cloned().unwrap_or(Value::Null);
                let result = match (kind(item), kind(&object)) {
                    ("Create", "Video") => self.store_video(&object, &host).await,
                    ("Announce" | "Create", _) => match id_of(&object) {
                        Some(u) => self.video(u, false).await,
                        None => continue,
                    },
                    _ => continue,
                };
                match result {
                    Ok(_) => stored += 1,
                    Err(e) => tracing::debug!(error = %e, "outbox item skipped"),
                }
            }
            page = match p.get("next").and_then(Value::as_str) {
                Some(next) if host_of(next).as_deref() == Some(host.as_str()) => {
                    Some(self.fetch(next).await?)
                }
                _ => None,
            };
        }
        Ok(stored)
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
