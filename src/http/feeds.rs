//! Syndication: RSS 2.0 video feeds (`/feeds/videos.xml`, by `videoChannelId` or `accountId`)
//! with Media RSS enclosures, comment feeds (`/feeds/video-comments.xml`, by `videoId`,
//! `accountId` or `videoChannelId`), and oEmbed (`/services/oembed`) for link cards.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::domain::DomainError;
use crate::domain::videos::{self, VideoDetails};
use crate::http::error::{ApiError, ApiResult};
use crate::store::comments::{self, FeedScope};
use crate::store::videos::VideoFilter;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/feeds/videos.xml", web::get().to(videos_feed))
        .route("/feeds/videos.rss", web::get().to(videos_feed))
        .route("/feeds/video-comments.xml", web::get().to(comments_feed))
        .route("/feeds/video-comments.rss", web::get().to(comments_feed))
        .route("/services/oembed", web::get().to(oembed));
}

/// XML text escaping (the five predefined entities); small enough not to need a crate.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// RFC 822 date for RSS, from our ISO 8601 timestamps.
fn rfc822(iso: &str) -> String {
    time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc2822)
                .ok()
        })
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeedQuery {
    video_channel_id: Option<i64>,
    account_id: Option<i64>,
}

fn item(base: &str, d: &VideoDetails) -> String {
    let v = &d.video;
    let link = format!("{base}/videos/watch/{}", v.uuid);
    let media = d.files.first().map(|f| {
        let url = format!(
            "{}/{}-{}-fragmented.mp4",
            crate::http::api::video_json::hls_base_url(base, &v.uuid),
            v.hls_uuid,
            f.resolution
        );
        format!(
            r#"<enclosure url="{url}" length="{}" type="video/mp4"/><media:content url="{url}" fileSize="{}" type="video/mp4" medium="video" duration="{}" height="{}" width="{}"/>"#,
            f.size, f.size, v.duration, f.height, f.width
        )
    });
    format!(
        "<item><title>{}</title><link>{link}</link><guid isPermaLink=\"true\">{link}</guid><pubDate>{}</pubDate>\
         <description>{}</description><dc:creator>{}</dc:creator>{}<media:title>{}</media:title></item>",
        xml(&v.name),
        rfc822(v.published_at.as_deref().unwrap_or(&v.created_at)),
        xml(v.description.as_deref().unwrap_or("")),
        xml(&d.channel.channel.actor.display_name),
        media.unwrap_or_default(),
        xml(&v.name),
    )
}

async fn videos_feed(
    state: web::Data<AppState>,
    q: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    let filter = VideoFilter {
        channel_id: q.video_channel_id,
        account_id: q.account_id,
        sort: "-publishedAt".into(),
        count: 50,
        ..Default::default()
    };
    let (_, list) = videos::list(&state.store, filter).await?;
    let base = state.base_url();
    let items: String = list.iter().map(|d| item(&base, d)).collect();
    Ok(rss(
        &state,
        &state.settings().instance_name,
        "/feeds/videos.xml",
        &items,
    ))
}

