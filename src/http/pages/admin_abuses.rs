//! The moderators' reports page (`/admin/abuses`): every report, newest first, filtered by
//! state, with accept, reject, reopen and delete as plain forms (no JavaScript needed).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::manager;
use super::{discover, render, see_other};
use crate::app::AppState;
use crate::domain::{DomainError, abuses};
use crate::http::api::abuse_json;
use crate::http::api::users::urls;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::store::abuses::AbuseFilter;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/abuses", web::get().to(page))
        .route("/admin/abuses/{id:\\d+}/state", web::post().to(set_state))
        .route("/admin/abuses/{id:\\d+}/delete", web::post().to(delete));
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<i64>,
    state: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
}

async fn page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/abuses", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let per_page = 30;
    let filter = AbuseFilter {
        state: q.state.filter(|s| (1..=3).contains(s)),
        start: (page - 1) * per_page,
        count: per_page,
        ..Default::default()
    };
    let (total, views) = abuses::list(&state.store, &me, filter).await?;
    let u = urls(&state);
    let rows: Vec<Value> = views
        .iter()
        .map(|v| abuse_json::abuse(&u, v, true))
        .collect();
    let params = [("state", q.state.map(|s| s.to_string()).unwrap_or_default())];
    Ok(render(
        &state,
        StatusCode::OK,
        "admin_abuses.html",
        Some(&me),
        json!({ "abuses": rows, "total": total, "state": q.state, "notice": q.notice,
                "error": q.error,
                "pager": discover::pager("/admin/abuses", &params, page, total, per_page) }),
    ))
}

/// Back to the list with a notice key or the error text, so a reload does not post again.
fn back(result: Result<(), DomainError>, notice: &str) -> ApiResult<HttpResponse> {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/abuses?notice={notice}"))),
        Err(e @ (DomainError::Invalid { .. } | DomainError::NotFound(_))) => Ok(see_other(
            &format!("/admin/abuses?error={}", enc(&e.to_string())),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct StateForm {
    state: i64,
    moderation_comment: Option<String>,
}

async fn set_state(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
    form: web::Form<StateForm>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/abuses", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let form = form.into_inner();
    let comment = form
        .moderation_comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let result = abuses::update(&state.store, &me, *id, Some(form.state), comment).await;
    back(result, "updated")
}

async fn delete(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/abuses", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let result = abuses::delete(&state.store, &me, *id).await;
    back(result, "deleted_notice")
}
