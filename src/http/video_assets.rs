//! A video's pictures and captions under PeerTube's paths: `/lazy-static/thumbnails/{file}`,
//! `/lazy-static/previews/{file}` and `/lazy-static/video-captions/{file}`. Every name is fresh
//! when its content changes, so responses are cached for good; names are unguessable, as on
//! PeerTube, which serves these without a privacy check.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/lazy-static/thumbnails/{file}", web::get().to(thumbnail))
        .route("/lazy-static/previews/{file}", web::get().to(preview))
        .route("/lazy-static/video-captions/{file}", web::get().to(caption));
}

/// `<uuid>.<ext>` and nothing else: no path can leave the directory.
fn checked(file: &str, ext: &str) -> Option<String> {
    let stem = file.strip_suffix(ext)?;
    uuid::Uuid::parse_str(stem).ok().map(|_| file.to_string())
}

async fn send(
    req: &HttpRequest,
    dir: std::path::PathBuf,
    file: Option<String>,
    mime: &str,
) -> ApiResult<HttpResponse> {
    let file = file.ok_or_else(|| ApiError::not_found("No such file"))?;
    let named = actix_files::NamedFile::open_async(dir.join(file))
        .await
        .map_err(|_| ApiError::not_found("No such file"))?;
    let mime: mime::Mime = mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    Ok(named
        .set_content_type(mime)
        .customize()
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ]))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .respond_to(req)
        .map_into_boxed_body())
}

async fn thumbnail(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let dir = state.video_paths().thumbnails();
    send(&req, dir, checked(&file, ".jpg"), "image/jpeg").await
}

async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let dir = state.video_paths().previews();
    send(&req, dir, checked(&file, ".jpg"), "image/jpeg").await
}

async fn caption(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let dir = state.video_paths().captions();
    send(&req, dir, checked(&file, ".vtt"), "text/vtt; charset=utf-8").await
}
