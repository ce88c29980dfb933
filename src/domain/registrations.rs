//! Sign-up: open registration creates the user at once; approval mode queues a request that a
//! moderator accepts (creating the user) or rejects; closed mode refuses.

use super::users::{self, CreatedUser, NewUserRequest};
use super::{DomainError, DomainResult, auth, blocking, names, roles};
use crate::config::RegistrationMode;
use crate::store::registrations::{self, NewRegistration, RegistrationRow};
use crate::store::users::UserRow;
use crate::store::{Store, users as user_rows};

pub const PENDING: u8 = 1;
pub const REJECTED: u8 = 2;
pub const ACCEPTED: u8 = 3;

pub fn state_label(state: u8) -> &'static str {
    match state {
        PENDING => "Pending",
        REJECTED => "Rejected",
        _ => "Accepted",
    }
}

#[derive(Debug, Clone)]
pub struct SignUp {
    pub username: String,
    pub password: String,
    pub email: String,
    pub display_name: Option<String>,
    pub channel_name: Option<String>,
    pub channel_display_name: Option<String>,
    pub reason: Option<String>,
}

pub enum SignUpOutcome {
    Created(CreatedUser),
    Queued(Box<RegistrationRow>),
}

/// Defaults for a user who signs up, from the instance configuration.
pub struct SignUpPolicy {
    pub mode: RegistrationMode,
    pub video_quota: i64,
    pub video_quota_daily: i64,
}

fn as_new_user(s: &SignUp, policy: &SignUpPolicy) -> NewUserRequest {
    NewUserRequest {
        username: s.username.clone(),
        email: Some(s.email.clone()),
        password: s.password.clone(),
        role: roles::USER,
        video_quota: policy.video_quota,
        video_quota_daily: policy.video_quota_daily,
        display_name: s.display_name.clone(),
        channel_name: s.channel_name.clone(),
        channel_display_name: s.channel_display_name.clone(),
    }
}

/// `POST /users/register` and `/users/registrations/request`: what the registration mode allows.
pub async fn sign_up(
    store: &Store,
    policy: SignUpPolicy,
    s: SignUp,
    reason_required: bool,
) -> DomainResult<SignUpOutcome> {
    match policy.mode {
        RegistrationMode::Closed => Err(DomainError::Forbidden(
            "User registration is not enabled on this instance.".into(),
        )),
        RegistrationMode::Open if !reason_required => {
            let created = users::create(store, as_new_user(&s, &policy)).await?;
            let account = created.account_id;
            store
                .write(move |tx| {
                    crate::store::notify::user_registered(tx, account);
                    Ok::<_, DomainError>(())
                })
                .await?;
            Ok(SignUpOutcome::Created(created))
        }
        RegistrationMode::Open => Err(DomainError::Forbidden(
            "Registration does not need approval here: use /api/v1/users/register".into(),
        )),
        RegistrationMode::Approval => {
            let new_user = as_new_user(&s, &policy);
            users::validate_new(&new_user)?;
            names::email(&s.email)?;
            let reason = s.reason.clone().unwrap_or_default();
            if reason_required {
                names::text("registrationReason", &reason, 2, 3000)?;
            } else {
                names::text("registrationReason", &reason, 0, 3000)?;
            }
            let password = s.password.clone();
            let hash = blocking(move || auth::hash_password(&password)).await?;
            let row = store
                .write(move |tx| {
                    users::ensure_name_free(tx, "username", &s.username)?;
                    if let Some(ch) = &s.channel_name {
                        users::ensure_name_free(tx, "channel name", ch)?;
                    }
                    if user_rows::email_taken(tx, &s.email, None)?
                        || registrations::pending_claims(tx, &s.email)?
                    {
                        return Err(DomainError::Conflict("This email is already used".into()));
                    }
                    let id = registrations::insert(
                        tx,
                        &NewRegistration {
                            username: &s.username,
                            email: &s.email,
                            password_hash: &hash,
                            display_name: s.display_name.as_deref(),
                            channel_name: s.channel_name.as_deref(),
                            channel_display_name: s.channel_display_name.as_deref(),
                            reason: &reason,
                        },
                    )
                    .map_err(users::conflict_on_unique)?;
                    registrations::by_id(tx, id)?
                        .ok_or_else(|| DomainError::NotFound("Registration not found".into()))
                })
                .await?;
            Ok(SignUpOutcome::Queued(Box::new(row)))
        }
    }
}

pub async fn list(
    store: &Store,
    manager: &UserRow,
    start: i64,
    count: i64,
    newest_first: bool,
) -> DomainResult<(i64, Vec<RegistrationRow>)> {
    roles::require_user_manager(manager)?;
    Ok(store
        .read(move |conn| registrations::list(conn, start, count, newest_first))
        .await?)
}

/// Accepts a pending request: the user is created with the password chosen at sign-up.
pub async fn accept(
    store: &Store,
    manager: &UserRow,
    id: i64,
    response: String,
    policy: SignUpPolicy,
) -> DomainResult<CreatedUser> {
    roles::require_user_manager(manager)?;
    names::text("moderationResponse", &response, 0, 3000)?;
    store
        .write(move |tx| {
            let reg = pending(tx, id)?;
            let req = NewUserRequest {
                username: reg.username.clone(),
                email: Some(reg.email.clone()),
                password: String::new(),
                role: roles::USER,
                video_quota: policy.video_quota,
                video_quota_daily: policy.video_quota_daily,
                display_name: reg.display_name.clone(),
                channel_name: reg.channel_name.clone(),
                channel_display_name: reg.channel_display_name.clone(),
            };
            let created = users::insert_user(tx, &req, &reg.password_hash, true)?;
            user_rows::update(
                tx,
                created.user_id,
                &user_rows::UserChanges {
                    email_verified: Some(true),
                    ..Default::default()
                },
            )?;
            registrations::set_state(tx, id, ACCEPTED, &response, Some(created.user_id))?;
            Ok(created)
        })
        .await
}

pub async fn reject(
    store: &Store,
    manager: &UserRow,
    id: i64,
    response: String,
) -> DomainResult<()> {
    roles::require_user_manager(manager)?;
    names::text("moderationResponse", &response, 0, 3000)?;
    store
        .write(move |tx| {
            pending(tx, id)?;
            registrations::set_state(tx, id, REJECTED, &response, None)?;
            Ok(())
        })
        .await
}

pub async fn delete(store: &Store, manager: &UserRow, id: i64) -> DomainResult<()> {
    roles::require_user_manager(manager)?;
    let removed = store
        .write(move |tx| Ok::<_, DomainError>(registrations::delete(tx, id)?))
        .await?;
    if removed == 0 {
        return Err(DomainError::NotFound("Registration not found".into()));
    }
    Ok(())
}

fn pending(conn: &rusqlite::Connection, id: i64) -> DomainResult<RegistrationRow> {
    let reg = registrations::by_id(conn, id)?
        .ok_or_else(|| DomainError::NotFound("Registration not found".into()))?;
    if reg.state != PENDING {
        return Err(DomainError::Conflict(
            "This registration was already processed".into(),
        ));
    }
    Ok(reg)
}
