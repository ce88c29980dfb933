//! The signed-in user's notifications in PeerTube's shapes: `GET /users/me/notifications`,
//! `POST /users/me/notifications/read` and `/read-all`, `PUT /users/me/notification-settings`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::json;
use super::notification_json;
use super::users::urls;
use crate::app::AppState;
use crate::domain::notifications::{self, ListQuery};
use crate::http::body::{Body, whole_number};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, Paging};
use crate::store::notifications::SETTINGS;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/me/notifications", web::get().to(list))
        .route("/users/me/notifications/read", web::post().to(read))
        .route("/users/me/notifications/read-all", web::post().to(read_all))
        .route(
            "/users/me/notification-settings",
            web::put().to(update_settings),
        );
}

#[derive(Deserialize)]
struct Query {
    start: Option<i64>,
    count: Option<i64>,
    sort: Option<String>,
    unread: Option<bool>,
}

async fn list(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<Query>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let paging = Paging {
        start: q.start,
        count: q.count,
        sort: q.sort,
    };
    let oldest_first = match paging.sort("-createdAt").as_str() {
        "-createdAt" => false,
        "createdAt" => true,
        _ => {
            return Err(ApiError::invalid_field(
                "sort",
                "sort must be createdAt or -createdAt",
            ));
        }
    };
    let query = ListQuery {
        unread_only: q.unread.unwrap_or(false),
        oldest_first,
        start: paging.start()?,
        count: paging.count()?,
    };
    let (total, views) = notifications::list(&state.store, me.id, query).await?;
    let urls = urls(&state);
    let data: Vec<Value> = views
        .iter()
        .map(|v| notification_json::notification(&urls, v))
        .collect();
    Ok(HttpResponse::Ok().json(json::list(total, data)))
}

#[derive(Deserialize)]
struct ReadBody {
    #[serde(default)]
    ids: Option<Value>,
}

/// `ids`: a non-empty array of whole numbers (PeerTube's `isNotEmptyIntArray`).
fn ids_of(v: Option<Value>) -> ApiResult<Vec<i64>> {
    let bad = || ApiError::invalid_field("ids", "ids must be a non-empty array of ids");
    let Some(Value::Array(items)) = v else {
        return Err(bad());
    };
    if items.is_empty() {
        return Err(bad());
    }
    items
        .iter()
        .map(|i| whole_number(i).filter(|n| *n > 0).ok_or_else(bad))
        .collect()
}

async fn read(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body<ReadBody>,
) -> ApiResult<HttpResponse> {
    let ids = ids_of(body.ids)?;
    notifications::mark_read(&state.store, me.id, ids).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn read_all(state: web::Data<AppState>, AuthUser(me): AuthUser) -> ApiResult<HttpResponse> {
    notifications::mark_all_read(&state.store, me.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// PeerTube's UserNotificationSetting fields; each present one must be 0, 1, 2 or 3. Absent
/// fields keep their value, unknown ones are ignored.
async fn update_settings(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    Body(body): Body<Value>,
) -> ApiResult<HttpResponse> {
    let Value::Object(fields) = body else {
        return Err(ApiError::bad_request("expected an object of settings"));
    };
    let mut changes = Vec::new();
    for (name, _, _) in SETTINGS {
        let Some(v) = fields.get(*name) else {
            continue;
        };
        let value = whole_number(v)
            .filter(|n| (0..=3).contains(n))
            .ok_or_else(|| ApiError::invalid_field(name, format!("{name} must be 0, 1, 2 or 3")))?;
        changes.push((name.to_string(), value));
    }
    notifications::update_settings(&state.store, me.id, changes).await?;
    Ok(HttpResponse::NoContent().finish())
}
