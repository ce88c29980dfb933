//! Reports of videos, comments and accounts (PeerTube's abuses): a signed-in user reports,
//! moderators and administrators list, judge (pending, rejected, accepted) and delete them, a
//! reporter lists their own. A report of something hosted elsewhere is also sent there as a
//! Flag (`federation::flag`).

use rusqlite::Connection;

use super::abuse_reasons;
use super::videos::{self, VideoDetails};
use super::{DomainError, DomainResult, roles};
use crate::store::Store;
use crate::store::abuses::{self, AbuseFilter, AbuseRow, NewAbuse};
use crate::store::actors::{self, AccountRow};
use crate::store::comments::{self, CommentRow};
use crate::store::images::{self, ImageRow};
use crate::store::users::UserRow;
use crate::store::{fed_actors, remote};

/// PeerTube's bounds for a reason and a moderation comment.
const TEXT_MIN: usize = 2;
const TEXT_MAX: usize = 3000;

/// A video report's target: the video by id, UUID or shortUUID, and a time range in seconds.
#[derive(Debug, Clone, Default)]
pub struct VideoTarget {
    pub reference: String,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
}

/// `POST /abuses`: the first of video, comment, account present is the target.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    pub reason: String,
    pub predefined_reasons: Vec<String>,
    pub video: Option<VideoTarget>,
    pub comment_id: Option<i64>,
    pub account_id: Option<i64>,
}

/// An account with its images, as the JSON shapes need them.
pub type AccountView = (AccountRow, Vec<ImageRow>);

/// A reported comment with the video it is on.
#[derive(Debug, Clone)]
pub struct CommentTarget {
    pub comment: CommentRow,
    pub video_uuid: String,
    pub video_name: String,
}

/// A report with what it points at, for the lists.
#[derive(Debug, Clone)]
pub struct AbuseView {
    pub abuse: AbuseRow,
    pub reporter: Option<AccountView>,
    pub flagged: Option<AccountView>,
    /// The reported video while it exists (else `abuse.video_snapshot` names it).
    pub video: Option<VideoDetails>,
    pub comment: Option<CommentTarget>,
}

pub fn text_in_bounds(field: &'static str, text: &str) -> DomainResult<()> {
    let n = text.chars().count();
    if !(TEXT_MIN..=TEXT_MAX).contains(&n) || text.trim().is_empty() {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be between {TEXT_MIN} and {TEXT_MAX} characters"),
        ));
    }
    Ok(())
}

/// Moderators and administrators manage reports.
pub fn require_abuse_manager(user: &UserRow) -> DomainResult<()> {
    if user.role <= roles::MODERATOR {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "User {} does not have the right to manage abuses",
            user.username
        )))
    }
}

fn check_request(req: &ReportRequest) -> DomainResult<i64> {
    text_in_bounds("reason", &req.reason)?;
    let bits = abuse_reasons::bits(req.predefined_reasons.iter().map(String::as_str)).ok_or_else(
        || DomainError::invalid("predefinedReasons", "unknown predefined abuse reason"),
    )?;
    if let Some(v) = &req.video {
        for (field, value) in [("video.startAt", v.start_at), ("video.endAt", v.end_at)] {
            if value.is_some_and(|s| s < 0) {
                return Err(DomainError::invalid(field, "must be 0 or more seconds"));
            }
        }
        if let Some(end) = v.end_at
            && v.start_at.is_none_or(|start| end <= start)
        {
            return Err(DomainError::invalid(
                "video.endAt",
                "Should have a startAt timestamp beginning before endAt",
            ));
        }
    }
    Ok(bits)
}

/// The video, if the reporter may see it; one not found answer for all the rest, so reports
/// do not reveal private videos.
async fn visible_video(
    store: &Store,
    reporter: &UserRow,
    reference: &str,
) -> DomainResult<VideoDetails> {
    match videos::get(store, reference, Some(reporter)).await {
        Ok(d) => Ok(d),
        Err(
            DomainError::NotFound(_) | DomainError::Forbidden(_) | DomainError::InvalidToken(_),
        ) => Err(DomainError::NotFound("Video not found".into())),
        Err(e) => Err(e),
    }
}

