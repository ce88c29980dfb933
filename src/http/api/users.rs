//! User administration (`/users`, `/users/{id}`, block/unblock) for administrators and moderators.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::json::{self, Urls};
use crate::app::AppState;
use crate::domain::{roles, users};
use crate::http::body::{Body, OptionalBody};
use crate::http::error::ApiResult;
use crate::http::extract::{AuthUser, Paging};
use crate::store::users::{UserChanges, UserFilter};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users", web::post().to(create))
        .route("/users/{id:\\d+}", web::get().to(get))
        .route("/users/{id:\\d+}", web::put().to(update))
        .route("/users/{id:\\d+}", web::delete().to(delete))
        .route("/users/{id:\\d+}/block", web::post().to(block))
        .route("/users/{id:\\d+}/unblock", web::post().to(unblock));
}

pub fn urls(state: &AppState) -> Urls {
    Urls {
        base: state.base_url(),
        host: state.host(),
    }
}

#[derive(Deserialize)]
/// Filters beside the paging; parsed as a second extractor from the same query string because
/// `serde(flatten)` turns numbers into strings with urlencoded input and breaks `count=`.
struct ListQuery {
    search: Option<String>,
    blocked: Option<bool>,
}

async fn list(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<ListQuery>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    roles::require_user_manager(&me)?;
    let filter = UserFilter {
        start: paging.start()?,
        count: paging.count()?,
        sort: paging.sort("-createdAt"),
        search: q.search.clone().filter(|s| !s.is_empty()),
        blocked: q.blocked,
    };
    let (total, list) = users::list(&state.store, filter).await?;
    let urls = urls(&state);
    Ok(HttpResponse::Ok().json(json::list(
        total,
        list.iter().map(|d| json::user(&urls, d)).collect(),
    )))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddUser {
    username: String,
    password: String,
    email: String,
    role: u8,
    video_quota: Option<i64>,
    video_quota_daily: Option<i64>,
    channel_name: Option<String>,
    admin_flags: Option<i64>,
}

async fn create(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body<AddUser>,
) -> ApiResult<HttpResponse> {
    roles::require_can_moderate(&me, body.role)?;
    let created = users::create(
        &state.store,
        users::NewUserRequest {
            username: body.username,
            email: Some(body.email),
            password: body.password,
            role: body.role,
            video_quota: body
                .video_quota
                .unwrap_or(state.settings().user_video_quota),
            video_quota_daily: body
                .video_quota_daily
                .unwrap_or(state.settings().user_video_quota_daily),
            display_name: None,
            channel_name: body.channel_name,
            channel_display_name: None,
        },
    )
    .await?;
    if let Some(flags) = body.admin_flags {
        users::update_by_manager(
            &state.store,
            &me,
            created.user_id,
            UserChanges {
                admin_flags: Some(flags),
                ..Default::default()
            },
            None,
        )
        .await?;
    }
    Ok(HttpResponse::Ok().json(json!({
        "user": { "id": created.user_id, "account": { "id": created.account_id } }
    })))
}

async fn get(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    roles::require_user_manager(&me)?;
    let details = users::details(&state.store, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json::user(&urls(&state), &details)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateUser {
    email: Option<String>,
    email_verified: Option<bool>,
    video_quota: Option<i64>,
    video_quota_daily: Option<i64>,
    role: Option<u8>,
    admin_flags: Option<i64>,
    password: Option<String>,
}

async fn update(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
    Body(b): Body<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let changes = UserChanges {
        email: b.email,
        email_verified: b.email_verified,
        video_quota: b.video_quota,
        video_quota_daily: b.video_quota_daily,
        role: b.role,
        admin_flags: b.admin_flags,
        ..Default::default()
    };
    users::update_by_manager(&state.store, &me, id.into_inner(), changes, b.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    users::delete(
        &state.store,
        &state.video_paths(),
        &me,
        id.into_inner(),
        state.config.avatars_dir(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
struct BlockBody {
    reason: Option<String>,
}

async fn block(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
    OptionalBody(body): OptionalBody<BlockBody>,
) -> ApiResult<HttpResponse> {
    let reason = body.and_then(|b| b.reason);
    users::set_blocked(&state.store, &me, id.into_inner(), true, reason).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn unblock(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    users::set_blocked(&state.store, &me, id.into_inner(), false, None).await?;
    Ok(HttpResponse::NoContent().finish())
}
