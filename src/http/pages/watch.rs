//! The watch page (`/videos/watch/{uuid}`, `/w/{shortUUID}`) with OpenGraph, Twitter card and
//! oEmbed discovery, and the bare embed player (`/videos/embed/{uuid}`). The `<video>` element
//! plays without JavaScript: native HLS where the browser has it, else the top rendition's
//! fragmented MP4 progressively.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render;
use crate::app::AppState;
use crate::domain::videos::VideoDetails;
use crate::domain::{DomainError, comments, history, videos};
use crate::http::api::users::urls;
use crate::http::api::video_json;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;

/// How many comment threads the page itself renders for browsers without JavaScript.
const NOSCRIPT_THREADS: i64 = 20;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/watch/{id}", web::get().to(watch))
        .route("/w/{id}", web::get().to(watch))
        .route("/videos/embed/{id}", web::get().to(embed));
}

async fn load(
    state: &AppState,
    user: Option<&crate::store::users::UserRow>,
    id: &str,
) -> Result<Option<(VideoDetails, Value)>, DomainError> {
    match videos::get(&state.store, id, user).await {
        Ok(d) => {
            let json = video_json::details(&urls(state), &d);
            Ok(Some((d, json)))
        }
        Err(
            DomainError::NotFound(_) | DomainError::Forbidden(_) | DomainError::InvalidToken(_),
        ) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What the player script needs (`#player-data`): the master playlist, the progressive files,
/// the start position and options, and where a signed-in viewer stopped.
fn player_data(
    video: &Value,
    options: &EmbedOptions,
    history_time: Option<i64>,
    signed_in: bool,
) -> Value {
    let files: Vec<Value> = video["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    json!({ "resolution": f["resolution"]["id"], "label": f["resolution"]["label"],
                            "url": f["fileUrl"] })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": video["id"],
        "uuid": video["uuid"],
        "hls": video["streamingPlaylists"][0]["playlistUrl"],
        "files": files,
        "start": options.start,
        "autoplay": options.autoplay,
        "muted": options.muted,
        "loop": options.repeat,
        "signedIn": signed_in,
        "historyTime": history_time,
    })
}

async fn watch(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    q: web::Query<EmbedQuery>,
    notice: web::Query<super::report::ReportNotice>,
) -> ApiResult<HttpResponse> {
    let Some((details, video)) = load(&state, user.as_ref(), &id).await? else {
        return Ok(super::not_found_page(&state, user.as_ref()));
    };
    let base = state.base_url();
    let uuid = details.video.uuid.clone();
    let watch_url = format!("{base}/videos/watch/{uuid}");
    let oembed = format!(
        "{base}/services/oembed?url={}",
        form_urlencoded::byte_serialize(watch_url.as_bytes()).collect::<String>()
    );
    let (my_rating, history_time) = match &user {
        Some(u) => (
            videos::rating(&state.store, u, &uuid).await?.1,
            history::position(&state.store, u, details.video.id).await?,
        ),
        None => (None, None),
    };
    let options = EmbedOptions::from(&q.into_inner());
    let mut data = player_data(&video, &options, history_time, user.is_some());
    data["channelHandle"] = json!(format!(
        "{}@{}",
        details.channel.channel.actor.name,
        state.host()
    ));
    data["me"] = json!(user.as_ref().map(|u| u.username.clone()));
    data["commentsEnabled"] = video["commentsEnabled"].clone();
    // The newest threads, rendered for browsers without JavaScript (with their report forms).
    let (_, _, threads) = comments::threads(
        &state.store,
        user.as_ref(),
        &uuid,
        true,
        0,
        NOSCRIPT_THREADS,
    )
    .await?;
    let links = urls(&state);
    let noscript_comments: Vec<Value> = threads
        .iter()
        .map(|c| crate::http::api::comments::comment_json(&links, c))
        .collect();
    Ok(render(
        &state,
        StatusCode::OK,
        "watch.html",
        user.as_ref(),
        json!({ "video": video, "watch_url": watch_url, "embed_url": format!("{base}/videos/embed/{uuid}"),
                "oembed_url": oembed, "base_url": base, "my_rating": my_rating, "player_data": data,
                "start": options.start, "reported": notice.reported.is_some(),
                "report_error": notice.report_error, "noscript_comments": noscript_comments,
                "our_host": state.host(),
                "report_reasons": crate::domain::abuse_reasons::PREDEFINED_REASONS }),
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

/// The embed options, parsed.
struct EmbedOptions {
    start: Option<u64>,
    autoplay: bool,
    muted: bool,
    repeat: bool,
    show_title: bool,
}

impl From<&EmbedQuery> for EmbedOptions {
    fn from(q: &EmbedQuery) -> Self {
        EmbedOptions {
            start: q.start.as_deref().and_then(parse_start),
            autoplay: flag(&q.autoplay),
            muted: flag(&q.muted),
            repeat: flag(&q.repeat),
            show_title: q.title.as_deref() != Some("0"),
        }
    }
}

async fn embed(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    q: web::Query<EmbedQuery>,
) -> ApiResult<HttpResponse> {
    let loaded = load(&state, user.as_ref(), &id).await?;
    let options = EmbedOptions::from(&q.into_inner());
    let history_time = match (&user, &loaded) {
        (Some(u), Some((d, _))) => history::position(&state.store, u, d.video.id).await?,
        _ => None,
    };
    let video = loaded.map(|(_, v)| v);
    let data = video
        .as_ref()
        .map(|v| player_data(v, &options, history_time, user.is_some()));
    let ctx = json!({
        "video": video,
        "player_data": data,
        "start": options.start,
        "autoplay": options.autoplay,
        "muted": options.muted,
        "repeat": options.repeat,
        "show_title": options.show_title,
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
