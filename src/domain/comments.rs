//! Comments on videos: threads and replies, honouring the video's comments policy (enabled,
//! disabled, or held for the owner's approval), approval of held ones by the video's owner or
//! a moderator, and deletion by the author, the video's owner or a moderator.

use std::collections::HashMap;

use super::videos::{self, VideoDetails};
use super::{DomainError, DomainResult, names, roles};
use crate::store::Store;
use crate::store::actors::{self, AccountRow};
use crate::store::comments::{self, CommentRow};
use crate::store::images::{self, ImageRow};
use crate::store::users::UserRow;

/// A comment with its author (None once the author's account is gone).
#[derive(Debug, Clone)]
pub struct CommentView {
    pub comment: CommentRow,
    /// The commented video's UUID (comment URLs are built from it).
    pub video_uuid: String,
    pub author: Option<(AccountRow, Vec<ImageRow>)>,
}

pub struct ThreadView {
    pub root: CommentView,
    pub replies: Vec<CommentView>,
}

fn viewer_scope(
    conn: &rusqlite::Connection,
    viewer: Option<&UserRow>,
    video: &VideoDetails,
) -> DomainResult<(Option<i64>, bool)> {
    let account = match viewer {
        Some(u) => actors::account_by_user(conn, u.id)?.map(|a| a.id),
        None => None,
    };
    let owner = viewer
        .is_some_and(|u| video.channel.owner.user_id == Some(u.id) || u.role <= roles::MODERATOR);
    Ok((account, owner))
}

fn with_authors(
    conn: &rusqlite::Connection,
    rows: Vec<CommentRow>,
    video_uuid: &str,
) -> DomainResult<Vec<CommentView>> {
    let mut cache: HashMap<i64, Option<(AccountRow, Vec<ImageRow>)>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for comment in rows {
        let author = match comment.account_id {
            Some(id) => match cache.get(&id) {
                Some(known) => known.clone(),
                None => {
                    let found = match actors::account_by_id(conn, id)? {
                        Some(a) => {
                            let imgs = images::of_actor(conn, a.actor.id)?;
                            Some((a, imgs))
                        }
                        None => None,
                    };
                    cache.insert(id, found.clone());
                    found
                }
            },
            None => None,
        };
        out.push(CommentView {
            comment,
            video_uuid: video_uuid.to_string(),
            author,
        });
    }
    Ok(out)
}

pub async fn threads(
    store: &Store,
    viewer: Option<&UserRow>,
    reference: &str,
    newest_first: bool,
    start: i64,
    count: i64,
) -> DomainResult<(i64, i64, Vec<CommentView>)> {
    let video = videos::get(store, reference, viewer).await?;
    let viewer = viewer.cloned();
    store
        .read(move |conn| {
            let (account, owner) = viewer_scope(conn, viewer.as_ref(), &video)?;
            let (total, rows) = comments::threads(
                conn,
                video.video.id,
                account,
                owner,
                newest_first,
                start,
                count,
            )?;
            let not_deleted = comments::count_for_video(conn, video.video.id)?;
            Ok((
                total,
                not_deleted,
                with_authors(conn, rows, &video.video.uuid)?,
            ))
        })
        .await
}

pub async fn thread(
    store: &Store,
    viewer: Option<&UserRow>,
    reference: &str,
    thread_id: i64,
) -> DomainResult<ThreadView> {
    let video = videos::get(store, reference, viewer).await?;
    let viewer = viewer.cloned();
    store
        .read(move |conn| {
            let (account, owner) = viewer_scope(conn, viewer.as_ref(), &video)?;
            let root = comments::get(conn, video.video.id, thread_id)?
                .filter(|c| {
                    c.thread_id.is_none()
                        && (!c.held_for_review || owner || c.account_id == account)
                })
                .ok_or_else(|| DomainError::NotFound("Comment thread not found".into()))?;
            let replies = comments::replies(conn, root.id, account, owner)?;
            let mut views = with_authors(conn, vec![root], &video.video.uuid)?;
            let root = views.remove(0);
            Ok(ThreadView {
                root,
                replies: with_authors(conn, replies, &video.video.uuid)?,
            })
        })
        .await
}

