//! Reports in PeerTube's shapes: `POST|GET /abuses`, `PUT|DELETE /abuses/{id}`,
//! `GET|POST /abuses/{id}/messages`, `DELETE /abuses/{id}/messages/{messageId}` and
//! `GET /users/me/abuses`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::abuse_json;
use super::json;
use super::users::urls;
use crate::app::AppState;
use crate::domain::abuses::{self, ReportRequest, VideoTarget};
use crate::domain::{abuse_messages, abuse_reasons};
use crate::http::body::{Body, whole_number};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, Paging};
use crate::store::abuses::{AbuseFilter, AbuseSort};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/abuses", web::get().to(list))
        .route("/abuses", web::post().to(report))
        .route("/abuses/{id}", web::put().to(update))
        .route("/abuses/{id}", web::delete().to(delete))
        .route("/abuses/{id}/messages", web::get().to(messages))
        .route("/abuses/{id}/messages", web::post().to(add_message))
        .route(
            "/abuses/{id}/messages/{message}",
            web::delete().to(delete_message),
        )
        .route("/users/me/abuses", web::get().to(list_mine));
}

/// A JSON id sent as a number or a string of digits.
fn int(field: &str, v: &Value) -> Result<i64, ApiError> {
    whole_number(v)
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::invalid_field(field, "must be a whole number"))
}

fn optional_int(field: &str, v: &Option<Value>) -> Result<Option<i64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int(field, v).map(Some),
    }
}

fn path_id(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .ok()
        .filter(|n: &i64| *n > 0)
        .ok_or_else(|| ApiError::invalid_field(field, "must be a positive whole number"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VideoBody {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    start_at: Option<Value>,
    #[serde(default)]
    end_at: Option<Value>,
}

#[derive(Deserialize)]
struct IdBody {
    #[serde(default)]
    id: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    predefined_reasons: Option<Vec<String>>,
    #[serde(default)]
    video: Option<VideoBody>,
    #[serde(default)]
    comment: Option<IdBody>,
    #[serde(default)]
    account: Option<IdBody>,
}

fn video_target(v: &VideoBody) -> Result<Option<VideoTarget>, ApiError> {
    let reference = match &v.id {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "video.id",
                "must be an id or a UUID",
            ));
        }
    };
    Ok(Some(VideoTarget {
        reference,
        start_at: optional_int("video.startAt", &v.start_at)?,
        end_at: optional_int("video.endAt", &v.end_at)?,
    }))
}

fn target_id(field: &str, b: &Option<IdBody>) -> Result<Option<i64>, ApiError> {
    match b {
        Some(IdBody { id: Some(v) }) if !v.is_null() => int(field, v).map(Some),
        _ => Ok(None),
    }
}

async fn report(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(b): Body<ReportBody>,
) -> ApiResult<HttpResponse> {
    let req = ReportRequest {
        reason: b.reason,
        predefined_reasons: b.predefined_reasons.unwrap_or_default(),
        video: match &b.video {
            Some(v) => video_target(v)?,
            None => None,
        },
        comment_id: target_id("comment.id", &b.comment)?,
        account_id: target_id("account.id", &b.account)?,
    };
    let limit = state.settings().abuse_reports_per_hour;
    let id = abuses::report(&state.store, &me, req, limit).await?;
    Ok(HttpResponse::Ok().json(json!({ "abuse": { "id": id } })))
}

/// The list filters of `GET /abuses` (a reporter's own list reads `id`, `state`, `search`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    start: Option<i64>,
    count: Option<i64>,
    sort: Option<String>,
    id: Option<i64>,
    state: Option<i64>,
    filter: Option<String>,
    predefined_reason: Option<String>,
    search: Option<String>,
    search_reporter: Option<String>,
    search_reportee: Option<String>,
    search_video: Option<String>,
    search_video_channel: Option<String>,
    video_is: Option<String>,
}

