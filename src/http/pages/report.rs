//! The watch page's report form (`POST /videos/watch/{id}/report`): a signed-in viewer reports
//! the video with a reason and optionally one of PeerTube's predefined reasons, without
//! JavaScript; the answer is a redirect back to the video with a notice.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::see_other;
use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::abuses::{self, ReportRequest, VideoTarget};
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/watch/{id}/report", web::post().to(report));
}

/// What the watch page says after a report (`?reported=1` or `?report_error=...`).
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

async fn report(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    form: web::Form<ReportForm>,
) -> ApiResult<HttpResponse> {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let watch = format!("/videos/watch/{}", enc(&id));
    let Some(me) = user else {
        return Ok(see_other(&format!("/login?next={watch}")));
    };
    let form = form.into_inner();
    let req = ReportRequest {
        reason: form.reason.trim().to_string(),
        predefined_reasons: form
            .predefined_reason
            .filter(|r| !r.is_empty())
            .into_iter()
            .collect(),
        video: Some(VideoTarget {
            reference: id.into_inner(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let limit = state.settings().abuse_reports_per_hour;
    match abuses::report(&state.store, &me, req, limit).await {
        Ok(_) => Ok(see_other(&format!("{watch}?reported=1"))),
        Err(
            e @ (DomainError::Invalid { .. }
            | DomainError::NotFound(_)
            | DomainError::Forbidden(_)
            | DomainError::RateLimited { .. }),
        ) => Ok(see_other(&format!(
            "{watch}?report_error={}",
            enc(&e.to_string())
        ))),
        Err(e) => Err(e.into()),
    }
}
