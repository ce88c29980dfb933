//! Videos: `GET /videos` and `GET /search/videos` (with PeerTube's filters), `GET|PUT|DELETE
//! /videos/{id}` (numeric id, UUID or shortUUID, trailing slash accepted), the description,
//! ratings, views, and the per-user, per-account and per-channel lists.

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json;
use super::users::urls;
use super::{video_json, video_query};
use crate::app::AppState;
use crate::domain::video_pictures::{self, PictureUploads};
use crate::domain::{DomainError, accounts, channels, history, videos};
use crate::http::body::{Body, OptionalBody};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, MaybeUser, client_ip};
use crate::http::multipart::read_video_form;
use crate::store::users::UserRow;
use crate::store::videos::VideoFilter;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos", web::get().to(list))
        .route("/search/videos", web::get().to(list))
        .route("/users/me/videos", web::get().to(my_videos))
        .route("/users/me/videos/{id}/rating", web::get().to(my_rating))
        .route("/accounts/{name}/videos", web::get().to(account_videos))
        .route(
            "/video-channels/{handle}/videos",
            web::get().to(channel_videos),
        )
        .route("/videos/{id}/description", web::get().to(description))
        .route("/videos/{id}/chapters", web::get().to(chapters))
        .route("/videos/{id}/storyboards", web::get().to(storyboards))
        .route("/search/video-playlists", web::get().to(no_playlists))
        .route("/video-playlists", web::get().to(no_playlists))
        .route("/videos/{id}/rate", web::put().to(rate))
        .route("/videos/{id}/views", web::post().to(view))
        .route("/videos/{id}/token", web::post().to(file_token))
        .route("/videos/{id}/watching", web::put().to(watching))
        .route("/videos/{id}/processing", web::get().to(processing))
        .route("/videos/{id}", web::get().to(get))
        .route(
            "/videos/{id}",
            web::put()
                .guard(actix_web::guard::fn_guard(is_multipart))
                .to(update_form),
        )
        .route("/videos/{id}", web::put().to(update))
        .route("/videos/{id}", web::delete().to(delete));
}

/// A page of videos in PeerTube's list shape.
pub async fn respond_list(state: &AppState, filter: VideoFilter) -> ApiResult<HttpResponse> {
    respond_list_cached(state, filter, None).await
}

/// A list, serialised on the blocking thread that read it; with a `cache_key`, served from
/// the answers kept since the database last changed (`store::page_cache`).
async fn respond_list_cached(
    state: &AppState,
    filter: VideoFilter,
    cache_key: Option<String>,
) -> ApiResult<HttpResponse> {
    let urls = urls(state);
    let body = videos::list_rendered(&state.store, filter, cache_key, move |total, list| {
        let page = json::list(
            total,
            list.iter().map(|d| video_json::summary(&urls, d)).collect(),
        );
        serde_json::to_vec(&page)
            .map(web::Bytes::from)
            .map_err(|_| DomainError::TaskFailed)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}

/// A public list, narrowed to what the viewer may list.
async fn public_list(
    state: &AppState,
    req: &HttpRequest,
    viewer: Option<&UserRow>,
    scope: impl FnOnce(&mut VideoFilter),
) -> ApiResult<HttpResponse> {
    let mut filter = video_query::parse(req)?;
    video_query::restrict(&mut filter, viewer)?;
    scope(&mut filter);
    // The answer depends on the filter and the database alone (the viewer counts only through
    // `restrict`, which put what they may list into the filter: every signed-in viewer lists
    // public and internal videos), except a trending one, whose window moves with the clock.
    let cache_key = filter
        .trending_since
        .is_none()
        .then(|| format!("videos:{filter:?}"));
    respond_list_cached(state, filter, cache_key).await
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    public_list(&state, &req, user.as_ref(), |_| {}).await
}

async fn my_videos(
    req: HttpRequest,
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
) -> ApiResult<HttpResponse> {
    let filter = VideoFilter {
        owner_user: Some(me.id),
        ..video_query::parse(&req)?
    };
    respond_list(&state, filter).await
}

/// Public videos of every channel of the account.
async fn account_videos(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (account, _) = accounts::by_handle(&state.store, &name, &state.host()).await?;
    public_list(&state, &req, user.as_ref(), |f| {
        f.account_id = Some(account.id)
    })
    .await
}

async fn channel_videos(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let channel = channels::by_handle(&state.store, &handle, &state.host()).await?;
    let id = channel.channel.id;
    public_list(&state, &req, user.as_ref(), |f| f.channel_id = Some(id)).await
}

async fn get(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, user.as_ref()).await?;
    let mut body = video_json::details(&urls(&state), &details);
    let manager = user
        .as_ref()
        .is_some_and(|u| videos::require_manage(u, &details).is_ok());
    if manager
        && details.files.is_empty()
        && details.video.url.is_none()
        && details.video.state == 2
    {
        body["files"] = json!([super::video_source::processing_file(&state, &details).await?]);
    }
    // PeerTube tells a signed-in viewer where they stopped.
    if let Some(user) = &user {
        let position = history::position(&state.store, user, details.video.id).await?;
        body["userHistory"] = position.map_or(Value::Null, |p| json!({ "currentTime": p }));
    }
    Ok(HttpResponse::Ok().json(body))
}

async fn description(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, user.as_ref()).await?;
    Ok(HttpResponse::Ok().json(json!({ "description": details.video.description })))
}

