//! Follow, its Accept or Reject, and Undo (of a follow, a like or dislike, a share).

use serde_json::Value;

use super::kind;
use crate::federation::{Federation, FederationError, id_of, outbox};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{follows, jobs, remote};

impl Federation {
    pub(super) async fn on_follow(
        &self,
        a: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
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

    pub(super) async fn on_answer(
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
                                kind: crate::federation::delivery::CRAWL_JOB.into(),
                                payload: serde_json::json!({ "outbox": outbox }).to_string(),
                                unique_key: Some(format!("crawl:{outbox}")),
                                max_attempts: 3,
                                ..Default::default()
                            },
                        )?;
                        crate::federation::hooks::note_queued();
                    }
                } else {
                    follows::delete_id(tx, follow.id)?;
                }
                Ok(())
            })
            .await?;
        // Our follow counts in their total now: read it again.
        if accepted {
            self.refresh_totals_later(signer);
        }
        Ok(())
    }

    pub(super) async fn on_undo(
        &self,
        object: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
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
}
