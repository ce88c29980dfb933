//! Captions: `GET /videos/{id}/captions`, `PUT /videos/{id}/captions/{lang}` (multipart field
//! `captionfile`, WebVTT or SubRip, stored as WebVTT) and `DELETE /videos/{id}/captions/{lang}`.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::config::LANGUAGES;
use super::json;
use crate::app::AppState;
use crate::domain::captions::{self, MAX_CAPTION_BYTES};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, MaybeUser};
use crate::http::multipart::read_file_field;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/{id}/captions", web::get().to(list))
        .route("/videos/{id}/captions/{lang}", web::put().to(put))
        .route("/videos/{id}/captions/{lang}", web::delete().to(delete));
}

/// PeerTube's `{id, label}` of a language code.
fn language(code: &str) -> Value {
    let label = LANGUAGES
        .get(code)
        .cloned()
        .unwrap_or_else(|| Value::String(code.to_string()));
    json!({ "id": code, "label": label })
}

fn known_language(code: &str) -> ApiResult<String> {
    if LANGUAGES.get(code).is_some() {
        Ok(code.to_string())
    } else {
        Err(ApiError::not_found(format!(
            "Unknown caption language {code:?}: see GET /api/v1/videos/languages"
        )))
    }
}

async fn list(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let rows = captions::list(&state.store, &id, user.as_ref()).await?;
    let base = state.base_url();
    let data: Vec<Value> = rows
        .iter()
        .map(|c| {
            let path = format!("/lazy-static/video-captions/{}", c.file);
            json!({
                "language": language(&c.language),
                "captionPath": path,
                "fileUrl": format!("{base}{path}"),
                "automaticallyGenerated": false,
                "updatedAt": c.updated_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json::list(data.len() as i64, data)))
}

async fn put(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<(String, String)>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let (id, lang) = path.into_inner();
    let lang = known_language(&lang)?;
    let bytes = read_file_field(form, "captionfile", MAX_CAPTION_BYTES).await?;
    captions::put(&state.store, &state.video_paths(), &me, &id, lang, bytes).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete(
    state: web::Data<AppState>,
    AuthUser(me): AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, lang) = path.into_inner();
    let lang = known_language(&lang)?;
    captions::delete(&state.store, &state.video_paths(), &me, &id, lang).await?;
    Ok(HttpResponse::NoContent().finish())
}