/// The RSS document around `items`.
fn rss(state: &AppState, title: &str, self_path: &str, items: &str) -> HttpResponse {
    let base = state.base_url();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>\
         <title>{}</title><link>{base}</link><description>{}</description>\
         <atom:link href=\"{base}{self_path}\" rel=\"self\" type=\"application/rss+xml\"/>\
         <generator>Kinora</generator>{items}</channel></rss>",
        xml(title),
        xml(&state.settings().instance_short_description)
    );
    HttpResponse::Ok()
        .content_type("application/rss+xml; charset=utf-8")
        .body(body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommentFeedQuery {
    video_id: Option<String>,
    account_id: Option<i64>,
    video_channel_id: Option<i64>,
}

/// The newest 50 visible comments on public videos (of one video, account or channel).
async fn comments_feed(
    state: web::Data<AppState>,
    q: web::Query<CommentFeedQuery>,
) -> ApiResult<HttpResponse> {
    let video_id = match &q.video_id {
        // Only a video anyone may see has a feed; others are 404 like unknown ones.
        Some(id) => match videos::get(&state.store, id, None).await {
            Ok(d) => Some(d.video.id),
            Err(DomainError::InvalidToken(_) | DomainError::Forbidden(_)) => {
                return Err(ApiError::not_found("Video not found"));
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let scope = FeedScope {
        video_id,
        account_id: q.account_id,
        channel_id: q.video_channel_id,
    };
    let list = state
        .store
        .read(move |c| comments::recent_public(c, scope, 50))
        .await
        .map_err(|e| ApiError::from(DomainError::from(e)))?;
    let base = state.base_url();
    let items: String = list
        .iter()
        .map(|c| {
            let link = format!(
                "{base}/videos/watch/{};threadId={}",
                c.video_uuid, c.thread_id
            );
            format!(
                "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{base}/videos/watch/{}/comments/{}</guid>\
                 <pubDate>{}</pubDate><description>{}</description><dc:creator>{}</dc:creator></item>",
                xml(&c.video_name),
                xml(&link),
                c.video_uuid,
                c.id,
                rfc822(&c.created_at),
                xml(&c.text),
                xml(&format!("{} ({}@{})", c.author_display_name, c.author_name, state.host())),
            )
        })
        .collect();
    let title = format!("{} - Comments", state.settings().instance_name);
    Ok(rss(&state, &title, "/feeds/video-comments.xml", &items))
}

#[derive(Deserialize)]
struct OembedQuery {
    url: String,
    format: Option<String>,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
}

/// oEmbed for public and unlisted local videos; anything else is 404, as PeerTube answers.
async fn oembed(state: web::Data<AppState>, q: web::Query<OembedQuery>) -> ApiResult<HttpResponse> {
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return Err(ApiError::new(
            actix_web::http::StatusCode::NOT_IMPLEMENTED,
            "Only the json format is available",
        ));
    }
    let base = state.base_url();
    let id = q
        .url
        .strip_prefix(&base)
        .and_then(|path| {
            path.strip_prefix("/videos/watch/")
                .or_else(|| path.strip_prefix("/w/"))
        })
        .map(|id| id.split(['?', '#', '/']).next().unwrap_or(id))
        .ok_or_else(|| ApiError::bad_request("url must be a video watch URL of this instance"))?;
    let video = match videos::get(&state.store, id, None).await {
        Ok(v) => v,
        Err(
            DomainError::NotFound(_) | DomainError::InvalidToken(_) | DomainError::Forbidden(_),
        ) => {
            return Err(ApiError::not_found("Video not found"));
        }
        Err(e) => return Err(e.into()),
    };
    let width = q.maxwidth.unwrap_or(560).min(560);
    let height = q.maxheight.unwrap_or(315).min(315);
    let embed = format!("{base}/videos/embed/{}", video.video.uuid);
    let mut answer = json!({
        "type": "video",
        "version": "1.0",
        "html": format!(
            r#"<iframe width="{width}" height="{height}" sandbox="allow-same-origin allow-scripts allow-popups" title="{}" src="{embed}" frameborder="0" allowfullscreen></iframe>"#,
            xml(&video.video.name)
        ),
        "width": width,
        "height": height,
        "title": video.video.name,
        "author_name": video.channel.channel.actor.display_name,
        "author_url": format!("{base}/video-channels/{}", video.channel.channel.actor.name),
        "provider_name": state.settings().instance_name,
        "provider_url": base,
    });
    // The preview, as PeerTube gives it: Mastodon's link card takes its picture from here.
    if let Some(preview) = &video.video.preview_file {
        answer["thumbnail_url"] = json!(format!("{base}/lazy-static/previews/{preview}"));
        answer["thumbnail_width"] = json!(850);
        answer["thumbnail_height"] = json!(480);
    }
    Ok(HttpResponse::Ok().json(answer))
}

#[cfg(test)]
mod tests {
    use super::{rfc822, xml};

    #[test]
    fn escapes_and_dates() {
        assert_eq!(
            xml("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(
            rfc822("2026-11-22T05:35:17.123Z"),
            "Sun, 22 Nov 2026 05:35:17 +0000"
        );
    }
}
