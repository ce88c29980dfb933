//! Files embedded in the binary (stylesheets, icons, data) and the avatar/banner images stored
//! under the data directory.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use rust_embed::RustEmbed;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::images;

#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{path:.*}", web::get().to(asset))
        .route("/favicon.ico", web::get().to(favicon))
        .route("/lazy-static/avatars/{file}", web::get().to(actor_image))
        .route("/lazy-static/banners/{file}", web::get().to(actor_image));
}

/// Embedded assets, with ETags from their content hash and a one-day cache.
async fn asset(req: HttpRequest, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let file = Assets::get(&path).ok_or_else(|| ApiError::not_found("No such asset"))?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok(HttpResponse::NotModified().finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header((header::ETAG, etag))
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(86_400),
        ]))
        .body(file.data.into_owned()))
}

async fn favicon() -> HttpResponse {
    match Assets::get("icons/kinora.svg") {
        Some(file) => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Serves a stored avatar or banner. Only names that the database knows are served, so the path
/// can never reach another file.
async fn actor_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let name = file.into_inner();
    let known = {
        let name = name.clone();
        state
            .store
            .read(move |conn| images::exists(conn, &name))
            .await?
    };
    if !known || name.contains('/') || name.starts_with('.') {
        return Err(ApiError::not_found("Image not found"));
    }
    let path = state.config.avatars_dir().join(&name);
    let file = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::not_found("Image not found"))?;
    // Image names are random per upload: a new picture gets a new name, so caching is safe.
    Ok(file
        .set_content_type(mime::IMAGE_JPEG)
        .customize()
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ]))
        .respond_to(&req)
        .map_into_boxed_body())
}
