//! The `Video` object exactly as PeerTube publishes it (watch link first, web video and HLS
//! links with their tags, jpeg icons, Person and Group in attributedTo), and the reading of a
//! remote one into a cached row plus the origin's media links.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::videos::VideoPaths;
use crate::federation::{FederationError, PUBLIC, host_of, id_of, ids_in, names_public, sanitize};
use crate::http::api::config::{CATEGORIES, LANGUAGES, LICENCES};
use crate::store::remote::RemoteVideo;
use crate::store::{StoreError, actors, captions, videos};

pub fn watch_url(base: &str, uuid: &str) -> String {
    format!("{base}/videos/watch/{uuid}")
}

/// Thumbnail and preview sizes (PeerTube's).
const THUMBNAIL: (i64, i64) = (280, 157);
const PREVIEW: (i64, i64) = (850, 480);

/// Everything about a local video a Video object needs, read in one go.
pub struct LocalVideo {
    pub video: videos::VideoRow,
    pub tags: Vec<String>,
    pub files: Vec<videos::FileRow>,
    pub captions: Vec<captions::CaptionRow>,
    pub channel_name: String,
    pub channel_actor_id: i64,
    pub account_name: String,
    pub account_actor_id: i64,
}

pub fn load(conn: &Connection, video_id: i64) -> Result<Option<LocalVideo>, StoreError> {
    let Some(video) = videos::by_id(conn, video_id)? else {
        return Ok(None);
    };
    if video.url.is_some() {
        return Ok(None);
    }
    let Some(channel) = actors::channel_by_id(conn, video.channel_id)? else {
        return Ok(None);
    };
    let Some(owner) = actors::account_by_id(conn, channel.account_id)? else {
        return Ok(None);
    };
    Ok(Some(LocalVideo {
        tags: videos::tags(conn, video.id)?,
        files: videos::files(conn, video.id)?,
        captions: captions::of_video(conn, video.id)?,
        channel_name: channel.actor.name,
        channel_actor_id: channel.actor.id,
        account_name: owner.actor.name,
        account_actor_id: owner.actor.id,
        video,
    }))
}

/// Whether a video is visible to the fediverse: public (unlisted travels too, unlisted in
/// the addressing), published, and with a thumbnail (PeerTube refuses a Video whose `icon` is
/// empty; a remux whose keyframes could not be decoded has none until one is uploaded).
pub fn federates(v: &videos::VideoRow) -> bool {
    (v.privacy == 1 || v.privacy == 2)
        && v.state == 1
        && v.url.is_none()
        && v.thumbnail_file.is_some()
}

/// A text PeerTube stores only from 3 characters on (a shorter description or support makes it
/// refuse the whole Video); the API refuses such texts, but rows written before may hold one.
fn peertube_text(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|t| t.chars().count() >= 3)
}

fn identifier(id: Option<i64>, labels: &[&str]) -> Value {
    match id {
        Some(i) if i >= 1 && (i as usize) <= labels.len() => {
            json!({ "identifier": i.to_string(), "name": labels[i as usize - 1] })
        }
        _ => Value::Null,
    }
}

/// The captions as PeerTube lists them: the language and a string `url` of the WebVTT file
/// (PeerTube 6 takes only a string there; 7 also a list of links, which it makes of a string).
fn subtitles(base: &str, captions: &[captions::CaptionRow]) -> Vec<Value> {
    captions
        .iter()
        .map(|c| {
            json!({
                "identifier": c.language,
                "name": LANGUAGES.get(&c.language).and_then(Value::as_str).unwrap_or(&c.language),
                "url": format!("{base}/lazy-static/video-captions/{}", c.file),
            })
        })
        .collect()
}

