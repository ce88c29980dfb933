//! The signed-in user's notifications page (`/my-account/notifications`): newest first, each
//! with a link to what it is about, and a "mark all as read" form that needs no JavaScript.

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
        );
}

const PAGE: i64 = 50;

#[derive(Deserialize)]
struct PageQuery {
    unread: Option<String>,
    notice: Option<String>,
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
    let query = ListQuery {
        unread_only,
        oldest_first: false,
        start: 0,
        count: PAGE,
    };
    let (total, views) = notifications::list(&state.store, me.id, query).await?;
    let urls = urls(&state);
    let items: Vec<Value> = views
        .iter()
        .map(|v| notification_json::notification(&urls, v))
        .collect();
    let ctx = json!({
        "manage_tab": "notifications",
        "notifications": items,
        "total": total,
        "unread_only": unread_only,
        "moderator": me.role <= roles::MODERATOR,
        "notice": q.notice,
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
