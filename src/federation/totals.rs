//! Remote actors' follower and following totals as their origin publishes them (the
//! `totalItems` of their collections), as PeerTube shows them for remote channels and
//! accounts. Read in the background: a slow origin never delays what asked for the actor.

use serde_json::Value;

use super::{Federation, client, host_of};
use crate::store::fed_actors::{self, FedActor};

impl Federation {
    /// Reads the actor's two totals from its origin in a background task and records them.
    /// Best effort: a collection that cannot be read leaves its total as it was.
    pub fn refresh_totals_later(&self, actor: &FedActor) {
        let Some(host) = actor.host.clone() else {
            return;
        };
        let (id, followers, following) = (
            actor.id,
            actor.followers_url.clone(),
            actor.following_url.clone(),
        );
        let fed = self.clone();
        // On the federation runtime, which lives as long as the process, whatever runtime (a
        // request's, a delivery job's) asked for the actor.
        client::runtime().spawn(async move {
            let (followers, following) = tokio::join!(
                fed.collection_total(followers.as_deref(), &host),
                fed.collection_total(following.as_deref(), &host)
            );
            if followers.is_none() && following.is_none() {
                return;
            }
            let written = fed
                .store
                .write(move |tx| fed_actors::set_remote_totals(tx, id, followers, following))
                .await;
            if let Err(e) = written {
                tracing::warn!(error = %e, "could not record a remote actor's totals");
            }
        });
    }

    /// `totalItems` of a collection on the actor's own host.
    async fn collection_total(&self, url: Option<&str>, host: &str) -> Option<i64> {
        let url = url.filter(|u| host_of(u).as_deref() == Some(host))?;
        match self.fetch(url).await {
            Ok(doc) => doc
                .get("totalItems")
                .and_then(Value::as_i64)
                .filter(|n| *n >= 0),
            Err(e) => {
                tracing::debug!(url, error = %e, "collection total not read");
                None
            }
        }
    }
}
