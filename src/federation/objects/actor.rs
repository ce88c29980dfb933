//! Actors: the documents of our accounts (Person), channels (Group) and the instance actor
//! (Application `peertube`), and the reading of remote actors' documents.

use rusqlite::Connection;
use serde_json::{Value, json};

use crate::federation::{FederationError, host_of, id_of, sanitize};
use crate::store::StoreError;
use crate::store::fed_actors::{FedActor, RemoteActor};
use crate::store::images::RemoteImage;
use crate::store::{actors, images};

/// The ActivityPub id of a local actor: `/accounts/{name}` for Person and Application,
/// `/video-channels/{name}` for Group; a remote actor's stored id.
pub fn local_url(base: &str, a: &FedActor) -> String {
    if let Some(url) = &a.url
        && a.host.is_some()
    {
        return url.clone();
    }
    match a.kind.as_str() {
        "Group" => format!("{base}/video-channels/{}", a.name),
        _ => format!("{base}/accounts/{}", a.name),
    }
}

/// The document of a local actor whose key pair exists.
pub fn document(conn: &Connection, base: &str, a: &FedActor) -> Result<Value, StoreError> {
    let id = local_url(base, a);
    let images = images::of_actor(conn, a.id)?;
    // Largest first: Mastodon takes the first icon.
    let pictures = |kind: &str, path: &str| -> Vec<Value> {
        images
            .iter()
            .rev()
            .filter(|i| i.kind == kind)
            .map(|i| {
                json!({
                    "type": "Image", "mediaType": "image/jpeg",
                    "height": i.height, "width": i.width,
                    "url": format!("{base}{path}/{}", i.filename),
                })
            })
            .collect()
    };
    let icons = pictures("avatar", crate::http::api::json::AVATAR_PATH);
    let banners = pictures("banner", crate::http::api::json::BANNER_PATH);
    let mut doc = json!({
        "type": a.kind,
        "id": id,
        "following": format!("{id}/following"),
        "followers": format!("{id}/followers"),
        "playlists": format!("{id}/playlists"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "preferredUsername": a.name,
        "url": id,
        "name": a.display_name,
        "endpoints": { "sharedInbox": format!("{base}/inbox") },
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": a.public_key_pem,
        },
        "published": a.created_at,
        "summary": a.description,
        "icon": icons,
        "image": banners,
        "manuallyApprovesFollowers": false,
        "discoverable": true,
    });
    if a.kind == "Group"
        && let Some(channel) = actors::channel_by_name(conn, &a.name, None)?
        && let Some(owner) = actors::account_by_id(conn, channel.account_id)?
    {
        doc["attributedTo"] = json!([{
            "type": "Person",
            "id": format!("{base}/accounts/{}", owner.actor.name),
        }]);
        doc["support"] = json!(channel.support);
        doc["postingRestrictedToMods"] = json!(true);
    }
    Ok(super::with_context(doc))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Reads a fetched actor document. `url` is where it was fetched from: the id must be on
/// that host, and so must the key and the inbox.
pub fn parse_remote(doc: &Value, fetched_from: &str) -> Result<RemoteActor, FederationError> {
    let bad = |m: &str| FederationError::BadRequest(format!("actor document: {m}"));
    let kind = text(doc, "type").ok_or_else(|| bad("no type"))?;
    let kind = match kind.as_str() {
        "Person" | "Group" | "Application" => kind,
        "Service" | "Organization" => "Application".to_string(),
        _ => return Err(bad("not an actor")),
    };
    let id = text(doc, "id").ok_or_else(|| bad("no id"))?;
    let host = host_of(&id).ok_or_else(|| bad("id is not a URL"))?;
    if host_of(fetched_from).as_deref() != Some(host.as_str()) {
        return Err(FederationError::Forbidden(
            "actor id on another host".into(),
        ));
    }
    let name = sanitize::line(
        &text(doc, "preferredUsername").ok_or_else(|| bad("no preferredUsername"))?,
        100,
    );
    if name.is_empty() || name.contains('@') || name.contains('/') {
        return Err(bad("bad preferredUsername"));
    }
    let key = doc.get("publicKey").ok_or_else(|| bad("no publicKey"))?;
    let key = match key {
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let public_key_pem = text(&key, "publicKeyPem").ok_or_else(|| bad("no publicKeyPem"))?;
    crate::federation::keys::parse_public(&public_key_pem)?;
    let public_key_id = text(&key, "id").unwrap_or_else(|| format!("{id}#main-key"));
    let inbox_url = text(doc, "inbox").ok_or_else(|| bad("no inbox"))?;
    let on_host = |u: &Option<String>| {
        u.as_ref()
            .is_none_or(|u| host_of(u).as_deref() == Some(host.as_str()))
    };
    let shared_inbox_url = doc
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let (outbox, followers, following) = (
        text(doc, "outbox"),
        text(doc, "followers"),
        text(doc, "following"),
    );
    if host_of(&public_key_id).as_deref() != Some(host.as_str())
        || !on_host(&Some(inbox_url.clone()))
        || !on_host(&shared_inbox_url)
        || !on_host(&outbox)
    {
        return Err(FederationError::Forbidden(
            "actor endpoints on another host".into(),
        ));
    }
    let mut images = remote_images(doc, "icon", "avatar");
    images.extend(remote_images(doc, "image", "banner"));
    let avatar_url = images
        .iter()
        .filter(|i| i.kind == "avatar")
        .max_by_key(|i| i.width)
        .map(|i| i.url.clone());
    let display = text(doc, "name")
        .map(|n| sanitize::line(&n, 120))
        .filter(|n| !n.is_empty());
    Ok(RemoteActor {
        kind,
        display_name: display.unwrap_or_else(|| name.clone()),
        name,
        host,
        url: id,
        description: text(doc, "summary").map(|s| sanitize::html_to_text(&s, 1000)),
        public_key_pem,
        public_key_id,
        inbox_url,
        shared_inbox_url,
        outbox_url: outbox,
        followers_url: followers,
        following_url: following,
        avatar_url,
        images,
    })
}

/// The images under `key` (`icon` or `image`: one, or a list of sizes), at most four,
/// http(s) URLs only.
fn remote_images(doc: &Value, key: &str, kind: &'static str) -> Vec<RemoteImage> {
    let list = match doc.get(key) {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Vec::new(),
    };
    let size = |i: &Value, k: &str| {
        i.get(k)
            .and_then(Value::as_u64)
            .filter(|n| *n <= 8192)
            .unwrap_or(0) as u32
    };
    list.iter()
        .filter_map(|i| {
            let url = i.get("url").and_then(id_of)?;
            let parsed = url::Url::parse(url).ok()?;
            matches!(parsed.scheme(), "http" | "https").then(|| RemoteImage {
                kind,
                url: url.to_string(),
                width: size(i, "width"),
                height: size(i, "height"),
            })
        })
        .take(4)
        .collect()
}

/// The owner of a remote Group: the first Person in `attributedTo`.
pub fn group_owner(doc: &Value) -> Option<String> {
    match doc.get("attributedTo") {
        Some(Value::Array(a)) => a
            .iter()
            .find(|x| x.get("type").and_then(Value::as_str) == Some("Person"))
            .or_else(|| a.first())
            .and_then(id_of)
            .map(str::to_string),
        Some(other) => id_of(other).map(str::to_string),
        None => None,
    }
}
