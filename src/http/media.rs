//! Media files under PeerTube's paths: `/static/streaming-playlists/hls/{uuid}/{fileUuid}-...`
//! (master and variant playlists, fragmented MP4s, segment hashes), progressive downloads
//! `/static/web-videos/{uuid}-{res}.mp4`, and torrents `/lazy-static/torrents/{uuid}-{res}.torrent`.
//! Byte ranges, ETag and Last-Modified come from actix-files; the video's privacy is enforced.

use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::app::AppState;
use crate::domain::videos::{self, VideoPaths};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::MaybeUser;
use crate::store::users::UserRow;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/static/streaming-playlists/hls/{uuid}/{file}",
        web::get().to(hls_file),
    )
    .route(
        "/static/streaming-playlists/hls/{uuid}/{file}",
        web::head().to(hls_file),
    )
    .route("/static/web-videos/{file}", web::get().to(web_video))
    .route("/static/web-videos/{file}", web::head().to(web_video))
    .route("/lazy-static/torrents/{file}", web::get().to(torrent));
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

/// Splits `<uuid>-<resolution><ext>` (the names of downloads and torrents).
fn rendition(file: &str, ext: &str) -> Option<(String, i64)> {
    let stem = file.strip_suffix(ext)?;
    let (uuid, res) = stem.rsplit_once('-')?;
    let res: i64 = res.parse().ok()?;
    uuid::Uuid::parse_str(uuid)
        .ok()
        .map(|_| (uuid.to_string(), res))
}

async fn hls_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (uuid, file) = path.into_inner();
    serve(&req, &state, user.as_ref(), &uuid, &file).await
}

/// The progressive download of a rendition: the same fragmented MP4 that HLS uses, which
/// browsers and players also read front to back.
async fn web_video(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (uuid, res) =
        rendition(&file, ".mp4").ok_or_else(|| ApiError::not_found("No such file"))?;
    serve(
        &req,
        &state,
        user.as_ref(),
        &uuid,
        &format!("{res}-fragmented.mp4"),
    )
    .await
}

async fn torrent(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    file: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (uuid, res) =
        rendition(&file, ".torrent").ok_or_else(|| ApiError::not_found("No such torrent"))?;
    let details = videos::get(&state.store, &uuid, user.as_ref()).await?;
    let name = VideoPaths::rendition_name(&details.video.uuid, res);
    let path = state
        .video_paths()
        .torrents()
        .join(format!("{name}.torrent"));
    let named = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::not_found("No such torrent"))?;
    let mime: mime::Mime = "application/x-bittorrent"
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    Ok(named
        .set_content_type(mime)
        .respond_to(&req)
        .map_into_boxed_body())
}

/// Serves one of a video's HLS files, if the viewer may see the video.
async fn serve(
    req: &HttpRequest,
    state: &AppState,
    user: Option<&UserRow>,
    uuid: &str,
    file: &str,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, uuid, user).await?;
    let name = stored_name(file, &details.video.hls_uuid)
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
        .respond_to(req)
        .map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::{rendition, stored_name};

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
        let uuid = "9c9de5e8-0a1e-484a-b099-e80766180a6d";
        assert_eq!(
            rendition(&format!("{uuid}-720.mp4"), ".mp4"),
            Some((uuid.to_string(), 720))
        );
        assert_eq!(rendition("../../x-720.mp4", ".mp4"), None);
    }
}
