//! Watch history: the position a signed-in user reached in a video (kept only while their
//! `videosHistoryEnabled` setting is on), listed, removed one by one or cleared.

use super::videos::{self, VideoDetails};
use super::{DomainError, DomainResult};
use crate::store::users::UserRow;
use crate::store::{Store, history};

/// Records `position` seconds into `video_id` for `user`, unless they paused their history.
pub async fn record(
    store: &Store,
    user: &UserRow,
    video_id: i64,
    position: i64,
) -> DomainResult<()> {
    if !user.videos_history_enabled || position < 0 {
        return Ok(());
    }
    let user_id = user.id;
    store
        .write(move |tx| Ok::<_, DomainError>(history::record(tx, user_id, video_id, position)?))
        .await
}

pub async fn position(store: &Store, user: &UserRow, video_id: i64) -> DomainResult<Option<i64>> {
    let user_id = user.id;
    store
        .read(move |conn| Ok::<_, DomainError>(history::position(conn, user_id, video_id)?))
        .await
}

/// A page of watched videos, most recent first, each with the position reached. Videos the user
/// may no longer see are left out of the page.
pub async fn list(
    store: &Store,
    user: &UserRow,
    start: i64,
    count: i64,
) -> DomainResult<(i64, Vec<(VideoDetails, i64)>)> {
    let user_id = user.id;
    let (total, rows) = store
        .read(move |conn| Ok::<_, DomainError>(history::list(conn, user_id, start, count)?))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (video_id, position) in rows {
        match videos::get(store, &video_id.to_string(), Some(user)).await {
            Ok(d) => out.push((d, position)),
            Err(DomainError::NotFound(_) | DomainError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((total, out))
}

pub async fn remove(store: &Store, user: &UserRow, video_id: i64) -> DomainResult<()> {
    let user_id = user.id;
    store
        .write(move |tx| Ok::<_, DomainError>(history::remove(tx, user_id, video_id)?))
        .await
}

pub async fn clear(store: &Store, user: &UserRow, before: Option<String>) -> DomainResult<()> {
    let user_id = user.id;
    store
        .write(move |tx| {
            Ok::<_, DomainError>(history::clear(tx, user_id, before.as_deref()).map(|_| ())?)
        })
        .await
}