/// Posts a new thread (`parent` None) or a reply; the new comment.
pub async fn post(
    store: &Store,
    user: &UserRow,
    reference: &str,
    parent: Option<i64>,
    text: String,
) -> DomainResult<CommentView> {
    names::text("text", &text, 1, 10_000)?;
    if text.trim().is_empty() {
        return Err(DomainError::invalid("text", "text must not be blank"));
    }
    let video = videos::get(store, reference, Some(user)).await?;
    let is_owner = video.channel.owner.user_id == Some(user.id);
    let held = match video.video.comments_policy {
        2 => {
            return Err(DomainError::Conflict(
                "Comments are disabled on this video".into(),
            ));
        }
        3 => !is_owner,
        _ => false,
    };
    let user_id = user.id;
    store
        .write(move |tx| {
            let account = actors::account_by_user(tx, user_id)?
                .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
            let parent_row = match parent {
                Some(id) => Some(
                    comments::get(tx, video.video.id, id)?
                        .filter(|c| c.deleted_at.is_none())
                        .ok_or_else(|| {
                            DomainError::NotFound("The comment you reply to does not exist".into())
                        })?,
                ),
                None => None,
            };
            let id = comments::insert(
                tx,
                video.video.id,
                account.id,
                parent_row.as_ref(),
                &text,
                held,
            )?;
            crate::federation::hooks::comment_changed(tx, video.video.id, id);
            let row = comments::get(tx, video.video.id, id)?
                .ok_or_else(|| DomainError::NotFound("Comment not found".into()))?;
            Ok(with_authors(tx, vec![row], &video.video.uuid)?.remove(0))
        })
        .await
}

/// Releases a comment held for approval, as the video's owner or a moderator (PeerTube's
/// `POST /videos/{id}/comments/{commentId}/approve`).
pub async fn approve(
    store: &Store,
    user: &UserRow,
    reference: &str,
    comment_id: i64,
) -> DomainResult<()> {
    let video = videos::get(store, reference, Some(user)).await?;
    if video.channel.owner.user_id != Some(user.id) && user.role > roles::MODERATOR {
        return Err(DomainError::Forbidden(
            "You cannot approve this comment".into(),
        ));
    }
    store
        .write(move |tx| {
            let comment = comments::get(tx, video.video.id, comment_id)?
                .ok_or_else(|| DomainError::NotFound("Comment not found".into()))?;
            if comment.deleted_at.is_some() {
                return Err(DomainError::Conflict("This comment is deleted".into()));
            }
            if !comment.held_for_review {
                return Err(DomainError::invalid(
                    "commentId",
                    "This comment is not held for review",
                ));
            }
            comments::approve(tx, comment_id, None)?;
            crate::federation::hooks::comment_approved(tx, video.video.id, comment_id);
            Ok(())
        })
        .await
}

pub async fn delete(
    store: &Store,
    user: &UserRow,
    reference: &str,
    comment_id: i64,
) -> DomainResult<()> {
    let video = videos::get(store, reference, Some(user)).await?;
    let user = user.clone();
    store
        .write(move |tx| {
            let comment = comments::get(tx, video.video.id, comment_id)?
                .filter(|c| c.deleted_at.is_none())
                .ok_or_else(|| DomainError::NotFound("Comment not found".into()))?;
            let author = actors::account_by_user(tx, user.id)?.map(|a| a.id);
            let allowed = comment.account_id.is_some() && comment.account_id == author
                || video.channel.owner.user_id == Some(user.id)
                || user.role <= roles::MODERATOR;
            if !allowed {
                return Err(DomainError::Forbidden(
                    "You cannot delete this comment".into(),
                ));
            }
            comments::delete(tx, comment_id)?;
            crate::federation::hooks::comment_changed(tx, video.video.id, comment_id);
            Ok(())
        })
        .await
}
