//! The signed-in user's own pages: my videos (state, privacy, views, delete; the edit page is
//! `video_edit`), my channels
//! (create, edit, avatar, banner), watch history (clear, pause), subscriptions feed, and the
//! preferences form of the settings page. Plain forms posted with the session cookie.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{discover, render, see_other};
use crate::app::AppState;
use crate::domain::images::{self, ImageKind};
use crate::domain::users::{self, MeChanges};
use crate::domain::{DomainError, channels, history, videos};
use crate::http::api::users::urls;
use crate::http::api::{json, video_json};
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::http::multipart::read_file_field;
use crate::store::users::{UserChanges, UserRow};
use crate::store::videos::VideoFilter;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my-account/videos", web::get().to(my_videos))
        .route(
            "/my-account/videos/{id}/delete",
            web::post().to(delete_video),
        )
        .route("/my-account/channels", web::get().to(my_channels))
        .route("/my-account/channels", web::post().to(create_channel))
        .route(
            "/my-account/channels/{name}",
            web::post().to(update_channel),
        )
        .route(
            "/my-account/channels/{name}/avatar",
            web::post().to(channel_avatar),
        )
        .route(
            "/my-account/channels/{name}/banner",
            web::post().to(channel_banner),
        )
        .route("/my-account/history", web::get().to(history_page))
        .route("/my-account/history/clear", web::post().to(clear_history))
        .route("/my-account/history/toggle", web::post().to(toggle_history))
        .route("/my-account/subscriptions", web::get().to(subscriptions))
        .route("/my-account/preferences", web::post().to(save_preferences));
}

pub(super) fn login(next: &str) -> HttpResponse {
    see_other(&format!("/login?next={next}"))
}

pub(super) fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Back to `path` with a notice, or with the error of a refused change.
pub(super) fn back(
    path: &str,
    result: Result<(), DomainError>,
    notice: &str,
) -> ApiResult<HttpResponse> {
    let sep = if path.contains('?') { '&' } else { '?' };
    match result {
        Ok(()) => Ok(see_other(&format!("{path}{sep}notice={}", enc(notice)))),
        Err(
            e @ (DomainError::Invalid { .. }
            | DomainError::Forbidden(_)
            | DomainError::Conflict(_)
            | DomainError::NotFound(_)),
        ) => Ok(see_other(&format!(
            "{path}{sep}error={}",
            enc(&e.to_string())
        ))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct PageQuery {
    page: Option<i64>,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
}

async fn my_videos(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/videos"));
    };
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let (total, list) = discover::cards(
        &state,
        VideoFilter {
            owner_user: Some(user.id),
            sort: "-createdAt".into(),
            start: (page - 1) * discover::PER_PAGE,
            count: discover::PER_PAGE,
            ..Default::default()
        },
    )
    .await?;
    Ok(render(
        &state,
        StatusCode::OK,
        "my_videos.html",
        Some(&user),
        json!({ "videos": list, "total": total, "notice": q.notice, "error": q.error,
                "pager": discover::pager("/my-account/videos", &[], page, total, discover::PER_PAGE) }),
    ))
}

async fn delete_video(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/videos"));
    };
    let result = videos::delete(&state.store, &state.video_paths(), &user, &id).await;
    back("/my-account/videos", result, "Video deleted")
}

async fn my_channels(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/channels"));
    };
    let me = json::user(&urls(&state), &users::details(&state.store, user.id).await?);
    Ok(render(
        &state,
        StatusCode::OK,
        "my_channels.html",
        Some(&user),
        json!({ "channels": me["videoChannels"], "notice": q.notice, "error": q.error }),
    ))
}

#[derive(Deserialize)]
struct ChannelForm {
    name: Option<String>,
    display_name: String,
    description: Option<String>,
    support: Option<String>,
}

fn channel_fields(f: &ChannelForm) -> channels::ChannelFields {
    let clear = |s: &Option<String>| Some(s.clone().filter(|v| !v.trim().is_empty()));
    channels::ChannelFields {
        display_name: Some(f.display_name.trim().to_string()),
        description: clear(&f.description),
        support: clear(&f.support),
    }
}

async fn create_channel(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: web::Form<ChannelForm>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/channels"));
    };
    let f = form.into_inner();
    let name = f.name.clone().unwrap_or_default().trim().to_string();
    let result = channels::create(&state.store, &user, name, channel_fields(&f))
        .await
        .map(|_| ());
    back("/my-account/channels", result, "Channel created")
}

