//! Videos: `GET /videos`, `GET|DELETE /videos/{id}` (numeric id, UUID or shortUUID, trailing
//! slash accepted), `/videos/{id}/description`, and the per-user, per-account and per-channel
//! lists.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::json;
use super::users::urls;
use super::video_json;
use crate::app::AppState;
use crate::domain::{accounts, channels, videos};
use crate::http::error::ApiResult;
use crate::http::extract::{AuthUser, MaybeUser, Paging};
use crate::store::videos::VideoFilter;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos", web::get().to(list))
        .route("/users/me/videos", web::get().to(my_videos))
        .route("/accounts/{name}/videos", web::get().to(account_videos))
        .route(
            "/video-channels/{handle}/videos",
            web::get().to(channel_videos),
        )
        .route("/videos/{id}/description", web::get().to(description))
        .route("/videos/{id}", web::get().to(get))
        .route("/videos/{id}/", web::get().to(get))
        .route("/videos/{id}", web::delete().to(delete));
}

async fn respond_list(state: &AppState, filter: VideoFilter) -> ApiResult<HttpResponse> {
    let (total, list) = videos::list(&state.store, filter).await?;
    let urls = urls(state);
    Ok(HttpResponse::Ok().json(json::list(
        total,
        list.iter().map(|d| video_json::video(&urls, d)).collect(),
    )))
}

fn filter(q: &Paging, owner_user: Option<i64>, channel_id: Option<i64>) -> ApiResult<VideoFilter> {
    Ok(VideoFilter {
        owner_user,
        channel_id,
        account_id: None,
        sort: q.sort("-publishedAt"),
        start: q.start()?,
        count: q.count()?,
    })
}

async fn list(state: web::Data<AppState>, q: web::Query<Paging>) -> ApiResult<HttpResponse> {
    respond_list(&state, filter(&q, None, None)?).await
}

async fn my_videos(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    respond_list(&state, filter(&q, Some(me.id), None)?).await
}

/// Public videos of every channel of the account.
async fn account_videos(
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let (account, _) = accounts::by_handle(&state.store, &name, &state.host()).await?;
    let mut f = filter(&q, None, None)?;
    f.account_id = Some(account.id);
    respond_list(&state, f).await
}

async fn channel_videos(
    state: web::Data<AppState>,
    handle: web::Path<String>,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let channel = channels::by_handle(&state.store, &handle, &state.host()).await?;
    respond_list(&state, filter(&q, None, Some(channel.channel.id))?).await
}

async fn get(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, user.as_ref()).await?;
    Ok(HttpResponse::Ok().json(video_json::details(&urls(&state), &details)))
}

async fn description(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, user.as_ref()).await?;
    Ok(HttpResponse::Ok().json(json!({ "description": details.video.description })))
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    videos::delete(&state.store, &state.video_paths(), &me, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
