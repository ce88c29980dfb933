//! `GET /search/video-channels?search=`: channels whose name or display name contains the text
//! (videos are searched by `GET /search/videos` in videos.rs).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::json;
use super::users::urls;
use crate::app::AppState;
use crate::domain::channels;
use crate::http::error::ApiResult;
use crate::http::extract::Paging;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/search/video-channels", web::get().to(search_channels));
}

#[derive(Deserialize)]
struct SearchQuery {
    search: Option<String>,
}

async fn search_channels(
    state: web::Data<AppState>,
    q: web::Query<SearchQuery>,
    paging: web::Query<Paging>,
) -> ApiResult<HttpResponse> {
    let text = q.search.clone().unwrap_or_default();
    let (total, list) = if text.trim().is_empty() {
        (0, vec![])
    } else {
        channels::search(
            &state.store,
            text.trim().to_string(),
            paging.start()?,
            paging.count()?,
        )
        .await?
    };
    let urls = urls(&state);
    Ok(HttpResponse::Ok().json(json::list(
        total,
        list.iter().map(|c| json::channel(&urls, c)).collect(),
    )))
}
