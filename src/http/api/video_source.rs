//! The uploaded original: `GET /api/v1/videos/{id}/source` (PeerTube's `VideoSource`, for whoever
//! may change the video) and its download `/download/original-video-files/{uuid}.{ext}`, which
//! takes the owner's session or bearer token, or a video file token.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::domain::videos::{self, VideoDetails};
use crate::domain::{DomainError, blocking};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, MaybeUser};
use crate::media::StreamKind;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/{id}/source", web::get().to(source));
}

/// Outside `/api/v1`: the download itself.
pub fn download_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/download/original-video-files/{file}",
        web::get().to(download),
    );
}

/// `<uuid>.<ext>`, the name the original is stored (and downloaded) under.
fn original_name(state: &AppState, d: &VideoDetails) -> String {
    let path = state.video_paths().original(&d.video);
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| d.video.uuid.clone())
}

/// What the probe says of an original: its resolution (PeerTube's `{id, label}`), picture size,
/// frame rate, and which tracks it has.
struct Original {
    resolution: Value,
    width: Option<u32>,
    height: Option<u32>,
    fps: Option<f64>,
    has_video: bool,
    has_audio: bool,
    download_url: String,
}

/// What an original's probe says that the answers need.
#[derive(Clone, Copy, Default)]
struct Probed {
    width: Option<u32>,
    height: Option<u32>,
    fps: Option<f64>,
    has_video: bool,
    has_audio: bool,
}

/// Probes of originals by path, size and modification time. While a video is processing, its
/// owner's page and peertube-cli ask for it every second or so, and each answer carries the
/// original's resolution: reading a long MP4's sample tables again each time took about 20 ms.
static PROBED: LazyLock<Mutex<HashMap<FileVersion, Probed>>> = LazyLock::new(Default::default);

/// A file as it is now: path, size and modification time.
type FileVersion = (PathBuf, u64, SystemTime);

/// Originals remembered at most (processing ones; the map is emptied when full).
const PROBED_MAX: usize = 256;

fn probe_cached(path: PathBuf) -> Probed {
    let key = std::fs::metadata(&path)
        .ok()
        .and_then(|m| Some((path.clone(), m.len(), m.modified().ok()?)));
    if let Some(key) = &key
        && let Some(hit) = PROBED.lock().ok().and_then(|m| m.get(key).copied())
    {
        return hit;
    }
    let report = crate::media::probe(&path).ok();
    let stream = |kind: StreamKind| {
        report
            .as_ref()
            .and_then(|r| r.streams.iter().find(|s| s.kind == kind))
    };
    let video = stream(StreamKind::Video);
    let probed = Probed {
        width: video.and_then(|v| v.display_width.or(v.width)),
        height: video.and_then(|v| v.display_height.or(v.height)),
        fps: video.and_then(|v| v.frame_rate),
        has_video: video.is_some(),
        has_audio: stream(StreamKind::Audio).is_some(),
    };
    if let (Some(key), Ok(mut map)) = (key, PROBED.lock()) {
        if map.len() >= PROBED_MAX {
            map.clear();
        }
        map.insert(key, probed);
    }
    probed
}

async fn probe_original(state: &AppState, details: &VideoDetails) -> ApiResult<Original> {
    let path = state.video_paths().original(&details.video);
    let probed = blocking(move || Ok(probe_cached(path))).await?;
    let height = probed.height;
    Ok(Original {
        resolution: match height {
            Some(h) => json!({ "id": h, "label": format!("{h}p") }),
            None => json!({ "id": 0, "label": "Audio only" }),
        },
        width: probed.width,
        height,
        fps: probed.fps,
        has_video: probed.has_video,
        has_audio: probed.has_audio,
        download_url: format!(
            "{}/download/original-video-files/{}",
            state.base_url(),
            original_name(state, details)
        ),
    })
}

async fn source(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, Some(&me)).await?;
    videos::require_manage(&me, &details)?;
    let original = probe_original(&state, &details).await?;
    let v = &details.video;
    Ok(HttpResponse::Ok().json(json!({
        "filename": v.original_filename,
        "inputFilename": v.original_filename,
        "fileDownloadUrl": original.download_url,
        "resolution": original.resolution,
        "size": v.original_size,
        "fps": original.fps,
        "width": original.width,
        "height": original.height,
        "createdAt": v.created_at,
    })))
}

/// The original as a `VideoFile`, which whoever may change a video sees in `files` until its
/// first rendition exists. PeerTube lists the uploaded file there until transcoding replaces
/// it, and peertube-cli, after an upload, polls `files[0].torrentUrl` until it is set (an
/// empty list makes it fail). The torrent fields stay empty, which is what it waits on, until
/// the rendition and its torrent are made.
pub async fn processing_file(state: &AppState, details: &VideoDetails) -> ApiResult<Value> {
    let original = probe_original(state, details).await?;
    Ok(json!({
        "id": 0,
        "resolution": original.resolution,
        "size": details.video.original_size,
        "width": original.width,
        "height": original.height,
        "fps": original.fps.map(|f| f.round() as i64),
        "hasAudio": original.has_audio,
        "hasVideo": original.has_video,
        "fileUrl": original.download_url,
        "fileDownloadUrl": original.download_url,
        "playlistUrl": null,
        "torrentUrl": "",
        "torrentDownloadUrl": "",
        "magnetUri": "",
        "metadataUrl": null,
    }))
}

/// The original's name for `Content-Disposition`: without control characters (a header
/// cannot carry them; an upload may have named them), in ASCII in `filename`, and exactly in
/// `filename*` (RFC 6266) when it is not ASCII.
fn download_name(name: &str) -> Vec<DispositionParam> {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    let ascii: String = clean
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let mut params = vec![DispositionParam::Filename(ascii)];
    if !clean.is_ascii() {
        params.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: clean.into_bytes(),
        }));
    }
    params
}

async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    file: web::Path<String>,
    query: web::Query<crate::http::media::FileQuery>,
) -> ApiResult<HttpResponse> {
    let uuid = file.split('.').next().unwrap_or_default();
    if uuid::Uuid::parse_str(uuid).is_err() {
        return Err(ApiError::not_found("No such file"));
    }
    let user = crate::http::media::viewer(&state, user, uuid, query.token()).await?;
    let user = user.ok_or_else(ApiError::unauthorized)?;
    let details = videos::get(&state.store, uuid, Some(&user)).await?;
    videos::require_manage(&user, &details)?;
    if original_name(&state, &details) != *file {
        return Err(ApiError::not_found("No such file"));
    }
    let path = state.video_paths().original(&details.video);
    let named = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(|_| ApiError::from(DomainError::NotFound("The original is gone".into())))?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: download_name(&details.video.original_filename),
    };
    Ok(named
        .set_content_disposition(disposition)
        .respond_to(&req)
        .map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/media/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_replaced_original_is_probed_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("original.mp4");
        std::fs::write(&path, fixture("rotated.mov")).unwrap();
        let first = probe_cached(path.clone());
        assert!(first.has_video && first.has_audio);
        assert_eq!(probe_cached(path.clone()).height, first.height);
        std::fs::write(&path, fixture("audio.m4a")).unwrap();
        let second = probe_cached(path.clone());
        assert!(!second.has_video && second.has_audio && second.height.is_none());
        std::fs::remove_file(&path).unwrap();
        let gone = probe_cached(path);
        assert!(!gone.has_video && !gone.has_audio);
    }
}
