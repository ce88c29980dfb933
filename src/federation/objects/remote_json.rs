//! The API form of a remote video: its files and HLS playlist are the origin's URLs, so
//! players stream from the origin (PeerTube does the same without redundancy).

use serde_json::{Value, json};

use super::video::{RemoteFile, RemoteMedia};
use crate::domain::videos::VideoDetails;

fn file(f: &RemoteFile, hls: bool) -> Value {
    json!({
        "id": f.height,
        "resolution": { "id": f.height, "label": format!("{}p", f.height) },
        "size": f.size,
        "width": f.width,
        "height": f.height,
        "fps": f.fps.round() as i64,
        "hasAudio": true,
        "hasVideo": true,
        "fileUrl": f.url,
        "fileDownloadUrl": f.url,
        // NewPipe derives a rendition's playlist this way; the origin names its files so.
        "playlistUrl": if hls { json!(f.url.replace("-fragmented.mp4", ".m3u8")) } else { Value::Null },
        "torrentUrl": "",
        "torrentDownloadUrl": "",
        "magnetUri": "",
        "metadataUrl": null,
    })
}

/// Completes the list form (`base`) of a remote video into `VideoDetails`.
pub fn details(mut out: Value, d: &VideoDetails) -> Value {
    let v = &d.video;
    let media: RemoteMedia = v
        .remote_media
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default();
    let playlists = match &media.playlist_url {
        Some(url) => vec![json!({
            "id": v.id,
            "type": 1,
            "playlistUrl": url,
            "segmentsSha256Url": media.segments_sha256_url,
            "redundancies": [],
            "files": media.hls_files.iter().map(|f| file(f, true)).collect::<Vec<_>>(),
        })],
        None => vec![],
    };
    out["thumbnailUrl"] = json!(media.thumbnail_url);
    out["previewUrl"] = json!(media.preview_url);
    out["description"] = json!(v.description);
    out["support"] = json!(v.support);
    out["tags"] = json!(d.tags);
    out["commentsEnabled"] = json!(v.comments_policy != 2);
    out["commentsPolicy"] = json!({ "id": v.comments_policy, "label": match v.comments_policy { 2 => "Disabled", 3 => "Requires approval", _ => "Enabled" } });
    out["downloadEnabled"] = json!(v.download_enabled);
    out["files"] = json!(
        media
            .web_files
            .iter()
            .map(|f| file(f, false))
            .collect::<Vec<_>>()
    );
    out["streamingPlaylists"] = json!(playlists);
    out["trackerUrls"] = json!([]);
    out["inputFileUpdatedAt"] = json!(null);
    out["stateError"] = json!(null);
    out
}