/// The Video object of a local video.
pub fn object(base: &str, l: &LocalVideo) -> Value {
    let v = &l.video;
    let id = watch_url(base, &v.uuid);
    let channel = format!("{base}/video-channels/{}", l.channel_name);
    let account = format!("{base}/accounts/{}", l.account_name);
    let hls_base = crate::http::api::video_json::hls_base_url(base, &v.uuid);
    let mut url = vec![json!({ "type": "Link", "mediaType": "text/html", "href": id })];
    for f in &l.files {
        let name = VideoPaths::rendition_name(&v.uuid, f.resolution);
        url.push(json!({
            "type": "Link", "mediaType": "video/mp4",
            "href": format!("{base}/static/web-videos/{name}.mp4"),
            "height": f.height, "width": f.width, "size": f.size, "fps": f.fps.round() as i64,
        }));
        if let Some(infohash) = &f.infohash {
            let torrent = format!("{base}/lazy-static/torrents/{name}.torrent");
            let web_seed = format!("{base}/static/web-videos/{name}.mp4");
            url.push(json!({
                "type": "Link", "mediaType": "application/x-bittorrent",
                "href": torrent,
                "height": f.height, "width": f.width, "fps": f.fps.round() as i64,
            }));
            // PeerTube reads a file's torrent URL (`xs`) and infohash only from the magnet
            // link of the same height, not from the .torrent link.
            url.push(json!({
                "type": "Link", "mediaType": "application/x-bittorrent;x-scheme-handler/magnet",
                "href": crate::domain::torrents::magnet(infohash, &format!("{name}.mp4"), &torrent, &web_seed),
                "height": f.height, "width": f.width, "fps": f.fps.round() as i64,
            }));
        }
    }
    if !l.files.is_empty() {
        let mut tag = vec![json!({
            "type": "Link", "name": "sha256", "mediaType": "application/json",
            "href": format!("{hls_base}/{}-segments-sha256.json", v.hls_uuid),
        })];
        for f in &l.files {
            tag.push(json!({
                "type": "Link", "mediaType": "video/mp4",
                "href": format!("{hls_base}/{}-{}-fragmented.mp4", v.hls_uuid, f.resolution),
                "height": f.height, "width": f.width, "size": f.size, "fps": f.fps.round() as i64,
            }));
        }
        url.push(json!({
            "type": "Link", "mediaType": "application/x-mpegURL",
            "href": format!("{hls_base}/{}-master.m3u8", v.hls_uuid),
            "tag": tag,
        }));
    }
    let mut icon = Vec::new();
    if let Some(t) = &v.thumbnail_file {
        icon.push(json!({ "type": "Image", "url": format!("{base}/lazy-static/thumbnails/{t}"), "mediaType": "image/jpeg", "width": THUMBNAIL.0, "height": THUMBNAIL.1 }));
    }
    if let Some(p) = &v.preview_file {
        icon.push(json!({ "type": "Image", "url": format!("{base}/lazy-static/previews/{p}"), "mediaType": "image/jpeg", "width": PREVIEW.0, "height": PREVIEW.1 }));
    }
    let language = v.language.as_ref().map(|code| {
        json!({ "identifier": code, "name": LANGUAGES.get(code).and_then(Value::as_str).unwrap_or(code) })
    });
    let followers = format!("{channel}/followers");
    let (to, cc) = if v.privacy == 1 {
        (json!([PUBLIC]), json!([followers]))
    } else {
        (json!([followers]), json!([PUBLIC]))
    };
    json!({
        "type": "Video",
        "id": id,
        "name": v.name,
        "duration": format!("PT{}S", v.duration),
        "uuid": v.uuid,
        "tag": l.tags.iter().map(|t| json!({ "type": "Hashtag", "name": t })).collect::<Vec<_>>(),
        "category": identifier(v.category, &CATEGORIES),
        "licence": identifier(v.licence, &LICENCES),
        "language": language,
        "views": v.views,
        "sensitive": v.nsfw,
        "waitTranscoding": v.wait_transcoding,
        "state": v.state,
        "commentsEnabled": v.comments_policy != 2,
        "commentsPolicy": v.comments_policy,
        "canReply": null,
        "downloadEnabled": v.download_enabled,
        "published": v.published_at.clone().unwrap_or_else(|| v.created_at.clone()),
        "originallyPublishedAt": v.originally_published_at,
        "updated": v.updated_at,
        "uploadDate": v.created_at,
        "mediaType": "text/markdown",
        "content": peertube_text(&v.description),
        "support": peertube_text(&v.support),
        "subtitleLanguage": subtitles(base, &l.captions),
        "icon": icon,
        "preview": [],
        "url": url,
        "likes": format!("{id}/likes"),
        "dislikes": format!("{id}/dislikes"),
        "shares": format!("{id}/announces"),
        "comments": format!("{id}/comments"),
        "hasParts": format!("{id}/chapters"),
        // PeerTube sizes its player with it before the video loads.
        "aspectRatio": videos::aspect_ratio(&l.files),
        "attributedTo": [
            { "type": "Person", "id": account },
            { "type": "Group", "id": channel },
        ],
        "to": to,
        "cc": cc,
        "isLiveBroadcast": false,
        "liveSaveReplay": null,
        "permanentLive": null,
        "latencyMode": null,
    })
}

