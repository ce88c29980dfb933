//! The HTTP server: routes grouped by audience (API, pages, assets), request logging, problem
//! JSON for every error, CORS on the API, body limits, and graceful shutdown.

pub mod activitypub;
pub mod api;
pub mod assets;
pub mod body;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod head;
pub mod https;
pub mod media;
pub mod metrics;
pub mod multipart;
pub mod pages;
pub mod proxy;
pub mod ranges;
pub mod remote_pictures;
pub mod video_assets;
pub mod well_known;

use std::time::Instant;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next, from_fn};
use actix_web::{App, HttpServer, web};

use crate::app::AppState;
use error::{ApiError, extractor_error};

/// Largest JSON body accepted by the API (uploads use their own streaming paths; forms:
/// `body::FORM_LIMIT`).
const JSON_LIMIT: usize = 1024 * 1024;

/// Builds the server on an already bound listener, speaking TLS with `tls` (HTTP/2 and
/// HTTP/1.1 by ALPN); awaiting it serves until its handle's `stop`, giving in-flight requests up
/// to 30 s. Call inside the actix system.
pub fn serve(
    state: AppState,
    listener: std::net::TcpListener,
    tls: Option<rustls::ServerConfig>,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(JSON_LIMIT)
                    .error_handler(|e, _| {
                        let status = match e {
                            actix_web::error::JsonPayloadError::Overflow { .. }
                            | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                                StatusCode::PAYLOAD_TOO_LARGE
                            }
                            actix_web::error::JsonPayloadError::ContentType => {
                                StatusCode::UNSUPPORTED_MEDIA_TYPE
                            }
                            _ => StatusCode::BAD_REQUEST,
                        };
                        extractor_error(e, status)
                    }),
            )
            .app_data(
                web::FormConfig::default()
                    .limit(body::FORM_LIMIT)
                    .error_handler(|e, _| {
                        let status = match e {
                            actix_web::error::UrlencodedError::Overflow { .. } => {
                                StatusCode::PAYLOAD_TOO_LARGE
                            }
                            actix_web::error::UrlencodedError::ContentType => {
                                StatusCode::UNSUPPORTED_MEDIA_TYPE
                            }
                            _ => StatusCode::BAD_REQUEST,
                        };
                        extractor_error(e, status)
                    }),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| extractor_error(e, StatusCode::BAD_REQUEST)),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| extractor_error(e, StatusCode::BAD_REQUEST)),
            )
            .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
            .wrap(from_fn(trim_api_slash))
            .wrap(from_fn(head::as_get))
            .wrap(from_fn(log_request))
            .wrap(from_fn(https::hsts))
            .wrap(from_fn(metrics::track))
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin")),
            )
            // Pages and JSON go out compressed; video and images are left alone by Compress,
            // range responses are marked identity by actix-files, and the front-end bundle
            // comes precompressed (its Content-Encoding makes Compress skip it).
            .wrap(actix_web::middleware::Compress::default())
            .service(
                web::scope("/api/v1")
                    .wrap(cors())
                    .configure(api::routes)
                    .default_service(web::to(api_not_found)),
            )
            .configure(metrics::routes)
            .configure(well_known::routes)
            // Before the pages: the same URLs answer ActivityPub when `Accept` asks for it.
            .configure(activitypub::routes)
            .configure(assets::routes)
            .configure(media::routes)
            .configure(video_assets::routes)
            .configure(api::video_source::download_routes)
            .configure(feeds::routes)
            .configure(pages::routes)
            .default_service(web::to(pages::not_found))
    })
    // A streamed body (a media range read on a blocking thread) leaves as a second write after
    // the headers; with Nagle's algorithm on, that write waited for the client's delayed ACK
    // (up to 40 ms): 100-byte ranges were answered in 28 ms on average, at 1,100 requests/s
    // with the cores two-thirds idle (docs/BENCHMARKS.md).
    .tcp_nodelay(true);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config)?,
        None => server.listen(listener)?,
    };
    // `server::run` installs the signal handlers itself, before it announces the address.
    Ok(server.disable_signals().shutdown_timeout(30).run())
}

/// PeerTube answers the API from any origin (it authenticates with bearer tokens, not cookies).
fn cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allow_any_method()
        .allow_any_header()
        .expose_headers(["Location", "Range", "Retry-After", "Content-Range"])
        .max_age(3600)
}

async fn api_not_found() -> error::ApiResult<actix_web::HttpResponse> {
    Err(ApiError::not_found("No such API route"))
}

/// Errors produced by actix itself (405, 404 from a resource, payload errors) come without a body
/// type; give them problem JSON too.
fn problem_for_bare_errors<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Ours carry their own type; actix's own errors (a body over an extractor's limit, a
    // header it could not build) come as bare text, which the API gives the problem shape too.
    let api = res.request().path().starts_with("/api/");
    let bare = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|t| api && t.as_bytes().starts_with(b"text/plain"));
    if !bare {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => "This method is not allowed on this route".to_string(),
        StatusCode::NOT_FOUND => "Not found".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "The body is too large".to_string(),
        other => other.canonical_reason().unwrap_or("Error").to_string(),
    };
    let (req, _) = res.into_parts();
    let response = actix_web::ResponseError::error_response(&ApiError::new(status, detail));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// `/api/v1/videos/` is `/api/v1/videos`, as PeerTube's (non-strict) routers have it: clients
/// rely on it (Thorium lists `videos/` and searches `search/videos/`, Grayjay checks an instance
/// with `config/`). Runs before routing, so every API route gets it.
async fn trim_api_slash(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    if path.starts_with("/api/v1/") && path.len() > "/api/v1/".len() && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let path_and_query = match req.query_string() {
            "" => trimmed.to_string(),
            query => format!("{trimmed}?{query}"),
        };
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = path_and_query.parse().ok();
        if let Ok(uri) = actix_web::http::Uri::from_parts(parts) {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
        }
    }
    next.call(req).await
}

async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_string();
    let client = proxy::client_addr(req.request())
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(%method, %path, status, ms, %client, "request");
    } else {
        tracing::info!(%method, %path, status, ms, %client, "request");
    }
    Ok(res)
}

/// Security headers for HTML pages.
pub fn html_security_headers(builder: &mut actix_web::HttpResponseBuilder) {
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: https:; media-src 'self' blob: https:; \
                 style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; \
                 form-action 'self'; frame-ancestors 'none'",
            ),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ));
}
