//! `GET /api/v1/server/stats`: public instance statistics in PeerTube's `ServerStats` shape.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::domain::stats;
use crate::http::error::ApiResult;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/server/stats", web::get().to(server_stats));
}

async fn server_stats(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(stats::server_stats(&state.store).await?))
}
