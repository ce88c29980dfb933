//! The signed-in user's settings page (profile, password, avatar) and the public account and
//! channel pages.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::discover::{self, ListQuery};
use super::{render, see_other};
use crate::app::AppState;
use crate::domain::images::{self, ImageKind};
use crate::domain::users::{self, MeChanges};
use crate::domain::{DomainError, accounts, channels};
use crate::http::api::json;
use crate::http::api::users::urls;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::http::multipart::read_file_field;
use crate::store::users::UserRow;
use crate::store::videos::VideoFilter;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my-account", web::get().to(settings))
        .route("/my-account/profile", web::post().to(save_profile))
        .route("/my-account/password", web::post().to(save_password))
        .route("/my-account/avatar", web::post().to(save_avatar))
        .route("/a/{name}", web::get().to(account_page))
        .route("/accounts/{name}", web::get().to(account_page))
        .route("/c/{name}", web::get().to(channel_page))
        .route("/video-channels/{name}", web::get().to(channel_page));
}

/// The settings page, with an optional message (`notice` on success, `error` on failure).
async fn settings_page(
    state: &AppState,
    user: &UserRow,
    status: StatusCode,
    extra: Value,
) -> ApiResult<HttpResponse> {
    let details = users::details(&state.store, user.id).await?;
    let me = json::user(&urls(state), &details);
    let mut ctx = json!({ "me": me });
    if let (Some(base), Value::Object(extra)) = (ctx.as_object_mut(), extra) {
        base.extend(extra);
    }
    Ok(render(state, status, "my_account.html", Some(user), ctx))
}

fn login_redirect() -> HttpResponse {
    see_other("/login?next=/my-account")
}

#[derive(Deserialize)]
struct SettingsQuery {
    notice: Option<String>,
    error: Option<String>,
}

async fn settings(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<SettingsQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    match user {
        Some(user) => {
            let extra = json!({ "notice": q.notice, "error": q.error });
            settings_page(&state, &user, StatusCode::OK, extra).await
        }
        None => Ok(login_redirect()),
    }
}

/// Renders the outcome of a settings form: the page again with a notice or the error.
async fn outcome(
    state: &AppState,
    user: &UserRow,
    result: Result<(), DomainError>,
    success_key: &str,
) -> ApiResult<HttpResponse> {
    match result {
        Ok(()) => {
            settings_page(
                state,
                user,
                StatusCode::OK,
                json!({ "notice_key": success_key }),
            )
            .await
        }
        Err(
            e
            @ (DomainError::Invalid { .. } | DomainError::Forbidden(_) | DomainError::Conflict(_)),
        ) => {
            let status = match e {
                DomainError::Invalid { .. } => StatusCode::BAD_REQUEST,
                DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            };
            settings_page(state, user, status, json!({ "error": e.to_string() })).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ProfileForm {
    display_name: String,
    description: Option<String>,
}

async fn save_profile(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: web::Form<ProfileForm>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login_redirect());
    };
    let form = form.into_inner();
    let changes = MeChanges {
        display_name: Some(form.display_name.trim().to_string()),
        description: Some(form.description.unwrap_or_default()),
        ..Default::default()
    };
    let result = users::update_me(&state.store, &user, changes).await;
    outcome(&state, &user, result, "settings.profile_saved").await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn save_password(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: web::Form<PasswordForm>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login_redirect());
    };
    let form = form.into_inner();
    let result = if form.new_password != form.confirm_password {
        Err(DomainError::invalid(
            "password",
            "The two new passwords differ",
        ))
    } else {
        let changes = MeChanges {
            password: Some(form.new_password),
            current_password: Some(form.current_password),
            ..Default::default()
        };
        users::update_me(&state.store, &user, changes).await
    };
    outcome(&state, &user, result, "settings.password_saved").await
}

