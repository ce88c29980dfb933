//! The uploaded original: `GET /api/v1/videos/{id}/source` (PeerTube's `VideoSource`, for whoever
//! may change the video) and its download `/download/original-video-files/{uuid}.{ext}`, which
//! takes the owner's session or bearer token, or a video file token.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use serde_json::json;

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

async fn source(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let details = videos::get(&state.store, &id, Some(&me)).await?;
    videos::require_manage(&me, &details)?;
    let path = state.video_paths().original(&details.video);
    // The probe reads headers only: milliseconds even for a large original.
    let report = blocking(move || Ok(crate::media::probe(&path).ok())).await?;
    let video = report
        .as_ref()
        .and_then(|r| r.streams.iter().find(|s| s.kind == StreamKind::Video));
    let height = video.and_then(|v| v.display_height.or(v.height));
    let resolution = match height {
        Some(h) => json!({ "id": h, "label": format!("{h}p") }),
        None => json!({ "id": 0, "label": "Audio only" }),
    };
    let v = &details.video;
    Ok(HttpResponse::Ok().json(json!({
        "filename": v.original_filename,
        "inputFilename": v.original_filename,
        "fileDownloadUrl": format!(
            "{}/download/original-video-files/{}",
            state.base_url(),
            original_name(&state, &details)
        ),
        "resolution": resolution,
        "size": v.original_size,
        "fps": video.and_then(|v| v.frame_rate),
        "width": video.and_then(|v| v.display_width.or(v.width)),
        "height": height,
        "createdAt": v.created_at,
    })))
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
        parameters: vec![DispositionParam::Filename(
            details.video.original_filename.clone(),
        )],
    };
    Ok(named
        .set_content_disposition(disposition)
        .respond_to(&req)
        .map_into_boxed_body())
}