/// `GET /videos/{id}/chapters` (PeerTube 6.0+, read by NewPipe): Kinora has no chapters, so
/// every video it can show has none.
async fn chapters(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    videos::get(&state.store, &id, user.as_ref()).await?;
    Ok(HttpResponse::Ok().json(json!({ "chapters": [] })))
}

/// `GET /videos/{id}/storyboards` (the seek-bar previews): Kinora makes none, and says so
/// here as well as in `/config` (`storyboards.enabled: false`), since NewPipe asks every video
/// and reports any answer but 200 or 400 as an error.
async fn storyboards(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    videos::get(&state.store, &id, user.as_ref()).await?;
    Ok(HttpResponse::Ok().json(json!({ "storyboards": [] })))
}

/// Playlist lists and playlist search: Kinora has no playlists, so empty lists, which clients
/// show as such (a 404 is an error screen in NewPipe's playlist search).
async fn no_playlists() -> HttpResponse {
    HttpResponse::Ok().json(crate::http::api::json::empty_list())
}

fn is_multipart(ctx: &actix_web::guard::GuardContext) -> bool {
    ctx.head()
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Changes the fields sent; the others keep their values. New pictures, if any, are checked
/// before anything changes and recorded after the metadata.
async fn apply_update(
    state: &AppState,
    me: &UserRow,
    id: &str,
    fields: Map<String, Value>,
    pictures: PictureUploads,
) -> ApiResult<HttpResponse> {
    video_pictures::update_with_pictures(
        &state.store,
        &state.video_paths(),
        me,
        id,
        fields,
        pictures,
        |l| super::config::LANGUAGES.get(l).is_some(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// JSON body, as API scripts send it.
async fn update(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    Body(body): Body<Map<String, Value>>,
) -> ApiResult<HttpResponse> {
    apply_update(&state, &me, &id, body, PictureUploads::default()).await
}

/// `multipart/form-data`, as PeerTube's own web client sends it, with optional
/// `thumbnailfile` and `previewfile`.
async fn update_form(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    form: actix_multipart::Multipart,
) -> ApiResult<HttpResponse> {
    let (fields, pictures) = read_video_form(form, state.config.avatar_max_size).await?;
    apply_update(&state, &me, &id, fields, pictures).await
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    videos::delete(&state.store, &state.video_paths(), &me, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct RateBody {
    rating: String,
}

async fn rate(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    Body(body): Body<RateBody>,
) -> ApiResult<HttpResponse> {
    let rating = match body.rating.as_str() {
        "like" => Some("like"),
        "dislike" => Some("dislike"),
        "none" => None,
        _ => {
            return Err(ApiError::invalid_field(
                "rating",
                "rating must be like, dislike or none",
            ));
        }
    };
    videos::rate(&state.store, &me, &id, rating).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn my_rating(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (video_id, rating) = videos::rating(&state.store, &me, &id).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "id": video_id, "rating": rating.unwrap_or_else(|| "none".into()) })))
}

/// Counted once per viewer (signed-in user, else client address) per hour.
/// PeerTube's `UserViewingVideo`: where the viewer is, sent every few seconds by players.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Viewing {
    current_time: Option<f64>,
    /// PeerTube's players say `"seek"` when the position jumped; nothing else is valid.
    view_event: Option<String>,
}

/// `POST /videos/{id}/views` (and the deprecated `PUT /videos/{id}/watching`): counts one view
/// per viewer per hour and, for a signed-in viewer, remembers the position in their history.
async fn view(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    OptionalBody(body): OptionalBody<Viewing>,
) -> ApiResult<HttpResponse> {
    let viewer = match &user {
        Some(u) => format!("user:{}", u.id),
        None => format!("ip:{}", client_ip(&req)),
    };
    let body = body.unwrap_or_default();
    if body.view_event.as_deref().is_some_and(|e| e != "seek") {
        return Err(ApiError::invalid_field(
            "viewEvent",
            "viewEvent must be \"seek\"",
        ));
    }
    let time = body.current_time;
    let video_id = videos::count_view(&state.store, user.as_ref(), &id, viewer, time).await?;
    if let (Some(user), Some(time)) = (&user, time) {
        history::record(&state.store, user, video_id, time as i64).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

async fn watching(
    req: HttpRequest,
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
    Body(body): Body<Viewing>,
) -> ApiResult<HttpResponse> {
    let body = OptionalBody(Some(body));
    view(req, state, MaybeUser(Some(me)), id, body).await
}

/// A Kinora addition for the upload page: the video's state and the progress of the jobs
/// processing it (`{state, jobs: [{type, state, progress, error}]}`), for its owner.
async fn processing(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (details, jobs) = videos::processing(&state.store, &me, &id).await?;
    let video = video_json::video(&urls(&state), &details);
    Ok(HttpResponse::Ok().json(json!({
        "state": video["state"],
        "stateError": details.video.state_error,
        "jobs": jobs.iter().map(|j| json!({
            "id": j.id, "type": j.kind, "state": j.state, "progress": j.progress, "error": j.error,
        })).collect::<Vec<_>>(),
    })))
}

/// A short-lived token that opens the video's files (`?videoFileToken=`) for players that cannot
/// send the Authorization header.
async fn file_token(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, Some(&me)).await?;
    let now = time::OffsetDateTime::now_utc();
    let (token, expires) =
        state
            .video_tokens
            .issue(&details.video.uuid, me.id, now.unix_timestamp());
    let expires = time::OffsetDateTime::from_unix_timestamp(expires).unwrap_or(now);
    Ok(HttpResponse::Ok().json(json!({
        "files": { "token": token, "expires": crate::store::timestamp(expires) }
    })))
}
