//! The logged-in user's own account: `/users/me`, preferences, avatar, quota used.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::json;
use super::users::urls;
use crate::app::AppState;
use crate::domain::images::{self, ImageKind};
use crate::domain::users::{self, MeChanges};
use crate::http::body::Body;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::AuthUser;
use crate::http::multipart::read_file_field;
use crate::store::images::ImageRow;
use crate::store::users::UserChanges;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/me", web::get().to(get_me))
        .route("/users/me", web::put().to(update_me))
        .route("/users/me/video-quota-used", web::get().to(quota_used))
        .route("/users/me/avatar/pick", web::post().to(pick_avatar))
        .route("/users/me/avatar", web::delete().to(delete_avatar));
}

async fn get_me(state: web::Data<AppState>, AuthUser(me): AuthUser) -> ApiResult<HttpResponse> {
    let details = users::details(&state.store, me.id).await?;
    Ok(HttpResponse::Ok().json(json::user(&urls(&state), &details)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateMe {
    password: Option<String>,
    current_password: Option<String>,
    email: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    #[serde(rename = "nsfwPolicy", alias = "displayNSFW")]
    nsfw_policy: Option<String>,
    p2p_enabled: Option<bool>,
    auto_play_video: Option<bool>,
    auto_play_next_video: Option<bool>,
    videos_history_enabled: Option<bool>,
    theme: Option<String>,
}

/// PeerTube's NSFW policies; `displayNSFW` used to take `true|false|both`.
fn nsfw_policy(value: &str) -> ApiResult<String> {
    match value {
        "display" | "true" | "both" => Ok("display".into()),
        "blur" => Ok("blur".into()),
        "do_not_list" | "false" => Ok("do_not_list".into()),
        _ => Err(ApiError::invalid_field(
            "nsfwPolicy",
            "nsfwPolicy must be display, blur or do_not_list",
        )),
    }
}

async fn update_me(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(b): Body<UpdateMe>,
) -> ApiResult<HttpResponse> {
    if let Some(theme) = &b.theme
        && !matches!(theme.as_str(), "instance-default" | "light" | "dark")
    {
        return Err(ApiError::invalid_field(
            "theme",
            "theme must be instance-default, light or dark",
        ));
    }
    let changes = MeChanges {
        display_name: b.display_name,
        description: b.description,
        email: b.email,
        password: b.password,
        current_password: b.current_password,
        prefs: UserChanges {
            nsfw_policy: b.nsfw_policy.as_deref().map(nsfw_policy).transpose()?,
            p2p_enabled: b.p2p_enabled,
            auto_play_video: b.auto_play_video,
            auto_play_next_video: b.auto_play_next_video,
            videos_history_enabled: b.videos_history_enabled,
            theme: b.theme,
            ..Default::default()
        },
    };
    users::update_me(&state.store, &me, changes).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Video storage arrives with uploads; until then no user stores any video bytes, so both sums
/// are truly zero. The uploads feature replaces this with sums over the user's files.
async fn quota_used(
    _state: web::Data<AppState>,
    AuthUser(_me): AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(json!({ "videoQuotaUsed": 0, "videoQuotaUsedDaily": 0 })))
}

async fn account_actor(state: &AppState, user_id: i64) -> ApiResult<i64> {
    Ok(users::account_actor_id(&state.store, user_id).await?)
}

/// `{"avatars": [...]}` or `{"banners": [...]}`, as PeerTube answers an image upload.
pub fn images_response(state: &AppState, kind: ImageKind, rows: &[ImageRow]) -> HttpResponse {
    let key = match kind {
        ImageKind::Avatar => "avatars",
        ImageKind::Banner => "banners",
    };
    HttpResponse::Ok().json(json!({ key: json::images(&urls(state), rows, kind.as_str()) }))
}

async fn pick_avatar(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let bytes = read_file_field(form, "avatarfile", state.config.avatar_max_size).await?;
    let actor_id = account_actor(&state, me.id).await?;
    let rows = images::replace(
        &state.store,
        state.config.avatars_dir(),
        actor_id,
        ImageKind::Avatar,
        bytes,
        "avatarfile",
    )
    .await?;
    Ok(images_response(&state, ImageKind::Avatar, &rows))
}

async fn delete_avatar(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
) -> ApiResult<HttpResponse> {
    let actor_id = account_actor(&state, me.id).await?;
    images::remove(
        &state.store,
        state.config.avatars_dir(),
        actor_id,
        ImageKind::Avatar,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
