//! PeerTube's `Video` and `VideoDetails` shapes, with the HLS streaming playlist and its files
//! under PeerTube's URL layout (`/static/streaming-playlists/hls/{uuid}/{fileUuid}-...`).

use crate::federation::pictures;
use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Value, json};

use super::config::{CATEGORIES, LANGUAGES, LICENCES, PRIVACIES};
use super::json::{self, AccountSummary, ImageJson, Urls};
use crate::domain::torrents;
use crate::domain::video_ids::short_uuid;
use crate::domain::videos::VideoDetails;
use crate::domain::videos::VideoPaths;
use crate::store::videos::FileRow;

/// `{id, label}` of a numbered constant (category, licence, privacy, state).
#[derive(Serialize)]
pub struct Labelled<I> {
    id: Option<I>,
    label: &'static str,
}

fn labelled(id: Option<i64>, labels: &[&'static str]) -> Labelled<i64> {
    match id {
        Some(i) if i >= 1 && (i as usize) <= labels.len() => Labelled {
            id: Some(i),
            label: labels[i as usize - 1],
        },
        _ => Labelled {
            id: None,
            label: "Unknown",
        },
    }
}

/// `{id, label}` of a language: the code and its English name (the code itself when unknown).
#[derive(Serialize)]
struct LanguageLabel<'a> {
    id: Option<&'a str>,
    label: &'a str,
}

fn language(code: Option<&str>) -> LanguageLabel<'_> {
    match code {
        Some(code) => LanguageLabel {
            id: Some(code),
            label: LANGUAGES.get(code).and_then(Value::as_str).unwrap_or(code),
        },
        None => LanguageLabel {
            id: None,
            label: "Unknown",
        },
    }
}

fn state_label(state: i64) -> &'static str {
    match state {
        1 => "Published",
        2 => "To transcode",
        3 => "To import",
        7 => "Transcoding failed",
        _ => "Unknown",
    }
}

/// Private and internal videos' files live under `private/` paths, as on PeerTube, where a
/// video file token opens them.
fn is_private(d: &VideoDetails) -> bool {
    d.video.privacy == 3 || d.video.privacy == 4
}

pub fn hls_base(urls: &Urls, d: &VideoDetails) -> String {
    if is_private(d) {
        format!(
            "{}/static/streaming-playlists/hls/private/{}",
            urls.base, d.video.uuid
        )
    } else {
        hls_base_url(&urls.base, &d.video.uuid)
    }
}

pub fn hls_base_url(base: &str, uuid: &str) -> String {
    format!("{base}/static/streaming-playlists/hls/{uuid}")
}

/// One rendition, as a web video download (`web`) or as an HLS file.
fn file_json(urls: &Urls, d: &VideoDetails, f: &FileRow, web: bool) -> Value {
    let base = hls_base(urls, d);
    let hls = &d.video.hls_uuid;
    let label = if f.has_video {
        format!("{}p", f.resolution)
    } else {
        "Audio only".to_string()
    };
    let name = VideoPaths::rendition_name(&d.video.uuid, f.resolution);
    let web_videos = if is_private(d) {
        "static/web-videos/private"
    } else {
        "static/web-videos"
    };
    let download = format!("{}/{web_videos}/{name}.mp4", urls.base);
    let file_url = if web {
        download.clone()
    } else {
        format!("{base}/{hls}-{}-fragmented.mp4", f.resolution)
    };
    let torrent_url = format!("{}/lazy-static/torrents/{name}.torrent", urls.base);
    let (torrent_url, magnet) = match &f.infohash {
        Some(hash) => {
            let magnet = torrents::magnet(hash, &format!("{name}.mp4"), &torrent_url, &download);
            (torrent_url, magnet)
        }
        None => (String::new(), String::new()),
    };
    json!({
        "id": f.resolution,
        "resolution": { "id": if f.has_video { f.resolution } else { 0 }, "label": label },
        "size": f.size,
        "width": f.width,
        "height": f.height,
        "fps": f.fps.round() as i64,
        "hasAudio": f.has_audio,
        "hasVideo": f.has_video,
        "fileUrl": file_url,
        "fileDownloadUrl": download,
        "playlistUrl": if web { Value::Null } else { json!(format!("{base}/{hls}-{}.m3u8", f.resolution)) },
        "torrentUrl": torrent_url,
        "torrentDownloadUrl": torrent_url,
        "magnetUri": magnet,
        "metadataUrl": null,
    })
}

/// A video's channel as lists embed it (PeerTube's `VideoChannelSummary`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChannelSummary<'a> {
    id: i64,
    name: &'a str,
    display_name: &'a str,
    url: Cow<'a, str>,
    host: &'a str,
    avatars: Vec<ImageJson<'a>>,
}

/// The list form (PeerTube's `Video`). A typed value rather than a `json!` tree: a page of 25
/// videos was a few thousand small map allocations, which a perf profile of the list showed as
/// a quarter of its time.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoSummary<'a> {
    id: i64,
    uuid: &'a str,
    #[serde(rename = "shortUUID")]
    short_uuid: String,
    url: Cow<'a, str>,
    name: &'a str,
    category: Labelled<i64>,
    licence: Labelled<i64>,
    language: LanguageLabel<'a>,
    privacy: Labelled<i64>,
    description: Option<Cow<'a, str>>,
    truncated_description: Option<Cow<'a, str>>,
    duration: i64,
    aspect_ratio: Option<f64>,
    is_local: bool,
    is_live: bool,
    thumbnail_path: Option<String>,
    preview_path: Option<String>,
    embed_path: String,
    views: i64,
    viewers: i64,
    likes: i64,
    dislikes: i64,
    nsfw: bool,
    wait_transcoding: bool,
    state: Labelled<i64>,
    created_at: &'a str,
    updated_at: &'a str,
    published_at: &'a str,
    originally_published_at: Option<&'a str>,
    /// PeerTube's `VideoScheduledUpdate`, or null: seen by whoever may see the video, which
    /// for the usual case (a private video to be made public) is its owner and moderators.
    scheduled_update: Option<ScheduledUpdate<'a>>,
    account: AccountSummary<'a>,
    channel: ChannelSummary<'a>,
    blacklisted: bool,
    blacklisted_reason: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScheduledUpdate<'a> {
    update_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    privacy: Option<i64>,
}