/// A remote rendition as its origin links it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RemoteFile {
    pub url: String,
    pub height: i64,
    pub width: i64,
    pub size: i64,
    pub fps: f64,
}

/// The origin's links of a remote video, cached in `videos.remote_media`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RemoteMedia {
    pub watch_url: String,
    pub playlist_url: Option<String>,
    pub segments_sha256_url: Option<String>,
    pub hls_files: Vec<RemoteFile>,
    pub web_files: Vec<RemoteFile>,
    pub thumbnail_url: Option<String>,
    pub preview_url: Option<String>,
}

fn num(v: &Value, key: &str) -> i64 {
    match v.get(key) {
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn http_url(v: Option<&Value>) -> Option<String> {
    let s = v
        .and_then(id_of)
        .or_else(|| v.and_then(|x| x.get("href")).and_then(Value::as_str))?;
    (s.starts_with("https://") || s.starts_with("http://")).then(|| s.to_string())
}

fn file(link: &Value) -> Option<RemoteFile> {
    Some(RemoteFile {
        url: http_url(link.get("href"))?,
        height: num(link, "height"),
        width: num(link, "width"),
        size: num(link, "size"),
        fps: link.get("fps").and_then(Value::as_f64).unwrap_or(0.0),
    })
}

fn timestamp(v: Option<&Value>) -> Option<String> {
    crate::store::parse_timestamp(v?.as_str()?)
}

/// "PT123S" (PeerTube) or "PT1H2M3S" into seconds.
fn duration(text: &str) -> i64 {
    let Some(rest) = text.strip_prefix("PT") else {
        return 0;
    };
    let (mut total, mut number) = (0f64, String::new());
    for c in rest.chars() {
        match c {
            'H' | 'M' | 'S' => {
                let n: f64 = number.parse().unwrap_or(0.0);
                total += n * match c {
                    'H' => 3600.0,
                    'M' => 60.0,
                    _ => 1.0,
                };
                number.clear();
            }
            _ => number.push(c),
        }
    }
    total.round().clamp(0.0, 1e9) as i64
}

/// A remote Video read: the row to cache (its channel still to be set), the channel's and
/// the account's ids from `attributedTo`.
pub struct ParsedVideo {
    pub video: RemoteVideo,
    pub channel_url: String,
    pub account_url: Option<String>,
}

pub fn parse_remote(doc: &Value) -> Result<ParsedVideo, FederationError> {
    let bad = |m: &str| FederationError::BadRequest(format!("Video object: {m}"));
    if doc.get("type").and_then(Value::as_str) != Some("Video") {
        return Err(bad("not a Video"));
    }
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no id"))?
        .to_string();
    let host = host_of(&id).ok_or_else(|| bad("id is not a URL"))?;
    let uuid = doc
        .get("uuid")
        .and_then(Value::as_str)
        .and_then(|u| uuid::Uuid::parse_str(u).ok())
        .ok_or_else(|| bad("no uuid"))?
        .hyphenated()
        .to_string();
    let name = sanitize::line(
        doc.get("name").and_then(Value::as_str).unwrap_or_default(),
        120,
    );
    if name.is_empty() {
        return Err(bad("no name"));
    }
    let mut channel_url = None;
    let mut account_url = None;
    if let Some(Value::Array(list)) = doc.get("attributedTo") {
        for a in list {
            match a.get("type").and_then(Value::as_str) {
                Some("Group") => channel_url = id_of(a).map(str::to_string),
                Some("Person") => account_url = id_of(a).map(str::to_string),
                _ => {}
            }
        }
    }
    let channel_url = channel_url.ok_or_else(|| bad("no Group in attributedTo"))?;
    if host_of(&channel_url).as_deref() != Some(host.as_str()) {
        return Err(FederationError::Forbidden(
            "the video's channel is on another host".into(),
        ));
    }
    let (to, cc) = (ids_in(doc.get("to")), ids_in(doc.get("cc")));
    let privacy = if names_public(&to) {
        1
    } else if names_public(&cc) {
        2
    } else {
        return Err(FederationError::Forbidden(
            "only public videos are accepted".into(),
        ));
    };
    let mut media = RemoteMedia {
        watch_url: id.clone(),
        ..Default::default()
    };
    if let Some(Value::Array(links)) = doc.get("url") {
        for link in links {
            match link.get("mediaType").and_then(Value::as_str) {
                Some("text/html") => {
                    if let Some(u) = http_url(link.get("href")) {
                        media.watch_url = u;
                    }
                }
                Some("video/mp4") => media.web_files.extend(file(link)),
                Some("application/x-mpegURL") => {
                    media.playlist_url = http_url(link.get("href"));
                    if let Some(Value::Array(tags)) = link.get("tag") {
                        for t in tags {
                            match t.get("mediaType").and_then(Value::as_str) {
                                Some("video/mp4") => media.hls_files.extend(file(t)),
                                Some("application/json")
                                    if t.get("name").and_then(Value::as_str) == Some("sha256") =>
                                {
                                    media.segments_sha256_url = http_url(t.get("href"));
                                }
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    media.hls_files.truncate(16);
    media.web_files.truncate(16);
    let mut icons: Vec<(i64, String)> = match doc.get("icon") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|i| Some((num(i, "width"), http_url(i.get("url"))?)))
            .collect(),
        _ => vec![],
    };
    icons.sort();
    media.thumbnail_url = icons.first().map(|i| i.1.clone());
    media.preview_url = icons.last().map(|i| i.1.clone());
    let content = doc.get("content").and_then(Value::as_str).map(|c| {
        if doc.get("mediaType").and_then(Value::as_str) == Some("text/markdown") {
            c.chars()
                .filter(|ch| !ch.is_control() || *ch == '\n')
                .take(10_000)
                .collect()
        } else {
            sanitize::html_to_text(c, 10_000)
        }
    });
    let tags = match doc.get("tag") {
        Some(Value::Array(a)) => a
            .iter()
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .map(|t| sanitize::line(t.trim_start_matches('#'), 30))
            .filter(|t| t.chars().count() >= 2)
            .take(5)
            .collect(),
        _ => vec![],
    };
    let ident = |key: &str| {
        doc.get(key)
            .map(|c| num(c, "identifier"))
            .filter(|n| *n > 0)
    };
    let comments_policy = match doc.get("commentsPolicy").and_then(Value::as_i64) {
        Some(p @ 1..=3) => p,
        _ if doc.get("commentsEnabled").and_then(Value::as_bool) == Some(false) => 2,
        _ => 1,
    };
    Ok(ParsedVideo {
        video: RemoteVideo {
            url: id,
            uuid,
            channel_id: 0,
            name,
            description: content,
            support: doc
                .get("support")
                .and_then(Value::as_str)
                .map(|s| sanitize::line(s, 1000)),
            category: ident("category"),
            licence: ident("licence"),
            language: doc
                .get("language")
                .and_then(|l| l.get("identifier"))
                .and_then(Value::as_str)
                .map(|s| sanitize::line(s, 10)),
            privacy,
            nsfw: doc
                .get("sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            comments_policy,
            download_enabled: doc
                .get("downloadEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            state: doc
                .get("state")
                .and_then(Value::as_i64)
                .filter(|s| (1..=9).contains(s))
                .unwrap_or(1),
            duration: doc
                .get("duration")
                .and_then(Value::as_str)
                .map(duration)
                .unwrap_or(0),
            views: num(doc, "views").max(0),
            published_at: timestamp(doc.get("published")),
            updated_at: timestamp(doc.get("updated")),
            originally_published_at: timestamp(doc.get("originallyPublishedAt")),
            tags,
            media: serde_json::to_string(&media).unwrap_or_else(|_| "{}".into()),
        },
        channel_url,
        account_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(duration("PT12S"), 12);
        assert_eq!(duration("PT1H2M3S"), 3723);
        assert_eq!(duration("12"), 0);
    }
}