/// Files a report; its id. Checks in PeerTube's order: the fields (400), the targets (404), that
/// there is one (400), that the reporter does not own the video (403), the rate limit (429).
pub async fn report(
    store: &Store,
    reporter: &UserRow,
    req: ReportRequest,
    max_per_hour: u32,
) -> DomainResult<i64> {
    let bits = check_request(&req)?;
    let video = match &req.video {
        Some(v) => Some(visible_video(store, reporter, &v.reference).await?),
        None => None,
    };
    if let Some(id) = req.account_id {
        store
            .read(move |c| actors::account_by_id(c, id))
            .await?
            .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
    }
    if let Some(id) = req.comment_id {
        let parts = store.read(move |c| remote::comment_parts(c, id)).await?;
        let not_found = || DomainError::NotFound("Video comment not found".into());
        let (video_id, ..) = parts.ok_or_else(not_found)?;
        visible_video(store, reporter, &video_id.to_string())
            .await
            .map_err(|_| not_found())?;
    }
    let mut new = NewAbuse {
        reason: req.reason.clone(),
        predefined_reasons: bits,
        ..Default::default()
    };
    match (&video, &req.video, req.comment_id, req.account_id) {
        (Some(d), Some(v), _, _) => {
            if d.channel.owner.user_id == Some(reporter.id) {
                return Err(DomainError::Forbidden(
                    "You cannot report a video you own".into(),
                ));
            }
            new.kind = "video";
            new.video_id = Some(d.video.id);
            new.start_at = v.start_at;
            new.end_at = v.end_at;
        }
        (_, _, Some(comment), _) => {
            new.kind = "comment";
            new.comment_id = Some(comment);
        }
        (_, _, _, Some(account)) => {
            new.kind = "account";
            new.flagged_account_id = Some(account);
        }
        _ => {
            return Err(DomainError::invalid(
                "video",
                "video id or account id or comment id is required.",
            ));
        }
    }
    let user_id = reporter.id;
    store
        .write(move |tx| {
            let account = actors::account_by_user(tx, user_id)?
                .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
            new.reporter_id = account.actor.id;
            let hour_ago =
                crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
            if abuses::count_by_reporter_since(tx, new.reporter_id, &hour_ago)?
                >= i64::from(max_per_hour)
            {
                return Err(DomainError::RateLimited {
                    retry_after_secs: 3600,
                });
            }
            let id = abuses::insert(tx, &new)?;
            crate::federation::hooks::abuse_reported(tx, id);
            Ok(id)
        })
        .await
}

pub fn account_view(conn: &Connection, account_id: i64) -> DomainResult<Option<AccountView>> {
    let Some(account) = actors::account_by_id(conn, account_id)? else {
        return Ok(None);
    };
    let imgs = images::of_actor(conn, account.actor.id)?;
    Ok(Some((account, imgs)))
}

fn view_in(conn: &Connection, abuse: AbuseRow) -> DomainResult<AbuseView> {
    let reporter = match abuse.reporter_id {
        Some(actor) => match fed_actors::account_id_of_actor(conn, actor)? {
            Some(account) => account_view(conn, account)?,
            None => None,
        },
        None => None,
    };
    let flagged = match abuse.flagged_account_id {
        Some(id) => account_view(conn, id)?,
        None => None,
    };
    let video = match abuse.video_id {
        Some(id) => videos::details_by_id(conn, id)?,
        None => None,
    };
    let comment = match abuse.comment_id {
        Some(id) => match remote::comment_parts(conn, id)? {
            Some((video_id, ..)) => {
                let row = comments::get(conn, video_id, id)?;
                let video = crate::store::videos::by_id(conn, video_id)?;
                row.zip(video).map(|(comment, v)| CommentTarget {
                    comment,
                    video_uuid: v.uuid,
                    video_name: v.name,
                })
            }
            None => None,
        },
        None => None,
    };
    Ok(AbuseView {
        abuse,
        reporter,
        flagged,
        video,
        comment,
    })
}

async fn list_in(store: &Store, filter: AbuseFilter) -> DomainResult<(i64, Vec<AbuseView>)> {
    store
        .read(move |conn| {
            let (total, rows) = abuses::list(conn, &filter)?;
            let views = rows
                .into_iter()
                .map(|r| view_in(conn, r))
                .collect::<DomainResult<Vec<_>>>()?;
            Ok((total, views))
        })
        .await
}

/// Every report (moderators and administrators).
pub async fn list(
    store: &Store,
    user: &UserRow,
    filter: AbuseFilter,
) -> DomainResult<(i64, Vec<AbuseView>)> {
    require_abuse_manager(user)?;
    list_in(store, filter).await
}

/// The reports `user` made.
pub async fn list_mine(
    store: &Store,
    user: &UserRow,
    mut filter: AbuseFilter,
) -> DomainResult<(i64, Vec<AbuseView>)> {
    let user_id = user.id;
    let account = store
        .read(move |c| actors::account_by_user(c, user_id))
        .await?
        .ok_or_else(|| DomainError::NotFound("Account not found".into()))?;
    filter.reporter_id = Some(account.actor.id);
    list_in(store, filter).await
}

/// Changes the state (1 pending, 2 rejected, 3 accepted) and/or the moderators' note.
pub async fn update(
    store: &Store,
    user: &UserRow,
    id: i64,
    state: Option<i64>,
    moderation_comment: Option<String>,
) -> DomainResult<()> {
    require_abuse_manager(user)?;
    if state.is_some_and(|s| !(abuse_reasons::PENDING..=abuse_reasons::ACCEPTED).contains(&s)) {
        return Err(DomainError::invalid(
            "state",
            "state must be 1 (pending), 2 (rejected) or 3 (accepted)",
        ));
    }
    if let Some(c) = &moderation_comment {
        text_in_bounds("moderationComment", c)?;
    }
    let found = store
        .write(move |tx| abuses::update(tx, id, state, moderation_comment.as_deref()))
        .await?;
    if !found {
        return Err(DomainError::NotFound("Abuse not found".into()));
    }
    Ok(())
}

/// Deletes our copy of a report (as on PeerTube, nothing is sent to other servers).
pub async fn delete(store: &Store, user: &UserRow, id: i64) -> DomainResult<()> {
    require_abuse_manager(user)?;
    if !store.write(move |tx| abuses::delete(tx, id)).await? {
        return Err(DomainError::NotFound("Abuse not found".into()));
    }
    Ok(())
}
