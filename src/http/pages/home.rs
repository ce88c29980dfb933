//! The home page: what this instance is and the channels on it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::render;
use crate::app::AppState;
use crate::domain::channels;
use crate::http::api::json;
use crate::http::api::users::urls;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

async fn home(state: web::Data<AppState>, MaybeUser(user): MaybeUser) -> ApiResult<HttpResponse> {
    let (total, list) = channels::list(&state.store, None, 0, 24, "-createdAt".into()).await?;
    let urls = urls(&state);
    let channels: Vec<_> = list.iter().map(|c| json::channel(&urls, c)).collect();
    Ok(render(
        &state,
        StatusCode::OK,
        "home.html",
        user.as_ref(),
        json!({ "channels": channels, "channels_total": total,
                "description": state.config.instance_description }),
    ))
}
