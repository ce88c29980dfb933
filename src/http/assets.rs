//! Files embedded in the binary (the front-end bundle built by `build.rs`, icons, data) and the
//! avatar/banner images stored under the data directory.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use rust_embed::RustEmbed;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::remote_pictures;
use crate::store::images;

#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

/// The minified front-end (`web/src` bundled by esbuild in `build.rs`), each file with `.br` and
/// `.gz` copies compressed at build time.
#[derive(RustEmbed)]
#[folder = "$OUT_DIR/web/"]
pub struct Bundle;

/// Version tag appended to bundle URLs (`?v=`): a digest of the bundle, so a browser never mixes
/// a new binary's pages with its cached old scripts.
pub fn bundle_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut names: Vec<_> = Bundle::iter().collect();
        names.sort();
        let mut hasher = Sha256::new();
        for name in names {
            if let Some(file) = Bundle::get(&name) {
                hasher.update(file.metadata.sha256_hash());
            }
        }
        hex::encode(&hasher.finalize()[..6])
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/app/{file}", web::get().to(bundle))
        .route("/assets/{path:.*}", web::get().to(asset))
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

/// The encodings the client accepts among those the bundle is stored in, best first.
fn accepted_encodings(req: &HttpRequest) -> Vec<&'static str> {
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let offered = |name: &str| {
        accept.split(',').any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or("").trim();
            let refused = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .filter(|(name, _)| offered(name))
        .map(|(_, ext)| ext)
        .collect()
}

/// A bundle file, compressed as the client prefers (brotli, gzip, or as is). URLs carry `?v=`,
/// so the files are cached for a year.
async fn bundle(req: HttpRequest, file: web::Path<String>) -> ApiResult<HttpResponse> {
    let name = file.into_inner();
    let plain = Bundle::get(&name).ok_or_else(|| ApiError::not_found("No such asset"))?;
    let etag_base = hex::encode(&plain.metadata.sha256_hash()[..12]);
    let mut encoding = None;
    let mut data = plain.data;
    for ext in accepted_encodings(&req) {
        if let Some(compressed) = Bundle::get(&format!("{name}.{ext}")) {
            encoding = Some(if ext == "gz" { "gzip" } else { "br" });
            data = compressed.data;
            break;
        }
    }
    let etag = format!("\"{etag_base}-{}\"", encoding.unwrap_or("identity"));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.content_type(plain.metadata.mimetype())
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
        ]));
    if let Some(encoding) = encoding {
        res.insert_header((header::CONTENT_ENCODING, encoding));
    }
    if fresh {
        return Ok(res.finish());
    }
    Ok(res.body(data.into_owned()))
}

async fn favicon() -> HttpResponse {
    match Assets::get("icons/kinora.svg") {
        Some(file) => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Serves a stored avatar or banner, or a remote actor's (fetched from its origin and
/// re-encoded the first time). Only names that the database knows are served, so the path can
/// never reach another file.
async fn actor_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let name = file.into_inner();
    let image = {
        let name = name.clone();
        state
            .store
            .read(move |conn| images::by_filename(conn, &name))
            .await?
    };
    let image = image
        .filter(|_| !name.contains('/') && !name.starts_with('.'))
        .ok_or_else(|| ApiError::not_found("Image not found"))?;
    let path = match &image.remote_url {
        None => state.config.avatars_dir().join(&name),
        Some(origin) => {
            let path = state
                .video_paths()
                .remote_pictures()
                .join("actors")
                .join(&name);
            let fetched = state.federation.fetch_image(origin, "image/*");
            let (kind, width, height) = (image.kind.clone(), image.width, image.height);
            remote_pictures::keep(path.clone(), fetched, move |bytes| {
                crate::domain::images::render_remote(&bytes, &kind, width, height)
            })
            .await?;
            path
        }
    };
    let file = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::not_found("Image not found"))?;
    // Image names are unique per picture: a new picture gets a new name, so caching is safe.
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
