//! The conversation on one report between its (local) reporter and the moderators, as on
//! PeerTube: either side may read and write; a message is deleted by its author or a moderator.

use super::abuses::{AccountView, account_view, require_abuse_manager, text_in_bounds};
use super::{DomainError, DomainResult, roles};
use crate::store::Store;
use crate::store::abuse_messages::{self as messages, MessageRow};
use crate::store::abuses::{self, AbuseRow};
use crate::store::actors;
use crate::store::users::UserRow;

/// A message with its author (None once the account is gone).
#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: MessageRow,
    pub account: Option<AccountView>,
}

/// The report and the user's account id, once `user` may take part: a moderator, or the
/// reporter. Reports from other servers have no conversation here (400, as on PeerTube).
fn conversation(
    conn: &rusqlite::Connection,
    user: &UserRow,
    abuse_id: i64,
) -> DomainResult<(AbuseRow, i64)> {
    let abuse = abuses::get(conn, abuse_id)?
        .ok_or_else(|| DomainError::NotFound("Abuse not found".into()))?;
    let account = actors::account_by_user(conn, user.id)?
        .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
    let is_reporter = abuse.reporter_id == Some(account.actor.id);
    if !is_reporter && require_abuse_manager(user).is_err() {
        return Err(DomainError::Forbidden(format!(
            "User {} does not have right to get abuse {abuse_id}",
            user.username
        )));
    }
    let reporter_is_local = match abuse.reporter_id {
        Some(actor) => {
            crate::store::fed_actors::by_id(conn, actor)?.is_some_and(|a| a.host.is_none())
        }
        None => false,
    };
    if !reporter_is_local {
        return Err(DomainError::invalid(
            "id",
            "This abuse was not created by a user of your instance.",
        ));
    }
    Ok((abuse, account.id))
}

pub async fn list(store: &Store, user: &UserRow, abuse_id: i64) -> DomainResult<Vec<MessageView>> {
    let user = user.clone();
    store
        .read(move |conn| {
            conversation(conn, &user, abuse_id)?;
            messages::list(conn, abuse_id)?
                .into_iter()
                .map(|m| {
                    let account = match m.account_id {
                        Some(id) => account_view(conn, id)?,
                        None => None,
                    };
                    Ok(MessageView {
                        message: m,
                        account,
                    })
                })
                .collect()
        })
        .await
}

/// Adds a message; its id. It is the moderators' when its author is not the reporter.
pub async fn add(store: &Store, user: &UserRow, abuse_id: i64, text: String) -> DomainResult<i64> {
    let user = user.clone();
    store
        .write(move |tx| {
            let (abuse, account_id) = conversation(tx, &user, abuse_id)?;
            text_in_bounds("message", &text)?;
            let reporter_account = match abuse.reporter_id {
                Some(actor) => crate::store::fed_actors::account_id_of_actor(tx, actor)?,
                None => None,
            };
            let by_moderator = reporter_account != Some(account_id);
            Ok(messages::insert(
                tx,
                abuse_id,
                account_id,
                &text,
                by_moderator,
            )?)
        })
        .await
}

pub async fn delete(
    store: &Store,
    user: &UserRow,
    abuse_id: i64,
    message_id: i64,
) -> DomainResult<()> {
    let user = user.clone();
    store
        .write(move |tx| {
            let (_, account_id) = conversation(tx, &user, abuse_id)?;
            let message = messages::get(tx, abuse_id, message_id)?
                .ok_or_else(|| DomainError::NotFound("Abuse message not found".into()))?;
            if user.role > roles::MODERATOR && message.account_id != Some(account_id) {
                return Err(DomainError::Forbidden(
                    "Cannot delete this abuse message".into(),
                ));
            }
            messages::delete(tx, message_id)?;
            Ok(())
        })
        .await
}
