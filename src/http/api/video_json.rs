//! PeerTube's `Video` and `VideoDetails` shapes, with the HLS streaming playlist and its files
//! under PeerTube's URL layout (`/static/streaming-playlists/hls/{uuid}/{fileUuid}-...`).

use serde_json::{Value, json};

use super::config::{CATEGORIES, LANGUAGES, LICENCES, PRIVACIES};
use super::json::{self, Urls};
use crate::domain::torrents;
use crate::domain::video_ids::short_uuid;
use crate::domain::videos::VideoDetails;
use crate::domain::videos::VideoPaths;
use crate::store::videos::FileRow;

fn labelled(id: Option<i64>, labels: &[&str]) -> Value {
    match id {
        Some(i) if i >= 1 && (i as usize) <= labels.len() => {
            json!({ "id": i, "label": labels[i as usize - 1] })
        }
        _ => json!({ "id": null, "label": "Unknown" }),
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

/// The list form (`Video`): description truncated like PeerTube's (250 characters).
pub fn video(urls: &Urls, d: &VideoDetails) -> Value {
    let v = &d.video;
    let uuid = uuid::Uuid::parse_str(&v.uuid).unwrap_or_default();
    let truncated = v.description.as_ref().map(|s| {
        if s.chars().count() > 250 {
            format!("{}...", s.chars().take(247).collect::<String>())
        } else {
            s.clone()
        }
    });
    let language = v.language.as_ref().map(|code| {
        json!({ "id": code, "label": LANGUAGES.get(code).cloned().unwrap_or(Value::String(code.clone())) })
    });
    json!({
        "id": v.id,
        "uuid": v.uuid,
        "shortUUID": short_uuid(&uuid),
        "url": v.url.clone().unwrap_or_else(|| format!("{}/videos/watch/{}", urls.base, v.uuid)),
        "name": v.name,
        "category": labelled(v.category, &CATEGORIES),
        "licence": labelled(v.licence, &LICENCES),
        "language": language.unwrap_or_else(|| json!({ "id": null, "label": "Unknown" })),
        "privacy": labelled(Some(v.privacy), &PRIVACIES),
        "description": truncated,
        "truncatedDescription": truncated,
        "duration": v.duration,
        "aspectRatio": d.files.first().filter(|f| f.height > 0).map(|f| {
            (f.width as f64 / f.height as f64 * 10_000.0).round() / 10_000.0
        }),
        "isLocal": v.url.is_none(),
        "isLive": false,
        "thumbnailPath": v.thumbnail_file.as_ref().map(|f| format!("/lazy-static/thumbnails/{f}")),
        "previewPath": v.preview_file.as_ref().map(|f| format!("/lazy-static/previews/{f}")),
        "embedPath": format!("/videos/embed/{}", v.uuid),
        "views": v.views,
        "viewers": 0,
        "likes": v.likes,
        "dislikes": v.dislikes,
        "nsfw": v.nsfw,
        "waitTranscoding": v.wait_transcoding,
        "state": { "id": v.state, "label": state_label(v.state) },
        "createdAt": v.created_at,
        "updatedAt": v.updated_at,
        "publishedAt": v.published_at.clone().unwrap_or_else(|| v.created_at.clone()),
        "originallyPublishedAt": null,
        "account": json::account_summary(urls, &d.channel.owner, &d.channel.owner_images),
        "channel": {
            "id": d.channel.channel.id,
            "name": d.channel.channel.actor.name,
            "displayName": d.channel.channel.actor.display_name,
            "url": d.channel.channel.actor.url.clone().unwrap_or_else(|| urls.channel(&d.channel.channel.actor.name)),
            "host": d.channel.channel.actor.host.clone().unwrap_or_else(|| urls.host.clone()),
            "avatars": json::images(urls, &d.channel.images, "avatar"),
        },
        "blacklisted": false,
        "blacklistedReason": null,
    })
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
