//! The report forms of the pages, posted without JavaScript: a video or one of its comments
//! from the watch page (`POST /videos/watch/{id}/report`, `.../comments/{comment}/report`), an
//! account from its page (`POST /a/{handle}/report`) and a channel's owner from the channel's
//! (`POST /c/{handle}/report`). Each takes a reason and optionally one of PeerTube's predefined
//! reasons; the answer is a redirect back to the page with a notice.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::manage::enc;
use super::see_other;
use crate::app::AppState;
use crate::domain::abuses::{self, ReportRequest, VideoTarget};
use crate::domain::{DomainError, accounts, channels};
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::store::users::UserRow;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/watch/{id}/report", web::post().to(report_video))
        .route(
            "/videos/watch/{id}/comments/{comment}/report",
            web::post().to(report_comment),
        )
        .route("/a/{handle}/report", web::post().to(report_account))
        .route("/c/{handle}/report", web::post().to(report_channel));
}

/// What a page says after a report (`?reported=1` or `?report_error=...`).
#[derive(Deserialize, Default)]
pub struct ReportNotice {
    pub reported: Option<String>,
    pub report_error: Option<String>,
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    predefined_reason: Option<String>,
}

impl ReportForm {
    fn request(self) -> ReportRequest {
        ReportRequest {
            reason: self.reason.trim().to_string(),
            predefined_reasons: self
                .predefined_reason
                .filter(|r| !r.is_empty())
                .into_iter()
                .collect(),
            ..Default::default()
        }
    }
}

/// Files the report and goes back to `page` with the outcome; refused reports (bad reason,
/// unknown target, own video, rate limit) are told on the page.
async fn file(
    state: &AppState,
    me: &UserRow,
    req: ReportRequest,
    page: &str,
) -> ApiResult<HttpResponse> {
    let limit = state.settings().abuse_reports_per_hour;
    match abuses::report(&state.store, me, req, limit).await {
        Ok(_) => Ok(see_other(&format!("{page}?reported=1"))),
        Err(e) => refused(page, e),
    }
}

fn refused(page: &str, e: DomainError) -> ApiResult<HttpResponse> {
    match e {
        DomainError::Invalid { .. }
        | DomainError::NotFound(_)
        | DomainError::Forbidden(_)
        | DomainError::RateLimited { .. } => Ok(see_other(&format!(
            "{page}?report_error={}",
            enc(&e.to_string())
        ))),
        e => Err(e.into()),
    }
}

async fn report_video(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    form: web::Form<ReportForm>,
) -> ApiResult<HttpResponse> {
    let watch = format!("/videos/watch/{}", enc(&id));
    let Some(me) = user else {
        return Ok(see_other(&format!("/login?next={watch}")));
    };
    let req = ReportRequest {
        video: Some(VideoTarget {
            reference: id.into_inner(),
            ..Default::default()
        }),
        ..form.into_inner().request()
    };
    file(&state, &me, req, &watch).await
}

async fn report_comment(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<(String, String)>,
    form: web::Form<ReportForm>,
) -> ApiResult<HttpResponse> {
    let (id, comment) = path.into_inner();
    let watch = format!("/videos/watch/{}", enc(&id));
    let Some(me) = user else {
        return Ok(see_other(&format!("/login?next={watch}")));
    };
    let Some(comment) = comment.parse::<i64>().ok().filter(|c| *c > 0) else {
        return refused(
            &watch,
            DomainError::NotFound("Video comment not found".into()),
        );
    };
    let req = ReportRequest {
        comment_id: Some(comment),
        ..form.into_inner().request()
    };
    file(&state, &me, req, &watch).await
}

async fn report_account(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    handle: web::Path<String>,
    form: web::Form<ReportForm>,
) -> ApiResult<HttpResponse> {
    let page = format!("/a/{}", enc(&handle));
    let Some(me) = user else {
        return Ok(see_other(&format!("/login?next={page}")));
    };
    let account = match accounts::by_handle(&state.store, &handle, &state.host()).await {
        Ok((account, _)) => account,
        Err(e) => return refused(&page, e),
    };
    let own = "You cannot report your own account";
    file_account_report(&state, &me, (account.id, account.user_id), own, &page, form).await
}

/// A channel is reported as its owner's account (PeerTube's reports have no channel target).
async fn report_channel(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    handle: web::Path<String>,
    form: web::Form<ReportForm>,
) -> ApiResult<HttpResponse> {
    let page = format!("/c/{}", enc(&handle));
    let Some(me) = user else {
        return Ok(see_other(&format!("/login?next={page}")));
    };
    let owner = match channels::by_handle(&state.store, &handle, &state.host()).await {
        Ok(details) => details.owner,
        Err(e) => return refused(&page, e),
    };
    let own = "You cannot report your own channel";
    file_account_report(&state, &me, (owner.id, owner.user_id), own, &page, form).await
}

/// Files a report of an account (its id and its local user, if any) from `page`, refusing
/// one's own with `own` as the reason.
async fn file_account_report(
    state: &AppState,
    me: &UserRow,
    (account_id, owner): (i64, Option<i64>),
    own: &str,
    page: &str,
    form: web::Form<ReportForm>,
) -> ApiResult<HttpResponse> {
    if owner == Some(me.id) {
        return refused(page, DomainError::Forbidden(own.into()));
    }
    let req = ReportRequest {
        account_id: Some(account_id),
        ..form.into_inner().request()
    };
    file(state, me, req, page).await
}