/// PeerTube truncates list descriptions to 250 characters.
fn truncated(description: &str) -> Cow<'_, str> {
    match description.char_indices().nth(250) {
        Some(_) => {
            let cut = description
                .char_indices()
                .nth(247)
                .map_or(description.len(), |(i, _)| i);
            Cow::Owned(format!("{}...", &description[..cut]))
        }
        None => Cow::Borrowed(description),
    }
}

pub fn summary<'a>(urls: &'a Urls, d: &'a VideoDetails) -> VideoSummary<'a> {
    let v = &d.video;
    let uuid = uuid::Uuid::parse_str(&v.uuid).unwrap_or_default();
    let description = v.description.as_deref().map(truncated);
    let channel = &d.channel.channel;
    VideoSummary {
        id: v.id,
        uuid: &v.uuid,
        short_uuid: short_uuid(&uuid),
        url: match &v.url {
            Some(url) => Cow::Borrowed(url),
            None => Cow::Owned(format!("{}/videos/watch/{}", urls.base, v.uuid)),
        },
        name: &v.name,
        category: labelled(v.category, &CATEGORIES),
        licence: labelled(v.licence, &LICENCES),
        language: language(v.language.as_deref()),
        privacy: labelled(Some(v.privacy), &PRIVACIES),
        truncated_description: description.clone(),
        description,
        duration: v.duration,
        aspect_ratio: crate::store::videos::aspect_ratio(&d.files),
        is_local: v.url.is_none(),
        is_live: false,
        // A remote video's pictures are served from here too, fetched from the origin.
        thumbnail_path: v
            .thumbnail_file
            .as_ref()
            .map(|f| format!("/lazy-static/thumbnails/{f}"))
            .or_else(|| pictures::local_path(v, pictures::Kind::Thumbnail)),
        preview_path: v
            .preview_file
            .as_ref()
            .map(|f| format!("/lazy-static/previews/{f}"))
            .or_else(|| pictures::local_path(v, pictures::Kind::Preview)),
        embed_path: format!("/videos/embed/{}", v.uuid),
        views: v.views,
        viewers: 0,
        likes: v.likes,
        dislikes: v.dislikes,
        nsfw: v.nsfw,
        wait_transcoding: v.wait_transcoding,
        state: Labelled {
            id: Some(v.state),
            label: state_label(v.state),
        },
        created_at: &v.created_at,
        updated_at: &v.updated_at,
        published_at: v.published_at.as_deref().unwrap_or(&v.created_at),
        originally_published_at: v.originally_published_at.as_deref(),
        scheduled_update: v.schedule.as_ref().map(|s| ScheduledUpdate {
            update_at: &s.at,
            privacy: s.privacy,
        }),
        account: json::account_summary(urls, &d.channel.owner, &d.channel.owner_images),
        channel: ChannelSummary {
            id: channel.id,
            name: &channel.actor.name,
            display_name: &channel.actor.display_name,
            url: json::actor_url(&channel.actor, || urls.channel(&channel.actor.name)),
            host: channel.actor.host.as_deref().unwrap_or(&urls.host),
            avatars: json::image_list(urls, &d.channel.images, "avatar"),
        },
        blacklisted: false,
        blacklisted_reason: None,
    }
}

/// The list form as a JSON tree, for callers that add fields to it.
pub fn video(urls: &Urls, d: &VideoDetails) -> Value {
    json!(summary(urls, d))
}

/// The full form (`VideoDetails`) with the streaming playlist.
pub fn details(urls: &Urls, d: &VideoDetails) -> Value {
    if d.video.url.is_some() {
        return crate::federation::objects::remote_json::details(video(urls, d), d);
    }
    let mut out = video(urls, d);
    let v = &d.video;
    let base = hls_base(urls, d);
    let playlists = if d.files.is_empty() {
        vec![]
    } else {
        vec![json!({
            "id": v.id,
            "type": 1,
            "playlistUrl": format!("{base}/{}-master.m3u8", v.hls_uuid),
            "segmentsSha256Url": format!("{base}/{}-segments-sha256.json", v.hls_uuid),
            "redundancies": [],
            "files": d.files.iter().map(|f| file_json(urls, d, f, false)).collect::<Vec<_>>(),
        })]
    };
    out["description"] = json!(v.description);
    out["support"] = json!(v.support);
    out["tags"] = json!(d.tags);
    out["commentsEnabled"] = json!(v.comments_policy != 2);
    out["commentsPolicy"] = json!({ "id": v.comments_policy, "label": match v.comments_policy { 2 => "Disabled", 3 => "Requires approval", _ => "Enabled" } });
    out["downloadEnabled"] = json!(v.download_enabled);
    // Each rendition is also a progressive download (PeerTube's "web videos"): clients such as
    // peertube-cli and yt-dlp read `files`.
    out["files"] = json!(
        d.files
            .iter()
            .map(|f| file_json(urls, d, f, true))
            .collect::<Vec<_>>()
    );
    out["streamingPlaylists"] = json!(playlists);
    out["trackerUrls"] = json!([]);
    out["inputFileUpdatedAt"] = json!(null);
    out["stateError"] = json!(v.state_error);
    out
}