async fn update_channel(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    name: web::Path<String>,
    form: web::Form<ChannelForm>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/channels"));
    };
    let result = channels::update(
        &state.store,
        &user,
        &name,
        &state.host(),
        channel_fields(&form.into_inner()),
    )
    .await;
    back("/my-account/channels", result, "Channel saved")
}

async fn channel_image(
    state: &AppState,
    user: Option<UserRow>,
    name: &str,
    form: Multipart,
    kind: ImageKind,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/channels"));
    };
    let field = match kind {
        ImageKind::Avatar => "avatarfile",
        ImageKind::Banner => "bannerfile",
    };
    let bytes = match read_file_field(form, field, state.config.avatar_max_size).await {
        Ok(b) => b,
        Err(e) => {
            return Ok(see_other(&format!(
                "/my-account/channels?error={}",
                enc(&e.detail)
            )));
        }
    };
    let result = async {
        let actor_id = channels::managed_actor(&state.store, &user, name, &state.host()).await?;
        images::replace(
            &state.store,
            state.config.avatars_dir(),
            actor_id,
            kind,
            bytes,
            field,
        )
        .await
        .map(|_| ())
    }
    .await;
    back("/my-account/channels", result, "Picture saved")
}

async fn channel_avatar(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    name: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    channel_image(&state, user, &name, form, ImageKind::Avatar).await
}

async fn channel_banner(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    name: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    channel_image(&state, user, &name, form, ImageKind::Banner).await
}

async fn history_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/history"));
    };
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let (total, rows) = history::list(
        &state.store,
        &user,
        (page - 1) * discover::PER_PAGE,
        discover::PER_PAGE,
    )
    .await?;
    let u = urls(&state);
    let list: Vec<Value> = rows
        .iter()
        .map(|(d, position)| {
            let mut v = video_json::video(&u, d);
            v["userHistory"] = json!({ "currentTime": position });
            v
        })
        .collect();
    Ok(render(
        &state,
        StatusCode::OK,
        "my_history.html",
        Some(&user),
        json!({ "videos": list, "total": total, "enabled": user.videos_history_enabled,
                "notice": q.notice,
                "pager": discover::pager("/my-account/history", &[], page, total, discover::PER_PAGE) }),
    ))
}

async fn clear_history(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/history"));
    };
    let result = history::clear(&state.store, &user, None).await;
    back("/my-account/history", result, "History cleared")
}

async fn toggle_history(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/history"));
    };
    let enable = !user.videos_history_enabled;
    let changes = MeChanges {
        prefs: UserChanges {
            videos_history_enabled: Some(enable),
            ..Default::default()
        },
        ..Default::default()
    };
    let result = users::update_me(&state.store, &user, changes).await;
    let notice = if enable {
        "History resumed"
    } else {
        "History paused"
    };
    back("/my-account/history", result, notice)
}

/// The subscriptions feed is filled by the page script from
/// `GET /api/v1/users/me/subscriptions/videos`; it says so when the instance lacks that API.
async fn subscriptions(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account/subscriptions"));
    };
    Ok(render(
        &state,
        StatusCode::OK,
        "my_subscriptions.html",
        Some(&user),
        json!({}),
    ))
}

#[derive(Deserialize)]
struct PreferencesForm {
    nsfw_policy: String,
    theme: String,
    auto_play_next_video: Option<String>,
    videos_history_enabled: Option<String>,
}

async fn save_preferences(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: web::Form<PreferencesForm>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login("/my-account"));
    };
    let f = form.into_inner();
    let result = if !matches!(f.nsfw_policy.as_str(), "display" | "blur" | "do_not_list") {
        Err(DomainError::invalid("nsfwPolicy", "Unknown NSFW policy"))
    } else if !matches!(f.theme.as_str(), "instance-default" | "light" | "dark") {
        Err(DomainError::invalid("theme", "Unknown theme"))
    } else {
        let changes = MeChanges {
            prefs: UserChanges {
                nsfw_policy: Some(f.nsfw_policy),
                theme: Some(f.theme),
                auto_play_next_video: Some(f.auto_play_next_video.is_some()),
                videos_history_enabled: Some(f.videos_history_enabled.is_some()),
                ..Default::default()
            },
            ..Default::default()
        };
        users::update_me(&state.store, &user, changes).await
    };
    back("/my-account", result, "Preferences saved")
}
