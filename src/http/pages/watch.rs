//! The watch page (`/videos/watch/{uuid}`, `/w/{shortUUID}`) with OpenGraph, Twitter card and
//! oEmbed discovery, and the bare embed player (`/videos/embed/{uuid}`). The `<video>` element
//! plays without JavaScript: native HLS where the browser has it, else the top rendition's
//! fragmented MP4 progressively.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::render;
use crate::app::AppState;
use crate::domain::{DomainError, videos};
use crate::http::api::users::urls;
use crate::http::api::video_json;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/watch/{id}", web::get().to(watch))
        .route("/w/{id}", web::get().to(watch))
        .route("/videos/embed/{id}", web::get().to(embed));
}

async fn load(
    state: &AppState,
    user: Option<&crate::store::users::UserRow>,
    id: &str,
) -> Result<Option<serde_json::Value>, DomainError> {
    match videos::get(&state.store, id, user).await {
        Ok(d) => Ok(Some(video_json::details(&urls(state), &d))),
        Err(
            DomainError::NotFound(_) | DomainError::Forbidden(_) | DomainError::InvalidToken(_),
        ) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn watch(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Some(video) = load(&state, user.as_ref(), &id).await? else {
        return Ok(super::not_found_page(&state, user.as_ref()));
    };
    let base = state.base_url();
    let watch_url = format!(
        "{base}/videos/watch/{}",
        video["uuid"].as_str().unwrap_or_default()
    );
    let oembed = format!(
        "{base}/services/oembed?url={}",
        form_urlencoded::byte_serialize(watch_url.as_bytes()).collect::<String>()
    );
    Ok(render(
        &state,
        StatusCode::OK,
        "watch.html",
        user.as_ref(),
        json!({ "video": video, "watch_url": watch_url, "embed_url": format!("{base}/videos/embed/{}", video["uuid"].as_str().unwrap_or_default()), "oembed_url": oembed, "base_url": base }),
    ))
}

/// PeerTube's embed options: `start` (seconds, or `1m30s`), `autoplay`, `muted`, `loop`, `title`.
#[derive(Deserialize)]
struct EmbedQuery {
    start: Option<String>,
    autoplay: Option<String>,
    muted: Option<String>,
    #[serde(rename = "loop")]
    repeat: Option<String>,
    title: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true"))
}

/// `90`, `90s`, `1m30s`, `1h2m3s` -> seconds.
fn parse_start(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' => {
                let n: u64 = number.parse().ok()?;
                total += n * match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                number.clear();
            }
            _ => return None,
        }
    }
    number.is_empty().then_some(total)
}

async fn embed(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    q: web::Query<EmbedQuery>,
) -> ApiResult<HttpResponse> {
    let video = load(&state, user.as_ref(), &id).await?;
    let ctx = json!({
        "video": video,
        "start": q.start.as_deref().and_then(parse_start),
        "autoplay": flag(&q.autoplay),
        "muted": flag(&q.muted),
        "repeat": flag(&q.repeat),
        "show_title": q.title.as_deref() != Some("0"),
    });
    let status = if video.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut response = render(&state, status, "embed.html", None, ctx);
    // Embeds exist to be framed by other sites.
    response.headers_mut().remove(header::X_FRAME_OPTIONS);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors *"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::parse_start;

    #[test]
    fn start_times_parse_like_peertube() {
        assert_eq!(parse_start("90"), Some(90));
        assert_eq!(parse_start("1m30s"), Some(90));
        assert_eq!(parse_start("1h0m5s"), Some(3605));
        assert_eq!(parse_start("soon"), None);
        assert_eq!(parse_start("5x"), None);
    }
}
