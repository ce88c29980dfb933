//! Media files under PeerTube's paths: `/static/streaming-playlists/hls/{uuid}/{fileUuid}-...`
//! (master and variant playlists, fragmented MP4s, segment hashes), progressive downloads
//! `/static/web-videos/{uuid}-{res}.mp4`, torrents `/lazy-static/torrents/{uuid}-{res}.torrent`,
//! and the same files of private and internal videos under `.../private/...`. Byte ranges, ETag
//! and Last-Modified come from actix-files, several ranges from `ranges`; the video's privacy is
//! enforced with the viewer's session or bearer token, or a video file token in
//! `?videoFileToken=` (which `?reinjectVideoFileToken=true` writes into the playlists too, for
//! players that cannot add it to every request).

use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::videos::{self, VideoPaths};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::MaybeUser;
use crate::http::ranges;
use crate::store::users::{self, UserRow};

pub fn routes(cfg: &mut web::ServiceConfig) {
    for prefix in [
        "/static/streaming-playlists/hls",
        "/static/streaming-playlists/hls/private",
    ] {
        let path = format!("{prefix}/{{uuid}}/{{file}}");
        cfg.route(&path, web::get().to(hls_file));
    }
    for path in [
        "/static/web-videos/{file}",
        "/static/web-videos/private/{file}",
    ] {
        cfg.route(path, web::get().to(web_video));
    }
    cfg.route("/lazy-static/torrents/{file}", web::get().to(torrent));
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileQuery {
    video_file_token: Option<String>,
    #[serde(default)]
    reinject_video_file_token: bool,
}

impl FileQuery {
    pub fn token(&self) -> Option<&str> {
        self.video_file_token.as_deref()
    }
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

/// Who is asking: the signed-in user, else the (unblocked) user a valid video file token for
/// this video was issued to.
pub async fn viewer(
    state: &AppState,
    user: Option<UserRow>,
    uuid: &str,
    token: Option<&str>,
) -> ApiResult<Option<UserRow>> {
    if user.is_some() {
        return Ok(user);
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let Some(user_id) = token.and_then(|t| state.video_tokens.verify(t, uuid, now)) else {
        return Ok(None);
    };
    let user = state
        .store
        .read(move |c| users::by_id(c, user_id))
        .await
        .map_err(|e| ApiError::from(DomainError::from(e)))?;
    Ok(user.filter(|u| !u.blocked))
}

async fn hls_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    path: web::Path<(String, String)>,
    query: web::Query<FileQuery>,
) -> ApiResult<HttpResponse> {
    let (uuid, file) = path.into_inner();
    let token = query.video_file_token.as_deref();
    let user = viewer(&state, user, &uuid, token).await?;
    let reinject = token.filter(|_| query.reinject_video_file_token && user.is_some());
    serve(&req, &state, user.as_ref(), &uuid, &file, reinject).await
}

/// The progressive download of a rendition: the same fragmented MP4 that HLS uses, which
/// browsers and players also read front to back.
async fn web_video(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    file: web::Path<String>,
    query: web::Query<FileQuery>,
) -> ApiResult<HttpResponse> {
    let (uuid, res) =
        rendition(&file, ".mp4").ok_or_else(|| ApiError::not_found("No such file"))?;
    let user = viewer(&state, user, &uuid, query.video_file_token.as_deref()).await?;
    let file = format!("{res}-fragmented.mp4");
    serve(&req, &state, user.as_ref(), &uuid, &file, None).await
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

/// Appends the token to every URI of a playlist: variant playlists keep asking for
/// reinjection, so the media playlists they return carry the token to the segments too.
fn reinject_token(playlist: &str, token: &str) -> String {
    let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let with_token = |uri: &str| {
        if uri.ends_with(".m3u8") {
            format!("{uri}?videoFileToken={token}&reinjectVideoFileToken=true")
        } else {
            format!("{uri}?videoFileToken={token}")
        }
    };
    let mut out = String::with_capacity(playlist.len() * 2);
    for line in playlist.lines() {
        if let Some(rest) = line.strip_prefix("#EXT-X-MAP:URI=\"")
            && let Some((uri, after)) = rest.split_once('"')
        {
            out.push_str(&format!("#EXT-X-MAP:URI=\"{}\"{after}", with_token(uri)));
        } else if line.is_empty() || line.starts_with('#') {
            out.push_str(line);
        } else {
            out.push_str(&with_token(line));
        }
        out.push('\n');
    }
    out
}

/// Serves one of a video's HLS files, if the viewer may see the video.
async fn serve(
    req: &HttpRequest,
    state: &AppState,
    user: Option<&UserRow>,
    uuid: &str,
    file: &str,
    reinject: Option<&str>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, uuid, user).await?;
    let name = stored_name(file, &details.video.hls_uuid)
        .ok_or_else(|| ApiError::not_found("No such file"))?;
    let full = state.video_paths().hls_dir(&details.video.uuid).join(&name);
    let not_found = |_| ApiError::not_found("No such file");
    if let Some(token) = reinject.filter(|_| name.ends_with(".m3u8")) {
        let text = tokio::fs::read_to_string(&full).await.map_err(not_found)?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.apple.mpegurl")
            .insert_header(CacheControl(vec![
                CacheDirective::Private,
                CacheDirective::NoStore,
            ]))
            .insert_header(("Access-Control-Allow-Origin", "*"))
            .body(reinject_token(&text, token)));
    }
    let named = actix_files::NamedFile::open_async(&full)
        .await
        .map_err(not_found)?;
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
        // A rendition's file keeps its name until the video is deleted, unless the ladder
        // replaces the original's rung with AV1 under the same name: then caches revalidate.
        let scope = if details.video.privacy <= 2 {
            CacheDirective::Public
        } else {
            CacheDirective::Private
        };
        let mut cache = vec![scope];
        if state.config.ladder.top_rung == crate::media::TopRung::KeepOriginal {
            cache.push(CacheDirective::MaxAge(31_536_000));
            cache.push(CacheDirective::Extension("immutable".into(), None));
        } else {
            cache.push(CacheDirective::MaxAge(3600));
        }
        let audio_only = name
            .strip_suffix("-fragmented.mp4")
            .and_then(|res| res.parse::<i64>().ok())
            .and_then(|res| details.files.iter().find(|f| f.resolution == res))
            .is_some_and(|f| !f.has_video);
        (
            if audio_only { "audio/mp4" } else { "video/mp4" },
            CacheControl(cache),
        )
    };
    if !name.ends_with(".m3u8")
        && !name.ends_with(".json")
        && let Ok(meta) = named.file().metadata()
        && let Some(parts) = ranges::multiple(req, meta.len())
    {
        let res = ranges::respond(&full, meta.len(), content_type, parts).map_err(not_found)?;
        return Ok(res);
    }
    let mime: mime::Mime = content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let len = named.metadata().len();
    let same_file = named.file().try_clone();
    let res = named
        .set_content_type(mime.clone())
        .customize()
        .insert_header(ContentType(mime))
        .insert_header(cache)
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .respond_to(req)
        .map_into_boxed_body();
    Ok(match same_file {
        Ok(file) => ranges::with_large_reads(res, file, len),
        Err(_) => res,
    })
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
