//! Our actors' own changes, told to whoever holds a copy of them: an `Update` carrying the
//! actor's document when its profile changes (name, description, support, avatar, banner),
//! and a `Delete` of the actor when a channel or a user is deleted. Shaped as PeerTube's
//! `sendUpdateActor` and `sendDeleteActor`, and sent to the same audience: the followers of
//! the actor and of the actors that announced its videos (its account's Person and channels,
//! and the instance actor).

use rusqlite::Connection;
use serde_json::{Value, json};

use super::PUBLIC;
use super::objects::actor;
use super::outbox::{enqueue, millis};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{StoreError, actors, deliveries, follows};

/// A local actor others may hold a copy of: it has a key pair, which is made the first time
/// anyone fetches its document or it sends anything.
fn published_local(conn: &Connection, actor_id: i64) -> Result<Option<FedActor>, StoreError> {
    Ok(fed_actors::by_id(conn, actor_id)?
        .filter(|a| a.host.is_none() && a.public_key_pem.is_some()))
}

/// Where a change of `actor_id` goes: the followers of its account's Person and channels
/// (one actor announces the others' videos) and of the instance actor.
fn audience(
    conn: &Connection,
    instance_name: &str,
    actor_id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let account = match fed_actors::account_id_of_actor(conn, actor_id)? {
        Some(account) => Some(account),
        None => fed_actors::channel_id_of_actor(conn, actor_id)?
            .map(|channel| actors::channel_by_id(conn, channel))
            .transpose()?
            .flatten()
            .map(|c| c.account_id),
    };
    let mut ids = match account {
        Some(account) => actors::actor_ids_of_account(conn, account)?,
        None => vec![actor_id],
    };
    ids.push(fed_actors::ensure_instance_actor(conn, instance_name)?.id);
    follows::follower_inboxes(conn, &ids)
}

fn addressed(activity: Value, url: &str) -> Value {
    let mut activity = activity;
    activity["to"] = json!([PUBLIC]);
    activity["cc"] = json!([format!("{url}/followers")]);
    activity
}

/// An actor's profile changed: `Update` with its whole document.
pub fn actor_updated(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    actor_id: i64,
) -> Result<(), StoreError> {
    let Some(a) = published_local(conn, actor_id)? else {
        return Ok(());
    };
    let url = actor::local_url(base, &a);
    let mut object = actor::document(conn, base, &a)?;
    if let Value::Object(map) = &mut object {
        // The activity carries the context once, at its top.
        map.remove("@context");
    }
    let update = addressed(
        json!({
            "type": "Update", "id": format!("{url}/updates/{}", millis()),
            "actor": url, "object": object,
        }),
        &url,
    );
    enqueue(
        conn,
        actor_id,
        &update,
        audience(conn, instance_name, actor_id)?,
    )?;
    Ok(())
}

/// Before a local actor's row is deleted: `Delete` of itself, and everything it queued (this
/// Delete, its videos' Deletes) kept signable once its row and key are gone.
pub fn actor_deleting(
    conn: &Connection,
    base: &str,
    instance_name: &str,
    actor_id: i64,
) -> Result<(), StoreError> {
    let Some(a) = fed_actors::by_id(conn, actor_id)?.filter(|a| a.host.is_none()) else {
        return Ok(());
    };
    let url = actor::local_url(base, &a);
    if a.public_key_pem.is_some() {
        let delete = addressed(
            json!({
                "type": "Delete", "id": format!("{url}/delete"), "actor": url, "object": url,
            }),
            &url,
        );
        enqueue(
            conn,
            actor_id,
            &delete,
            audience(conn, instance_name, actor_id)?,
        )?;
    }
    deliveries::keep_departing_signer(conn, actor_id, &url, a.private_key_pem.as_deref())
}
