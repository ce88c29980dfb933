//! `GET /metrics` for Prometheus, served only to loopback clients that did not come through a
//! proxy, or to any client with `Authorization: Bearer <metrics.token>`; and the middleware
//! that counts and times every request by its route pattern.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use crate::app::AppState;
use crate::metrics::{self, metrics};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    metrics().http_request(
        res.request().method().as_str(),
        &route,
        res.status().as_u16(),
        started.elapsed(),
    );
    Ok(res)
}

/// Compares digests, so the time taken says nothing about how much of the token matched.
fn token_matches(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

fn allowed(req: &HttpRequest, token: Option<&str>) -> bool {
    if let Some(expected) = token
        && let Some(given) = super::extract::request_token(req)
        && token_matches(&given, expected)
    {
        return true;
    }
    // A local reverse proxy connects from loopback too: what it forwards is not local.
    req.peer_addr().is_some_and(|p| p.ip().is_loopback()) && !super::proxy::via_proxy(req)
}

fn internal(message: String) -> ApiError {
    tracing::error!(error = %message, "metrics");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "An internal error occurred; it has been logged.",
    )
}

async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if !allowed(&req, state.config.metrics_token.as_deref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Metrics are served to loopback clients, or with the metrics.token bearer token",
        ));
    }
    let store = state.store.clone();
    let data_dir = state.config.data_dir.clone();
    let not_after = state
        .tls_status
        .as_ref()
        .and_then(|s| s.get())
        .map(|c| c.not_after);
    let body = tokio::task::spawn_blocking(move || {
        let m = metrics();
        metrics::scrape::refresh(m, &store, &data_dir, not_after)?;
        m.encode()
            .map_err(|e| internal(format!("cannot encode metrics: {e}")))
    })
    .await
    .map_err(|e| internal(format!("metrics task failed: {e}")))??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, metrics::CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
