//! Media files under PeerTube's paths: `/static/streaming-playlists/hls/{uuid}/{fileUuid}-...`
//! (master and variant playlists, fragmented MP4s, segment hashes), with byte ranges, ETag and
//! Last-Modified from actix-files, and the video's privacy enforced.

use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::app::AppState;
use crate::domain::videos;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::MaybeUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/static/streaming-playlists/hls/{uuid}/{file}",
        web::get().to(hls_file),
    )
    .route(
        "/static/streaming-playlists/hls/{uuid}/{file}",
        web::head().to(hls_file),
    );
}

/// Accepts PeerTube's names (`{fileUuid}-720.m3u8`) and the bare names the playlists use
/// (`720.m3u8`); anything else is not a file we serve.
fn stored_name(file: &str, hls_uuid: &str) -> Option<String> {
    let name = file.strip_prefix(&format!("{hls_uuid}-")).unwrap_or(file);
    let ok = name == "master.m3u8"
        || name == "segments-sha256.json"
        || name
            .strip_suffix(".m3u8")
            .or_else(|| name.strip_suffix("-fragmented.mp4"))
            .is_some_and(|res| !res.is_empty() && res.chars().all(|c| c.is_ascii_digit()));
    ok.then(|| name.to_string())
}

async fn hls_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (uuid, file) = path.into_inner();
    let details = videos::get(&state.store, &uuid, user.as_ref()).await?;
    let name = stored_name(&file, &details.video.hls_uuid)
        .ok_or_else(|| ApiError::not_found("No such file"))?;
    let full = state.video_paths().hls_dir(&details.video.uuid).join(&name);
    let named = actix_files::NamedFile::open_async(&full)
        .await
        .map_err(|_| ApiError::not_found("No such file"))?;
    let (content_type, cache) = if name.ends_with(".m3u8") {
        // Playlists change as renditions are added: revalidate every time.
        (
            "application/vnd.apple.mpegurl",
            CacheControl(vec![CacheDirective::NoCache]),
        )
    } else if name.ends_with(".json") {
        (
            "application/json",
            CacheControl(vec![CacheDirective::NoCache]),
        )
    } else {
        (
            "video/mp4",
            CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(3600)]),
        )
    };
    let mime: mime::Mime = content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    Ok(named
        .set_content_type(mime.clone())
        .customize()
        .insert_header(ContentType(mime))
        .insert_header(cache)
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .respond_to(&req)
        .map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::stored_name;

    #[test]
    fn only_known_file_names_are_served() {
        assert_eq!(
            stored_name("abc-master.m3u8", "abc").as_deref(),
            Some("master.m3u8")
        );
        assert_eq!(
            stored_name("abc-720-fragmented.mp4", "abc").as_deref(),
            Some("720-fragmented.mp4")
        );
        assert_eq!(stored_name("720.m3u8", "abc").as_deref(), Some("720.m3u8"));
        for bad in [
            "../kinora.sqlite3",
            "abc-x.m3u8",
            "-fragmented.mp4",
            "720.mp4",
            "abc-..m3u8",
        ] {
            assert_eq!(stored_name(bad, "abc"), None, "{bad}");
        }
    }
}
