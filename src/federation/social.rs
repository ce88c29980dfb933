//! What local users and administrators do across servers: subscribe to a remote channel,
//! follow a remote instance, accept or refuse instance followers.

use super::{Federation, FederationError, outbox};
use crate::store::fed_actors::{self, FedActor};
use crate::store::follows;

impl Federation {
    /// `local_actor` follows `target` (remote: a Follow is sent and the follow stays pending
    /// until accepted; local: accepted at once).
    pub async fn follow(&self, local_actor: i64, target: FedActor) -> Result<(), FederationError> {
        let base = self.base.clone();
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                if target.host.is_none() {
                    follows::upsert(tx, local_actor, target.id, "accepted", None)?;
                    return Ok(());
                }
                if follows::get(tx, local_actor, target.id)?.is_some_and(|f| f.state == "accepted")
                {
                    return Ok(());
                }
                let follow_id = outbox::follow(tx, &base, local_actor, &target, None)?;
                follows::upsert(tx, local_actor, target.id, "pending", Some(&follow_id))?;
                Ok(())
            })
            .await
    }

    /// Ends a follow (an Undo is sent for a remote target); false when there was none.
    pub async fn unfollow(
        &self,
        local_actor: i64,
        target: FedActor,
    ) -> Result<bool, FederationError> {
        let base = self.base.clone();
        self.store
            .write(move |tx| -> Result<bool, FederationError> {
                let Some(row) = follows::get(tx, local_actor, target.id)? else {
                    return Ok(false);
                };
                if target.host.is_some() {
                    let id = row.activity_url.clone().unwrap_or_default();
                    outbox::follow(tx, &base, local_actor, &target, Some(&id))?;
                }
                follows::delete_id(tx, row.id)?;
                Ok(true)
            })
            .await
    }

    /// The instance actor's row.
    pub async fn instance_actor(&self) -> Result<FedActor, FederationError> {
        let name = self.instance_name.clone();
        Ok(self
            .store
            .write(move |tx| fed_actors::ensure_instance_actor(tx, &name))
            .await?)
    }

    /// A remote instance's actor by host (`peertube@host`).
    pub async fn instance_of_host(&self, host: &str) -> Result<FedActor, FederationError> {
        let host = host.trim().trim_end_matches('/').to_ascii_lowercase();
        let host = host
            .strip_prefix("https://")
            .or_else(|| host.strip_prefix("http://"))
            .unwrap_or(&host)
            .to_string();
        if host.is_empty() || host.contains('/') || host.contains('@') {
            return Err(FederationError::BadRequest("expected a host name".into()));
        }
        self.actor_by_handle(&format!("peertube@{host}")).await
    }

    /// Accepts (sends Accept) or refuses (sends Reject, forgets it) a follower of ours.
    pub async fn answer_follower(
        &self,
        target_id: i64,
        follower: FedActor,
        accept: bool,
    ) -> Result<bool, FederationError> {
        let base = self.base.clone();
        self.store
            .write(move |tx| -> Result<bool, FederationError> {
                let Some(row) = follows::get(tx, follower.id, target_id)? else {
                    return Ok(false);
                };
                let id = row.activity_url.clone().unwrap_or_default();
                if accept {
                    follows::accept(tx, row.id)?;
                } else {
                    follows::delete_id(tx, row.id)?;
                }
                if follower.host.is_some() {
                    outbox::answer_follow(tx, &base, target_id, &follower, &id, accept)?;
                }
                Ok(true)
            })
            .await
    }
}
