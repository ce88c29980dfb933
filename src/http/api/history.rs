//! The signed-in user's watch history in PeerTube's shapes: `GET /users/me/history/videos`,
//! `DELETE /users/me/history/videos/{videoId}`, `POST /users/me/history/videos/remove`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::users::urls;
use super::{json, video_json};
use crate::app::AppState;
use crate::domain::history;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, Paging};
use crate::http::multipart::read_file_field;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/me/history/videos", web::get().to(list))
        .route("/users/me/history/videos/remove", web::post().to(clear))
        .route(
            "/users/me/history/videos/{video:\\d+}",
            web::delete().to(remove),
        );
}

async fn list(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    q: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let (total, rows) = history::list(&state.store, &me, q.start()?, q.count()?).await?;
    let urls = urls(&state);
    let data = rows
        .iter()
        .map(|(d, position)| {
            let mut v = video_json::video(&urls, d);
            v["userHistory"] = json!({ "currentTime": position });
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json::list(total, data)))
}

async fn remove(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    video: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    history::remove(&state.store, &me, video.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClearBody {
    before_date: Option<String>,
}

/// Clears the history, or only what is older than `beforeDate`. PeerTube documents a multipart
/// body; JSON and URL-encoded bodies are read too, and an empty body clears everything.
async fn clear(
    req: HttpRequest,
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let before = if body.is_empty() {
        None
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice::<ClearBody>(&body)
            .map_err(|e| ApiError::invalid_field("beforeDate", e.to_string()))?
            .before_date
    } else if content_type.starts_with("multipart/form-data") {
        let stream =
            futures_util::stream::once(
                async move { Ok::<_, actix_web::error::PayloadError>(body) },
            );
        let form = actix_multipart::Multipart::new(req.headers(), stream);
        match read_file_field(form, "beforeDate", 256).await {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).trim().to_string()),
            Err(e) if e.status == actix_web::http::StatusCode::BAD_REQUEST => None,
            Err(e) => return Err(e),
        }
    } else {
        serde_urlencoded::from_bytes::<ClearBody>(&body)
            .map_err(|e| ApiError::invalid_field("beforeDate", e.to_string()))?
            .before_date
    };
    let before = match before.filter(|s| !s.is_empty()) {
        Some(date) => Some(normalise_date(&date)?),
        None => None,
    };
    history::clear(&state.store, &me, before).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `beforeDate` as the store's timestamp format, so string comparison orders correctly.
fn normalise_date(date: &str) -> ApiResult<String> {
    crate::store::parse_timestamp(date)
        .ok_or_else(|| ApiError::invalid_field("beforeDate", "beforeDate must be an ISO 8601 date"))
}
