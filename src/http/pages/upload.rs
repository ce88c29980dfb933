//! The upload page (`/videos/upload`; its script `web/src/upload.ts` talks to the resumable
//! upload API) and the Markdown preview its description field uses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{markdown, render, see_other};
use crate::app::AppState;
use crate::domain::users;
use crate::http::api::config::{CATEGORIES, LANGUAGES, LICENCES, PRIVACIES};
use crate::http::api::json;
use crate::http::api::users::urls;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;

/// The longest description accepted, as the API's.
const MAX_PREVIEW: usize = 10_000 * 4;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/upload", web::get().to(upload_page))
        .route("/markdown-preview", web::post().to(preview));
}

/// `[(id, label)]` for a select, ids as strings as PeerTube keys them.
pub fn numbered(labels: &[&str]) -> Vec<(String, String)> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| ((i + 1).to_string(), l.to_string()))
        .collect()
}

pub fn languages() -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = LANGUAGES
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or(k).to_string()))
                .collect()
        })
        .unwrap_or_default();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

async fn upload_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(see_other("/login?next=/videos/upload"));
    };
    let details = users::details(&state.store, user.id).await?;
    let me = json::user(&urls(&state), &details);
    let channels = me["videoChannels"].clone();
    Ok(render(
        &state,
        StatusCode::OK,
        "upload.html",
        Some(&user),
        json!({
            "channels": channels,
            "privacies": numbered(&PRIVACIES[..4]),
            "categories": numbered(&CATEGORIES),
            "licences": numbered(&LICENCES),
            "languages": languages(),
            "max_size": state.config.upload_max_size,
            "max_picture": state.config.avatar_max_size,
            "chunk_size": state.config.upload_chunk_size,
        }),
    ))
}

/// Markdown in, sanitised HTML out (the same renderer as the watch page).
async fn preview(body: String) -> HttpResponse {
    let text: String = body.chars().take(MAX_PREVIEW).collect();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(markdown::to_html(&text))
}
