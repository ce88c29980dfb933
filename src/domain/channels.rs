//! Video channels: creation, lookup by handle, edits and deletion, with ownership rules.

use super::{DomainError, DomainResult, names, roles, users};
use crate::store::Store;
use crate::store::actors::{self, AccountRow, ChannelRow};
use crate::store::images::{self, ImageRow};
use crate::store::users::UserRow;

/// A channel with its images and its owner account (and the owner's images).
#[derive(Debug, Clone)]
pub struct ChannelDetails {
    pub channel: ChannelRow,
    pub images: Vec<ImageRow>,
    pub owner: AccountRow,
    pub owner_images: Vec<ImageRow>,
}

/// Splits a handle `name` or `name@host`; a host equal to ours means local.
pub fn parse_handle(handle: &str, our_host: &str) -> (String, Option<String>) {
    match handle.split_once('@') {
        Some((name, host)) if !host.eq_ignore_ascii_case(our_host) => {
            (name.to_string(), Some(host.to_ascii_lowercase()))
        }
        Some((name, _)) => (name.to_string(), None),
        None => (handle.to_string(), None),
    }
}

fn details_in(conn: &rusqlite::Connection, channel: ChannelRow) -> DomainResult<ChannelDetails> {
    let owner = actors::account_by_id(conn, channel.account_id)?
        .ok_or_else(|| DomainError::NotFound("Channel owner not found".into()))?;
    Ok(ChannelDetails {
        images: images::of_actor(conn, channel.actor.id)?,
        owner_images: images::of_actor(conn, owner.actor.id)?,
        owner,
        channel,
    })
}

pub async fn by_handle(
    store: &Store,
    handle: &str,
    our_host: &str,
) -> DomainResult<ChannelDetails> {
    let (name, host) = parse_handle(handle, our_host);
    store
        .read(move |conn| {
            let channel = actors::channel_by_name(conn, &name, host.as_deref())?
                .ok_or_else(|| DomainError::NotFound("Video channel not found".into()))?;
            details_in(conn, channel)
        })
        .await
}

pub async fn list(
    store: &Store,
    account_id: Option<i64>,
    start: i64,
    count: i64,
    sort: String,
) -> DomainResult<(i64, Vec<ChannelDetails>)> {
    store
        .read(move |conn| {
            let (total, rows) = actors::list_channels(conn, account_id, start, count, &sort)?;
            let list = rows
                .into_iter()
                .map(|c| details_in(conn, c))
                .collect::<DomainResult<Vec<_>>>()?;
            Ok((total, list))
        })
        .await
}

/// Channels matching a search text.
pub async fn search(
    store: &Store,
    text: String,
    start: i64,
    count: i64,
) -> DomainResult<(i64, Vec<ChannelDetails>)> {
    store
        .read(move |conn| {
            let (total, rows) = actors::search_channels(conn, &text, start, count)?;
            let list = rows
                .into_iter()
                .map(|c| details_in(conn, c))
                .collect::<DomainResult<Vec<_>>>()?;
            Ok((total, list))
        })
        .await
}

pub struct ChannelFields {
    pub display_name: Option<String>,
    pub description: Option<Option<String>>,
    pub support: Option<Option<String>>,
}

fn validate(fields: &ChannelFields) -> DomainResult<()> {
    if let Some(name) = &fields.display_name {
        names::display_name(name)?;
    }
    if let Some(Some(d)) = &fields.description {
        names::text("description", d, 3, 1000)?;
    }
    if let Some(Some(s)) = &fields.support {
        names::text("support", s, 3, 1000)?;
    }
    Ok(())
}

/// Creates a channel owned by `owner`; the id of the new channel.
pub async fn create(
    store: &Store,
    owner: &UserRow,
    name: String,
    fields: ChannelFields,
) -> DomainResult<i64> {
    names::channel_name("name", &name)?;
    let display_name = fields
        .display_name
        .clone()
        .ok_or_else(|| DomainError::invalid("displayName", "displayName is required"))?;
    validate(&fields)?;
    let user_id = owner.id;
    store
        .write(move |tx| {
            users::ensure_name_free(tx, "channel name", &name)?;
            let account = actors::account_by_user(tx, user_id)?
                .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
            let description = fields.description.flatten();
            let actor_id =
                actors::insert_actor(tx, "Group", &name, &display_name, description.as_deref())
                    .map_err(users::conflict_on_unique)?;
            let support = fields.support.flatten();
            Ok(actors::insert_channel(
                tx,
                actor_id,
                account.id,
                support.as_deref(),
            )?)
        })
        .await
}

/// The owner, or an administrator or moderator, may manage a local channel.
fn require_manage(user: &UserRow, details: &ChannelDetails) -> DomainResult<()> {
    if details.channel.actor.host.is_some() {
        return Err(DomainError::Forbidden(
            "Remote channels cannot be changed here".into(),
        ));
    }
    if details.owner.user_id == Some(user.id) || user.role <= roles::MODERATOR {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "You are not the owner of this channel".into(),
        ))
    }
}

pub async fn update(
    store: &Store,
    user: &UserRow,
    handle: &str,
    our_host: &str,
    fields: ChannelFields,
) -> DomainResult<()> {
    let details = by_handle(store, handle, our_host).await?;
    require_manage(user, &details)?;
    validate(&fields)?;
    store
        .write(move |tx| {
            actors::update_actor(
                tx,
                details.channel.actor.id,
                fields.display_name.as_deref(),
                fields.description.as_ref().map(|d| d.as_deref()),
            )?;
            if let Some(support) = &fields.support {
                actors::set_channel_support(tx, details.channel.id, support.as_deref())?;
            }
            crate::federation::hooks::actor_updated(tx, details.channel.actor.id);
            Ok::<_, DomainError>(())
        })
        .await
}

/// Deletes a channel with its videos (their files too), and tells the fediverse; an account
/// keeps at least one channel. Returns its image files to remove.
pub async fn delete(
    store: &Store,
    paths: &crate::domain::videos::VideoPaths,
    user: &UserRow,
    handle: &str,
    our_host: &str,
) -> DomainResult<Vec<String>> {
    let details = by_handle(store, handle, our_host).await?;
    require_manage(user, &details)?;
    let (files, videos) = store
        .write(move |tx| {
            if actors::count_channels_of_account(tx, details.owner.id)? <= 1 {
                return Err(DomainError::Conflict(
                    "Cannot remove the last channel of this user".into(),
                ));
            }
            let videos = super::videos::delete_all_of_channel(tx, details.channel.id)?;
            let files = images::filenames_of_actors(tx, &[details.channel.actor.id])?;
            crate::federation::hooks::actors_deleting(tx, &[details.channel.actor.id]);
            actors::delete_actor(tx, details.channel.actor.id)?;
            Ok((files, videos))
        })
        .await?;
    for video in videos {
        video.remove_files(paths);
    }
    Ok(files)
}

/// The actor id of a channel `user` may manage (for avatar and banner changes).
pub async fn managed_actor(
    store: &Store,
    user: &UserRow,
    handle: &str,
    our_host: &str,
) -> DomainResult<i64> {
    let details = by_handle(store, handle, our_host).await?;
    require_manage(user, &details)?;
    Ok(details.channel.actor.id)
}
