//! Video channels (`/video-channels`) and accounts (`/accounts/{name}`).

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::json;
use super::me::images_response;
use super::users::urls;
use crate::app::AppState;
use crate::domain::accounts;
use crate::domain::channels::{self, ChannelFields};
use crate::domain::images::{self, ImageKind, remove_files};
use crate::http::body::Body;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::present;
use crate::http::extract::{AuthUser, Paging};
use crate::http::multipart::read_file_field;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/video-channels", web::get().to(list))
        .route("/video-channels", web::post().to(create))
        .route("/video-channels/{handle}", web::get().to(get))
        .route("/video-channels/{handle}", web::put().to(update))
        .route("/video-channels/{handle}", web::delete().to(delete))
        .route(
            "/video-channels/{handle}/avatar/pick",
            web::post().to(pick_avatar),
        )
        .route(
            "/video-channels/{handle}/avatar",
            web::delete().to(delete_avatar),
        )
        .route(
            "/video-channels/{handle}/banner/pick",
            web::post().to(pick_banner),
        )
        .route(
            "/video-channels/{handle}/banner",
            web::delete().to(delete_banner),
        )
        .route(
            "/video-channels/{handle}/video-playlists",
            web::get().to(channel_playlists),
        )
        .route("/accounts/{name}", web::get().to(get_account))
        .route(
            "/accounts/{name}/video-playlists",
            web::get().to(account_playlists),
        )
        .route(
            "/accounts/{name}/video-channels",
            web::get().to(account_channels),
        );
}

async fn list(state: web::Data<AppState>, q: web::Query<Paging>) -> ApiResult<HttpResponse> {
    let (total, list) = channels::list(
        &state.store,
        None,
        q.start()?,
        q.count()?,
        q.sort("-createdAt"),
    )
    .await?;
    let urls = urls(&state);
    Ok(HttpResponse::Ok().json(json::list(
        total,
        list.iter().map(|c| json::channel(&urls, c)).collect(),
    )))
}

/// A text field that may be sent as `null` or `""` to clear it.
fn clearable(value: Option<Option<String>>) -> Option<Option<String>> {
    value.map(|v| v.filter(|s| !s.is_empty()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelBody {
    name: Option<String>,
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    support: Option<Option<String>>,
}

impl ChannelBody {
    fn fields(self) -> ChannelFields {
        ChannelFields {
            display_name: self.display_name,
            description: clearable(self.description),
            support: clearable(self.support),
        }
    }
}

async fn create(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(mut body): Body<ChannelBody>,
) -> ApiResult<HttpResponse> {
    let name = body
        .name
        .take()
        .ok_or_else(|| ApiError::invalid_field("name", "name is required"))?;
    let id = channels::create(&state.store, &me, name, body.fields()).await?;
    Ok(HttpResponse::Ok().json(json!({ "videoChannel": { "id": id } })))
}

async fn get(state: web::Data<AppState>, handle: web::Path<String>) -> ApiResult<HttpResponse> {
    let details = channels::by_handle(&state.store, &handle, &state.host()).await?;
    Ok(HttpResponse::Ok().json(json::channel(&urls(&state), &details)))
}

async fn update(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    handle: web::Path<String>,
    Body(body): Body<ChannelBody>,
) -> ApiResult<HttpResponse> {
    channels::update(&state.store, &me, &handle, &state.host(), body.fields()).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let files = channels::delete(
        &state.store,
        &state.video_paths(),
        &me,
        &handle,
        &state.host(),
    )
    .await?;
    remove_files(&state.config.avatars_dir(), &files);
    Ok(HttpResponse::NoContent().finish())
}

async fn pick_image(
    state: web::Data<AppState>,
    me: AuthUser,
    handle: web::Path<String>,
    form: Multipart,
    kind: ImageKind,
) -> ApiResult<HttpResponse> {
    let field = match kind {
        ImageKind::Avatar => "avatarfile",
        ImageKind::Banner => "bannerfile",
    };
    let actor_id = channels::managed_actor(&state.store, &me.0, &handle, &state.host()).await?;
    let bytes = read_file_field(form, field, state.config.avatar_max_size).await?;
    let rows = images::replace(
        &state.store,
        state.config.avatars_dir(),
        actor_id,
        kind,
        bytes,
        field,
    )
    .await?;
    Ok(images_response(&state, kind, &rows))
}

async fn pick_avatar(
    state: web::Data<AppState>,
    me: AuthUser,
    handle: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    pick_image(state, me, handle, form, ImageKind::Avatar).await
}

async fn pick_banner(
    state: web::Data<AppState>,
    me: AuthUser,
    handle: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    pick_image(state, me, handle, form, ImageKind::Banner).await
}

async fn remove_image(
    state: web::Data<AppState>,
    me: AuthUser,
    handle: web::Path<String>,
    kind: ImageKind,
) -> ApiResult<HttpResponse> {
    let actor_id = channels::managed_actor(&state.store, &me.0, &handle, &state.host()).await?;
    images::remove(&state.store, state.config.avatars_dir(), actor_id, kind).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete_avatar(
    state: web::Data<AppState>,
    me: AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    remove_image(state, me, handle, ImageKind::Avatar).await
}

async fn delete_banner(
    state: web::Data<AppState>,
    me: AuthUser,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    remove_image(state, me, handle, ImageKind::Banner).await
}

/// A channel's playlists, which NewPipe shows in a tab of every channel: Kinora has no
/// playlists, so an empty list (a 404 would show an error there); 404 for no such channel.
async fn channel_playlists(
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> ApiResult<HttpResponse> {
    channels::by_handle(&state.store, &handle, &state.host()).await?;
    Ok(HttpResponse::Ok().json(json::empty_list()))
}

/// An account's playlists: none, as for channels.
async fn account_playlists(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    accounts::by_handle(&state.store, &name, &state.host()).await?;
    Ok(HttpResponse::Ok().json(json::empty_list()))
}

async fn get_account(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (account, imgs) = accounts::by_handle(&state.store, &name, &state.host()).await?;
    Ok(HttpResponse::Ok().json(json::account(&urls(&state), &account, &imgs)))
}

async fn account_channels(
    state: web::Data<AppState>,
    name: web::Path<String>,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let (account, _) = accounts::by_handle(&state.store, &name, &state.host()).await?;
    let (total, list) = channels::list(
        &state.store,
        Some(account.id),
        q.start()?,
        q.count()?,
        q.sort("createdAt"),
    )
    .await?;
    let urls = urls(&state);
    Ok(HttpResponse::Ok().json(json::list(
        total,
        list.iter().map(|c| json::channel(&urls, c)).collect(),
    )))
}
