//! The signed-in user's notifications page (`/my-account/notifications`): newest first, 50 a
//! page, each with a link to what it is about, a "mark all as read" form and a form choosing
//! which kinds to be told of, none of which needs JavaScript.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{render, see_other};
use crate::app::AppState;
use crate::domain::notifications::{self, ListQuery};
use crate::domain::roles;
use crate::http::api::notification_json;
use crate::http::api::users::urls;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my-account/notifications", web::get().to(page))
        .route(
            "/my-account/notifications/read-all",
            web::post().to(read_all),
        )
        .route(
            "/my-account/notifications/settings",
            web::post().to(save_settings),
        );
}

/// The settings the form offers (PeerTube's names), by who can receive them: everyone, the
/// moderators (and administrators), or the administrators alone.
const FORM_SETTINGS: &[(&str, u8)] = &[
    ("newVideoFromSubscription", roles::USER),
    ("newCommentOnMyVideo", roles::USER),
    ("commentMention", roles::USER),
    ("newFollow", roles::USER),
    ("myVideoPublished", roles::USER),
    ("abuseStateChange", roles::USER),
    ("abuseNewMessage", roles::USER),
    ("abuseAsModerator", roles::MODERATOR),
    ("newUserRegistration", roles::MODERATOR),
    ("newInstanceFollower", roles::ADMIN),
];

fn offered(role: u8) -> impl Iterator<Item = &'static str> {
    FORM_SETTINGS
        .iter()
        .filter(move |(_, needs)| role <= *needs)
        .map(|(name, _)| *name)
}

const PAGE: i64 = 50;

#[derive(Deserialize)]
struct PageQuery {
    unread: Option<String>,
    notice: Option<String>,
    /// 1-based.
    page: Option<u32>,
}

async fn page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let Some(me) = user else {
        return Ok(see_other("/login?next=/my-account/notifications"));
    };
    let unread_only = q.unread.as_deref() == Some("1");
    let number = i64::from(q.page.unwrap_or(1).max(1));
    let query = ListQuery {
        unread_only,
        oldest_first: false,
        start: (number - 1) * PAGE,
        count: PAGE,
    };
    let (total, views) = notifications::list(&state.store, me.id, query).await?;
    let urls = urls(&state);
    let items: Vec<Value> = views
        .iter()
        .map(|v| notification_json::notification(&urls, v))
        .collect();
    let values: HashMap<&str, i64> = notifications::settings(&state.store, me.id)
        .await?
        .into_iter()
        .collect();
    let settings: Vec<Value> = offered(me.role)
        .map(|name| json!({ "name": name, "web": values.get(name).is_some_and(|v| v & 1 != 0) }))
        .collect();
    let filter = if unread_only { "unread=1&" } else { "" };
    let ctx = json!({
        "manage_tab": "notifications",
        "notifications": items,
        "total": total,
        "unread_only": unread_only,
        "moderator": me.role <= roles::MODERATOR,
        "notice": q.notice,
        "settings": settings,
        "newer": (number > 1).then(|| format!("?{filter}page={}", number - 1)),
        "older": (number * PAGE < total).then(|| format!("?{filter}page={}", number + 1)),
    });
    Ok(render(
        &state,
        StatusCode::OK,
        "my_notifications.html",
        Some(&me),
        ctx,
    ))
}

async fn read_all(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    let Some(me) = user else {
        return Ok(see_other("/login?next=/my-account/notifications"));
    };
    notifications::mark_all_read(&state.store, me.id).await?;
    Ok(see_other("/my-account/notifications"))
}

/// The settings form: each offered kind is on for the web when its box is ticked. The e-mail
/// bit a client set through the API is kept (Kinora sends no mail).
async fn save_settings(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: web::Form<HashMap<String, String>>,
) -> ApiResult<HttpResponse> {
    let Some(me) = user else {
        return Ok(see_other("/login?next=/my-account/notifications"));
    };
    let current: HashMap<&str, i64> = notifications::settings(&state.store, me.id)
        .await?
        .into_iter()
        .collect();
    let changes = offered(me.role)
        .map(|name| {
            let email = current.get(name).copied().unwrap_or(0) & 2;
            let web = i64::from(form.contains_key(name));
            (name.to_string(), email | web)
        })
        .collect();
    notifications::update_settings(&state.store, me.id, changes).await?;
    Ok(see_other("/my-account/notifications?notice=saved"))
}
