//! Reactions to videos: Announce (a share of ours, or a remote video to cache), Like and
//! Dislike, and View.

use serde_json::Value;

use super::kind;
use crate::federation::{Federation, FederationError, host_of, id_of};
use crate::store::fed_actors::FedActor;
use crate::store::remote;

impl Federation {
    /// A share of our video is counted; a remote video shared is cached (inline when it comes
    /// from the signer's host, otherwise fetched from its origin).
    pub(super) async fn on_announce(
        &self,
        a: &Value,
        object: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let host = signer.host.clone().unwrap_or_default();
        let url = id_of(object)
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
            && kind(object) == "Video"
        {
            return self.store_video(object, &host).await.map(|_| ());
        }
        self.video(&url, false).await.map(|_| ())
    }

    /// A Like or Dislike of our video sets the signer's rating (one per actor).
    pub(super) async fn on_rate(
        &self,
        a: &Value,
        object: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let url = id_of(object).unwrap_or_default().to_string();
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

    /// A view of our video, counted.
    pub(super) async fn on_view(&self, object: &Value) -> Result<(), FederationError> {
        let url = id_of(object).unwrap_or_default().to_string();
        if let Some(video) = self.local_video(&url).await? {
            self.store
                .write(move |tx| remote::add_view(tx, video))
                .await?;
        }
        Ok(())
    }
}
