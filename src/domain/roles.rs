//! Roles (0 administrator, 1 moderator, 2 user) and who may act on whom.

use super::{DomainError, DomainResult};
use crate::store::users::UserRow;

pub const ADMIN: u8 = 0;
pub const MODERATOR: u8 = 1;
pub const USER: u8 = 2;

pub fn label(role: u8) -> &'static str {
    match role {
        ADMIN => "Administrator",
        MODERATOR => "Moderator",
        _ => "User",
    }
}

/// Parses `admin|moderator|user` (CLI) or `0|1|2` (API).
pub fn parse(value: &str) -> Option<u8> {
    match value.to_ascii_lowercase().as_str() {
        "admin" | "administrator" | "0" => Some(ADMIN),
        "moderator" | "1" => Some(MODERATOR),
        "user" | "2" => Some(USER),
        _ => None,
    }
}

/// Administrators and moderators manage users.
pub fn require_user_manager(actor: &UserRow) -> DomainResult<()> {
    if actor.role <= MODERATOR {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "You do not have the right to manage users".into(),
        ))
    }
}

pub fn require_admin(actor: &UserRow) -> DomainResult<()> {
    if actor.role == ADMIN {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "This action needs the administrator role".into(),
        ))
    }
}

/// As in PeerTube, a moderator may act only on plain users; an administrator on anyone.
pub fn require_can_moderate(actor: &UserRow, target_role: u8) -> DomainResult<()> {
    require_user_manager(actor)?;
    if actor.role == ADMIN || target_role == USER {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "A moderator can only manage users with the user role".into(),
        ))
    }
}
