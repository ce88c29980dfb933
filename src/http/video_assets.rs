//! A video's pictures and captions under PeerTube's paths: `/lazy-static/thumbnails/{file}`,
//! `/lazy-static/previews/{file}` and `/lazy-static/video-captions/{file}`. Every name is fresh
//! when its content changes, so responses are cached for good; names are unguessable, as on
//! PeerTube, which serves these without a privacy check.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::app::AppState;
use crate::federation::pictures::{self, Kind};
use crate::http::error::{ApiError, ApiResult};
use crate::http::remote_pictures;

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
    picture(&req, &state, &file, Kind::Thumbnail).await
}

async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    picture(&req, &state, &file, Kind::Preview).await
}

/// A local video's picture, or a remote video's, fetched from its origin the first time.
async fn picture(
    req: &HttpRequest,
    state: &AppState,
    file: &str,
    kind: Kind,
) -> ApiResult<HttpResponse> {
    let paths = state.video_paths();
    if let Some(local) = checked(file, ".jpg") {
        let dir = match kind {
            Kind::Thumbnail => paths.thumbnails(),
            Kind::Preview => paths.previews(),
        };
        return send(req, dir, Some(local), "image/jpeg").await;
    }
    let uuid = pictures::uuid_of(file).ok_or_else(|| ApiError::not_found("No such file"))?;
    let (dir, file) = (paths.remote_pictures(), file.to_string());
    if !dir.join(&file).exists() {
        let uuid = uuid.to_string();
        let video = state
            .store
            .read(move |c| crate::store::videos::by_uuid(c, &uuid))
            .await?;
        // Only the name made of the origin's current URL: anything else is not ours to fetch.
        let origin = video
            .and_then(|v| {
                pictures::origin_url(&v, kind)
                    .filter(|url| pictures::file_name(&v.uuid, url) == file)
            })
            .ok_or_else(|| ApiError::not_found("No such file"))?;
        let fetched = state.federation.fetch_picture(&origin);
        remote_pictures::keep(dir.join(&file), fetched, Ok).await?;
    }
    send(req, dir, Some(file), "image/jpeg").await
}

async fn caption(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let dir = state.video_paths().captions();
    send(&req, dir, checked(&file, ".vtt"), "text/vtt; charset=utf-8").await
}
