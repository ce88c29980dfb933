//! Users and their accounts: creation (with the default channel), profile, preferences,
//! administration (role, quota, block) and deletion.

use rusqlite::Connection;

use super::{DomainError, DomainResult, auth, blocking, names, roles};
use crate::store::actors::{self, AccountRow, ChannelRow};
use crate::store::images::{self, ImageRow};
use crate::store::users::{self, UserChanges, UserFilter, UserRow};
use crate::store::{Store, StoreError, registrations, tokens};

/// What a new user is made of.
#[derive(Debug, Clone)]
pub struct NewUserRequest {
    pub username: String,
    pub email: Option<String>,
    pub password: String,
    pub role: u8,
    pub video_quota: i64,
    pub video_quota_daily: i64,
    pub display_name: Option<String>,
    pub channel_name: Option<String>,
    pub channel_display_name: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct CreatedUser {
    pub user_id: i64,
    pub account_id: i64,
    pub channel_id: i64,
}

/// A user with the account and channels the API shows with it.
#[derive(Debug, Clone)]
pub struct UserDetails {
    pub user: UserRow,
    pub account: AccountRow,
    pub account_images: Vec<ImageRow>,
    pub channels: Vec<(ChannelRow, Vec<ImageRow>)>,
    /// Reports against the account, made by it, and made by it and accepted.
    pub abuse_counts: crate::store::abuses::UserAbuseCounts,
    /// PeerTube's `notificationSettings`: `(field, value)` per notification type.
    pub notification_settings: Vec<(&'static str, i64)>,
}

/// Checks a new user's fields; everything but uniqueness, which `insert_user` checks.
pub fn validate_new(req: &NewUserRequest) -> DomainResult<()> {
    names::username(&req.username)?;
    names::password(&req.password)?;
    if let Some(email) = &req.email {
        names::email(email)?;
    }
    if let Some(name) = &req.display_name {
        names::display_name(name)?;
    }
    if let Some(name) = &req.channel_name {
        names::channel_name("channelName", name)?;
        if name.eq_ignore_ascii_case(&req.username) {
            return Err(DomainError::invalid(
                "channelName",
                "Channel name cannot be the same as the username",
            ));
        }
    }
    if let Some(name) = &req.channel_display_name {
        names::display_name(name)?;
    }
    if req.role > roles::USER {
        return Err(DomainError::invalid("role", "Role must be 0, 1 or 2"));
    }
    if req.video_quota < -1 || req.video_quota_daily < -1 {
        return Err(DomainError::invalid(
            "videoQuota",
            "Quota must be -1 or a size in bytes",
        ));
    }
    Ok(())
}

/// Fails with a conflict when a local actor or a pending registration already has `name`.
pub fn ensure_name_free(conn: &Connection, field: &'static str, name: &str) -> DomainResult<()> {
    if actors::local_name_taken(conn, name)? || registrations::pending_claims(conn, name)? {
        return Err(DomainError::Conflict(format!(
            "The {field} {name:?} is already taken by an account or a channel"
        )));
    }
    Ok(())
}

/// `base`, or `base_1`, `base_2`, ... : the first free local actor name.
fn available_name(conn: &Connection, base: &str) -> DomainResult<String> {
    let base: String = base.chars().take(45).collect();
    if !actors::local_name_taken(conn, &base)? {
        return Ok(base);
    }
    for i in 1..1000 {
        let candidate = format!("{base}_{i}");
        if !actors::local_name_taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
    Err(DomainError::Conflict(format!(
        "No free channel name near {base:?}"
    )))
}

/// Inserts the user, its account (Person) and its first channel (Group) in the caller's
/// transaction. `password_hash` is already hashed.
pub fn insert_user(
    conn: &Connection,
    req: &NewUserRequest,
    password_hash: &str,
    from_registration: bool,
) -> DomainResult<CreatedUser> {
    // A registration being accepted still holds its own claim on the names.
    if from_registration {
        if actors::local_name_taken(conn, &req.username)? {
            return Err(DomainError::Conflict(format!(
                "The username {:?} is already taken",
                req.username
            )));
        }
    } else {
        ensure_name_free(conn, "username", &req.username)?;
    }
    if let Some(email) = &req.email
        && users::email_taken(conn, email, None)?
    {
        return Err(DomainError::Conflict("This email is already used".into()));
    }
    let channel_name = match &req.channel_name {
        Some(name) => {
            if from_registration {
                if actors::local_name_taken(conn, name)? {
                    return Err(DomainError::Conflict(format!(
                        "The channel name {name:?} is already taken"
                    )));
                }
            } else {
                ensure_name_free(conn, "channel name", name)?;
            }
            name.clone()
        }
        None => available_name(conn, &format!("{}_channel", req.username))?,
    };
    let user_id = users::insert(
        conn,
        &users::NewUser {
            username: &req.username,
            email: req.email.as_deref(),
            password_hash,
            role: req.role,
            video_quota: req.video_quota,
            video_quota_daily: req.video_quota_daily,
            email_verified: false,
        },
    )
    .map_err(conflict_on_unique)?;
    let display_name = req
        .display_name
        .clone()
        .unwrap_or_else(|| req.username.clone());
    let actor_id = actors::insert_actor(conn, "Person", &req.username, &display_name, None)
        .map_err(conflict_on_unique)?;
    let account_id = actors::insert_account(conn, actor_id, Some(user_id))?;
    let channel_display = req
        .channel_display_name
        .clone()
        .unwrap_or_else(|| format!("Main {} channel", req.username));
    let channel_actor = actors::insert_actor(conn, "Group", &channel_name, &channel_display, None)
        .map_err(conflict_on_unique)?;
    let channel_id = actors::insert_channel(conn, channel_actor, account_id, None)?;
    Ok(CreatedUser {
        user_id,
        account_id,
        channel_id,
    })
}

/// A UNIQUE violation means someone else took the name between our check and our insert.
pub fn conflict_on_unique(e: StoreError) -> DomainError {
    if e.is_unique_violation() {
        DomainError::Conflict("This name is already taken".into())
    } else {
        DomainError::Store(e)
    }
}

/// Validates, hashes the password and creates the user with its account and default channel.
pub async fn create(store: &Store, req: NewUserRequest) -> DomainResult<CreatedUser> {
    validate_new(&req)?;
    let password = req.password.clone();
    let hash = blocking(move || auth::hash_password(&password)).await?;
    store
        .write(move |tx| insert_user(tx, &req, &hash, false))
        .await
}

/// Same as `create`, for CLI commands that run without an async runtime.
pub fn create_blocking(store: &Store, req: NewUserRequest) -> DomainResult<CreatedUser> {
    validate_new(&req)?;
    let hash = auth::hash_password(&req.password)?;
    store.write_blocking(|tx| insert_user(tx, &req, &hash, false))
}

pub fn details_in(conn: &Connection, user: UserRow) -> DomainResult<UserDetails> {
    let account = actors::account_by_user(conn, user.id)?
        .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
    let account_images = images::of_actor(conn, account.actor.id)?;
    let channels = actors::channels_of_account(conn, account.id)?
        .into_iter()
        .map(|c| {
            let imgs = images::of_actor(conn, c.actor.id)?;
            Ok((c, imgs))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let abuse_counts =
        crate::store::abuses::counts_for_account(conn, account.id, account.actor.id)?;
    let notification_settings = crate::store::notifications::settings(conn, user.id)?;
    Ok(UserDetails {
        user,
        account,
        account_images,
        channels,
        abuse_counts,
        notification_settings,
    })
}

pub async fn details(store: &Store, user_id: i64) -> DomainResult<UserDetails> {
    store
        .read(move |conn| {
            let user = users::by_id(conn, user_id)?
                .ok_or_else(|| DomainError::NotFound("User not found".into()))?;
            details_in(conn, user)
        })
        .await
}

pub async fn list(store: &Store, filter: UserFilter) -> DomainResult<(i64, Vec<UserDetails>)> {
    store
        .read(move |conn| {
            let (total, rows) = users::list(conn, &filter)?;
            let details = rows
                .into_iter()
                .map(|user| details_in(conn, user))
                .collect::<DomainResult<Vec<_>>>()?;
            Ok((total, details))
        })
        .await
}

/// Profile changes a user makes on their own account (`PUT /users/me`).
#[derive(Debug, Default, Clone)]
pub struct MeChanges {
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub current_password: Option<String>,
    pub prefs: UserChanges,
}

pub async fn update_me(store: &Store, user: &UserRow, mut changes: MeChanges) -> DomainResult<()> {
    if let Some(name) = &changes.display_name {
        names::display_name(name)?;
    }
    if let Some(d) = &changes.description {
        names::text("description", d, 0, 1000)?;
    }
    if let Some(email) = &changes.email {
        names::email(email)?;
    }
    if changes.password.is_some() || changes.email.is_some() {
        // Changing credentials needs the current password, as in PeerTube.
        let current = changes.current_password.clone().ok_or_else(|| {
            DomainError::invalid(
                "currentPassword",
                "currentPassword is required to change the password or email",
            )
        })?;
        let hash = user.password_hash.clone();
        let ok = blocking(move || Ok(auth::verify_password(&current, &hash))).await?;
        if !ok {
            return Err(DomainError::Forbidden("currentPassword is invalid.".into()));
        }
    }
    if let Some(password) = changes.password.take() {
        names::password(&password)?;
        changes.prefs.password_hash = Some(blocking(move || auth::hash_password(&password)).await?);
    }
    changes.prefs.email = changes.email.clone();
    let user_id = user.id;
    store
        .write(move |tx| {
            if let Some(email) = &changes.email
                && users::email_taken(tx, email, Some(user_id))?
            {
                return Err(DomainError::Conflict("This email is already used".into()));
            }
            users::update(tx, user_id, &changes.prefs)?;
            if changes.display_name.is_some() || changes.description.is_some() {
                let account = actors::account_by_user(tx, user_id)?
                    .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
                actors::update_actor(
                    tx,
                    account.actor.id,
                    changes.display_name.as_deref(),
                    changes.description.as_deref().map(Some),
                )?;
                crate::federation::hooks::actor_updated(tx, account.actor.id);
            }
            Ok(())
        })
        .await
}

/// Changes an administrator or moderator makes to another user (`PUT /users/{id}`).
pub async fn update_by_manager(
    store: &Store,
    manager: &UserRow,
    user_id: i64,
    mut changes: UserChanges,
    new_password: Option<String>,
) -> DomainResult<()> {
    let target = load(store, user_id).await?;
    roles::require_can_moderate(manager, target.role)?;
    if let Some(role) = changes.role {
        if role > roles::USER {
            return Err(DomainError::invalid("role", "Role must be 0, 1 or 2"));
        }
        if role != roles::USER {
            roles::require_admin(manager)?;
        }
    }
    if let Some(email) = &changes.email {
        names::email(email)?;
    }
    for quota in [changes.video_quota, changes.video_quota_daily]
        .into_iter()
        .flatten()
    {
        if quota < -1 {
            return Err(DomainError::invalid(
                "videoQuota",
                "Quota must be -1 or a size in bytes",
            ));
        }
    }
    if let Some(password) = new_password {
        names::password(&password)?;
        changes.password_hash = Some(blocking(move || auth::hash_password(&password)).await?);
    }
    store
        .write(move |tx| {
            if let Some(email) = &changes.email
                && users::email_taken(tx, email, Some(user_id))?
            {
                return Err(DomainError::Conflict("This email is already used".into()));
            }
            if changes.role.is_some_and(|r| r != roles::ADMIN)
                && target.role == roles::ADMIN
                && users::count_admins(tx)? <= 1
            {
                return Err(DomainError::Conflict(
                    "The last administrator cannot lose the role".into(),
                ));
            }
            users::update(tx, user_id, &changes)?;
            if changes.password_hash.is_some() {
                tokens::delete_for_user(tx, user_id)?;
            }
            Ok(())
        })
        .await
}

pub async fn load(store: &Store, user_id: i64) -> DomainResult<UserRow> {
    store
        .read(move |conn| users::by_id(conn, user_id))
        .await?
        .ok_or_else(|| DomainError::NotFound("User not found".into()))
}

/// Blocks or unblocks a user; blocking also ends all their sessions.
pub async fn set_blocked(
    store: &Store,
    manager: &UserRow,
    user_id: i64,
    blocked: bool,
    reason: Option<String>,
) -> DomainResult<()> {
    let target = load(store, user_id).await?;
    roles::require_can_moderate(manager, target.role)?;
    if blocked && target.id == manager.id {
        return Err(DomainError::Forbidden("You cannot block yourself".into()));
    }
    if let Some(r) = &reason {
        names::text("reason", r, 0, 250)?;
    }
    store
        .write(move |tx| {
            users::set_blocked(tx, user_id, blocked, reason.as_deref())?;
            if blocked {
                tokens::delete_for_user(tx, user_id)?;
            }
            Ok::<_, DomainError>(())
        })
        .await
}

/// Deletes a user with their account, channels, videos and images; returns the image files
/// and the videos' files to remove once committed. Their comments stay as deleted comments.
pub fn delete_in(
    conn: &Connection,
    user_id: i64,
) -> DomainResult<(Vec<String>, Vec<super::videos::DeletedVideo>)> {
    let account = actors::account_by_user(conn, user_id)?;
    let (mut files, mut videos) = (Vec::new(), Vec::new());
    if let Some(account) = account {
        crate::store::comments::delete_all_of_account(conn, account.id)?;
        for channel in actors::channels_of_account(conn, account.id)? {
            videos.extend(super::videos::delete_all_of_channel(conn, channel.id)?);
        }
        let actor_ids = actors::actor_ids_of_account(conn, account.id)?;
        files = images::filenames_of_actors(conn, &actor_ids)?;
        crate::federation::hooks::actors_deleting(conn, &actor_ids);
        for id in actor_ids {
            actors::delete_actor(conn, id)?;
        }
    }
    users::delete(conn, user_id)?;
    Ok((files, videos))
}

pub async fn delete(
    store: &Store,
    paths: &super::videos::VideoPaths,
    manager: &UserRow,
    user_id: i64,
    images_dir: std::path::PathBuf,
) -> DomainResult<()> {
    let target = load(store, user_id).await?;
    roles::require_can_moderate(manager, target.role)?;
    if target.id == manager.id {
        return Err(DomainError::Forbidden("You cannot delete yourself".into()));
    }
    let (files, videos) = store
        .write(move |tx| {
            if target.role == roles::ADMIN && users::count_admins(tx)? <= 1 {
                return Err(DomainError::Conflict(
                    "The last administrator cannot be deleted".into(),
                ));
            }
            delete_in(tx, user_id)
        })
        .await?;
    super::images::remove_files(&images_dir, &files);
    for video in videos {
        video.remove_files(paths);
    }
    Ok(())
}

/// The actor id of a user's account (for avatar changes), without loading channels and images.
pub async fn account_actor_id(store: &Store, user_id: i64) -> DomainResult<i64> {
    store
        .read(move |conn| actors::account_by_user(conn, user_id))
        .await?
        .map(|a| a.actor.id)
        .ok_or_else(|| DomainError::NotFound("Account not found".into()))
}
