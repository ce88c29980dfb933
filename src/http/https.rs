//! HTTPS on the HTTP side: the HSTS header on every response that went out over HTTPS, and the
//! plain-HTTP server (port 80 by default) that answers every request with a redirect to the
//! public HTTPS URL and serves nothing else.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One year, without `includeSubDomains` or `preload`: other sites of the same domain may still
/// serve plain HTTP, and the owner decides about preloading.
const HSTS: &str = "max-age=31536000";

pub async fn hsts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = super::proxy::is_https(req.request());
    let mut res = next.call(req).await?;
    if https
        && !res
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    Ok(res)
}

/// Where a plain-HTTP request is sent: the same path and query on the public HTTPS URL. The
/// request's Host header is ignored, so the redirect can never point at another site.
pub fn location(public_url: &str, req: &HttpRequest) -> String {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|p| p.starts_with('/'))
        .unwrap_or("/");
    format!("{}{path}", public_url.trim_end_matches('/'))
}

async fn redirect(req: HttpRequest, public_url: web::Data<String>) -> HttpResponse {
    // 301 for reads, as browsers and crawlers expect; 308 keeps the method and body of others.
    let status = if req.method() == Method::GET || req.method() == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    HttpResponse::build(status)
        .insert_header((header::LOCATION, location(&public_url, &req)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The redirect server on its own listener, with one worker: it only writes headers.
pub fn serve_redirect(
    listener: std::net::TcpListener,
    public_url: String,
) -> std::io::Result<actix_web::dev::Server> {
    let target = web::Data::new(public_url);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(target.clone())
            .default_service(web::to(redirect))
    })
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(5)
    .run())
}