async fn save_avatar(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login_redirect());
    };
    let bytes = match read_file_field(form, "avatarfile", state.config.avatar_max_size).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return settings_page(&state, &user, e.status, json!({ "error": e.detail })).await;
        }
    };
    let actor_id = users::account_actor_id(&state.store, user.id).await?;
    let result = images::replace(
        &state.store,
        state.config.avatars_dir(),
        actor_id,
        ImageKind::Avatar,
        bytes,
        "avatarfile",
    )
    .await
    .map(|_| ());
    outcome(&state, &user, result, "settings.avatar_saved").await
}

async fn account_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    name: web::Path<String>,
    q: web::Query<ListQuery>,
    notice: web::Query<super::report::ReportNotice>,
) -> ApiResult<HttpResponse> {
    let (account, imgs) = match accounts::by_handle(&state.store, &name, &state.host()).await {
        Ok(found) => found,
        Err(DomainError::NotFound(_)) => return Ok(super::not_found_page(&state, user.as_ref())),
        Err(e) => return Err(e.into()),
    };
    let (_, list) =
        channels::list(&state.store, Some(account.id), 0, 100, "createdAt".into()).await?;
    let urls = urls(&state);
    let channel_list: Vec<_> = list.iter().map(|c| json::channel(&urls, c)).collect();
    let (videos, total, pager, blur) = video_page(
        &state,
        user.as_ref(),
        &q,
        &format!("/a/{}", account.actor.name),
        |f| f.account_id = Some(account.id),
    )
    .await?;
    Ok(render(
        &state,
        StatusCode::OK,
        "account.html",
        user.as_ref(),
        json!({ "account": json::account(&urls, &account, &imgs), "channels": channel_list,
                "videos": videos, "total": total, "pager": pager, "blur": blur,
                "own": user.as_ref().is_some_and(|u| account.user_id == Some(u.id)),
                "report_reasons": crate::domain::abuse_reasons::PREDEFINED_REASONS,
                "reported": notice.reported.is_some(), "report_error": notice.report_error }),
    ))
}

async fn channel_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    name: web::Path<String>,
    q: web::Query<ListQuery>,
    notice: web::Query<super::report::ReportNotice>,
) -> ApiResult<HttpResponse> {
    let details = match channels::by_handle(&state.store, &name, &state.host()).await {
        Ok(d) => d,
        Err(DomainError::NotFound(_)) => return Ok(super::not_found_page(&state, user.as_ref())),
        Err(e) => return Err(e.into()),
    };
    let channel_id = details.channel.id;
    let (videos, total, pager, blur) = video_page(
        &state,
        user.as_ref(),
        &q,
        &format!("/c/{}", details.channel.actor.name),
        |f| f.channel_id = Some(channel_id),
    )
    .await?;
    Ok(render(
        &state,
        StatusCode::OK,
        "channel.html",
        user.as_ref(),
        json!({ "channel": json::channel(&urls(&state), &details), "videos": videos,
                "total": total, "pager": pager, "blur": blur,
                "own": user.as_ref().is_some_and(|u| details.owner.user_id == Some(u.id)),
                "report_reasons": crate::domain::abuse_reasons::PREDEFINED_REASONS,
                "reported": notice.reported.is_some(), "report_error": notice.report_error }),
    ))
}

/// A page of the public videos that `narrow` selects (a channel's, an account's).
async fn video_page(
    state: &AppState,
    user: Option<&UserRow>,
    q: &ListQuery,
    path: &str,
    narrow: impl FnOnce(&mut VideoFilter),
) -> ApiResult<(Vec<Value>, i64, Value, bool)> {
    let page = q.page();
    let (nsfw, blur) = discover::nsfw_filter(user, None);
    let mut filter = VideoFilter {
        nsfw,
        sort: "-publishedAt".into(),
        start: (page - 1) * discover::PER_PAGE,
        count: discover::PER_PAGE,
        ..Default::default()
    };
    narrow(&mut filter);
    let (total, list) = discover::cards(state, filter).await?;
    let pager = discover::pager(path, &[], page, total, discover::PER_PAGE);
    Ok((list, total, pager, blur))
}