fn filter_of(q: ListQuery) -> Result<AbuseFilter, ApiError> {
    let paging = Paging {
        start: q.start,
        count: q.count,
        sort: q.sort.clone(),
    };
    let sort = AbuseSort::parse(&paging.sort("-id")).ok_or_else(|| {
        ApiError::invalid_field(
            "sort",
            "sort must be id, createdAt or state, optionally with -",
        )
    })?;
    if q.state.is_some_and(|s| !(1..=3).contains(&s)) {
        return Err(ApiError::invalid_field("state", "state must be 1, 2 or 3"));
    }
    if q.filter
        .as_deref()
        .is_some_and(|f| !matches!(f, "video" | "comment" | "account"))
    {
        return Err(ApiError::invalid_field(
            "filter",
            "filter must be video, comment or account",
        ));
    }
    if q.video_is
        .as_deref()
        .is_some_and(|v| !matches!(v, "deleted" | "blacklisted"))
    {
        return Err(ApiError::invalid_field(
            "videoIs",
            "videoIs must be deleted or blacklisted",
        ));
    }
    let predefined_reason = match q.predefined_reason.as_deref() {
        None | Some("") => None,
        Some(r) => Some(abuse_reasons::number(r).ok_or_else(|| {
            ApiError::invalid_field("predefinedReason", "unknown predefined abuse reason")
        })?),
    };
    Ok(AbuseFilter {
        id: q.id,
        reporter_id: None,
        kind: q.filter,
        state: q.state,
        predefined_reason,
        video_is: q.video_is,
        search: q.search,
        search_reporter: q.search_reporter,
        search_reportee: q.search_reportee,
        search_video: q.search_video,
        search_video_channel: q.search_video_channel,
        sort,
        start: paging.start()?,
        count: paging.count()?,
    })
}

async fn list(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    // The role first, as PeerTube does: a user learns nothing from the filters.
    abuses::require_abuse_manager(&me)?;
    let filter = filter_of(q.into_inner())?;
    let (total, views) = abuses::list(&state.store, &me, filter).await?;
    let urls = urls(&state);
    let data = views
        .iter()
        .map(|v| abuse_json::abuse(&urls, v, true))
        .collect();
    Ok(HttpResponse::Ok().json(json::list(total, data)))
}

async fn list_mine(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    // A reporter filters their own reports by id, state and search only (PeerTube's rule).
    let filter = filter_of(ListQuery {
        filter: None,
        predefined_reason: None,
        search_reporter: None,
        search_reportee: None,
        search_video: None,
        search_video_channel: None,
        video_is: None,
        ..q
    })?;
    let (total, views) = abuses::list_mine(&state.store, &me, filter).await?;
    let urls = urls(&state);
    let data = views
        .iter()
        .map(|v| abuse_json::abuse(&urls, v, false))
        .collect();
    Ok(HttpResponse::Ok().json(json::list(total, data)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody {
    #[serde(default)]
    state: Option<Value>,
    #[serde(default)]
    moderation_comment: Option<String>,
}

async fn update(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    Body(b): Body<UpdateBody>,
) -> ApiResult<HttpResponse> {
    abuses::require_abuse_manager(&me)?;
    let id = path_id("id", &id)?;
    let new_state = optional_int("state", &b.state)?;
    abuses::update(&state.store, &me, id, new_state, b.moderation_comment).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    abuses::require_abuse_manager(&me)?;
    let id = path_id("id", &id)?;
    abuses::delete(&state.store, &me, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn messages(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id("id", &id)?;
    let list = abuse_messages::list(&state.store, &me, id).await?;
    let urls = urls(&state);
    let data: Vec<Value> = list.iter().map(|m| abuse_json::message(&urls, m)).collect();
    Ok(HttpResponse::Ok().json(json::list(data.len() as i64, data)))
}

#[derive(Deserialize)]
struct MessageBody {
    #[serde(default)]
    message: String,
}

async fn add_message(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    Body(body): Body<MessageBody>,
) -> ApiResult<HttpResponse> {
    let id = path_id("id", &id)?;
    let message_id = abuse_messages::add(&state.store, &me, id, body.message).await?;
    Ok(HttpResponse::Ok().json(json!({ "abuseMessage": { "id": message_id } })))
}

async fn delete_message(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, message) = path.into_inner();
    let (id, message) = (path_id("id", &id)?, path_id("messageId", &message)?);
    abuse_messages::delete(&state.store, &me, id, message).await?;
    Ok(HttpResponse::NoContent().finish())
}
