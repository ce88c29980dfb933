//! Instance information in PeerTube's shapes: `/config`, `/config/about`, and the fixed lists
//! of video categories, licences, languages and privacies.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::RegistrationMode;
use crate::http::assets::Assets;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/config", web::get().to(config))
        .route("/config/about", web::get().to(about))
        .route("/videos/categories", web::get().to(categories))
        .route("/videos/licences", web::get().to(licences))
        .route("/videos/languages", web::get().to(languages))
        .route("/videos/privacies", web::get().to(privacies));
}

pub const CATEGORIES: [&str; 18] = [
    "Music",
    "Films",
    "Vehicles",
    "Art",
    "Sports",
    "Travels",
    "Gaming",
    "People",
    "Comedy",
    "Entertainment",
    "News & Politics",
    "How To",
    "Education",
    "Activism",
    "Science & Technology",
    "Animals",
    "Kids",
    "Food",
];

pub const LICENCES: [&str; 7] = [
    "Attribution",
    "Attribution - Share Alike",
    "Attribution - No Derivatives",
    "Attribution - Non Commercial",
    "Attribution - Non Commercial - Share Alike",
    "Attribution - Non Commercial - No Derivatives",
    "Public Domain Dedication",
];

pub const PRIVACIES: [&str; 5] = [
    "Public",
    "Unlisted",
    "Private",
    "Internal",
    "Password protected",
];

/// ISO 639 codes and English names, from `assets/data/languages.json`.
pub static LANGUAGES: LazyLock<Value> = LazyLock::new(|| {
    Assets::get("data/languages.json")
        .and_then(|f| serde_json::from_slice(&f.data).ok())
        .unwrap_or_else(|| json!({}))
});

/// `{"1": "Music", ...}`: PeerTube keys these maps by the number as a string.
fn numbered(labels: &[&str]) -> Value {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| ((i + 1).to_string(), json!(label)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

async fn categories() -> HttpResponse {
    HttpResponse::Ok().json(numbered(&CATEGORIES))
}

async fn licences() -> HttpResponse {
    HttpResponse::Ok().json(numbered(&LICENCES))
}

async fn privacies() -> HttpResponse {
    HttpResponse::Ok().json(numbered(&PRIVACIES))
}

async fn languages() -> HttpResponse {
    HttpResponse::Ok().json(&*LANGUAGES)
}

const IMAGE_EXTENSIONS: [&str; 5] = [".png", ".jpeg", ".jpg", ".gif", ".webp"];

async fn config(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.settings();
    let signup_allowed = c.registration != RegistrationMode::Closed;
    HttpResponse::Ok().json(json!({
        "instance": {
            "name": c.instance_name,
            "shortDescription": c.instance_short_description,
            "defaultClientRoute": "/videos/browse",
            "isNSFW": false,
            "defaultNSFWPolicy": "blur",
            "serverCountry": null,
            "support": { "text": null },
            "social": { "externalLink": null, "mastodonLink": null, "blueskyLink": null },
            "customizations": { "javascript": "", "css": "" },
            "avatars": [],
            "banners": [],
        },
        "search": {
            "remoteUri": { "users": true, "anonymous": false },
            "searchIndex": { "enabled": false, "url": "", "disableLocalSearch": false, "isDefaultSearch": false },
        },
        "plugin": { "registered": [], "registeredExternalAuths": [], "registeredIdAndPassAuths": [] },
        "theme": { "registered": [], "builtIn": [{ "name": "light" }, { "name": "dark" }], "default": "default" },
        "email": { "enabled": false },
        "contactForm": { "enabled": false },
        // PeerTube clients gate features on this version; Kinora speaks the 6.3 API.
        "serverVersion": "6.3.0",
        "serverCommit": crate::GIT_COMMIT,
        "software": { "name": "kinora", "version": crate::VERSION },
        "signup": {
            "allowed": signup_allowed,
            "allowedForCurrentIP": signup_allowed,
            "requiresApproval": c.registration == RegistrationMode::Approval,
            "requiresEmailVerification": false,
            "minimumAge": 16,
        },
        "transcoding": {
            "hls": { "enabled": true },
            "web_videos": { "enabled": false },
            "enabledResolutions": [360, 720],
            "profile": "default",
            "availableProfiles": ["default"],
            "remoteRunners": { "enabled": false },
        },
        "live": { "enabled": false, "allowReplay": false, "latencySetting": { "enabled": false },
                  "maxDuration": -1, "maxInstanceLives": -1, "maxUserLives": -1,
                  "transcoding": { "enabled": false, "enabledResolutions": [], "profile": "default", "availableProfiles": [] },
                  "rtmp": { "port": 1935 } },
        "import": { "videos": { "http": { "enabled": false }, "torrent": { "enabled": false } },
                    "videoChannelSynchronization": { "enabled": false }, "users": { "enabled": false } },
        "export": { "users": { "enabled": false, "exportExpiration": 0, "maxUserVideoQuota": 0 } },
        "autoBlacklist": { "videos": { "ofUsers": { "enabled": false } } },
        "avatar": { "file": { "size": { "max": c.avatar_max_size }, "extensions": IMAGE_EXTENSIONS } },
        "banner": { "file": { "size": { "max": c.avatar_max_size }, "extensions": IMAGE_EXTENSIONS } },
        "video": {
            "image": { "size": { "max": c.avatar_max_size }, "extensions": IMAGE_EXTENSIONS },
            "file": { "extensions": [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".3gp", ".mp3", ".m4a", ".flac", ".ogg", ".opus", ".wav", ".mka"] },
        },
        "videoCaption": { "file": { "size": { "max": 20 * 1024 * 1024 }, "extensions": [".vtt", ".srt"] } },
        "videoFile": { "update": { "enabled": false } },
        "user": { "videoQuota": c.user_video_quota, "videoQuotaDaily": c.user_video_quota_daily },
        "videoChannels": { "maxPerUser": 20 },
        "trending": { "videos": { "intervalDays": 7, "algorithms": { "enabled": ["most-viewed"], "default": "most-viewed" } } },
        "tracker": { "enabled": false },
        "followings": { "instance": { "autoFollowIndex": { "indexUrl": "" } } },
        "federation": { "enabled": false },
        "broadcastMessage": { "enabled": false, "message": "", "level": "info", "dismissable": false },
        "homepage": { "enabled": false },
        "openTelemetry": { "metrics": { "enabled": false, "playbackStatsInterval": 15000 } },
        "views": { "videos": { "watchingInterval": { "anonymous": 5000, "users": 5000 } } },
        "storyboards": { "enabled": false },
        "defaults": {
            "publish": { "downloadEnabled": true, "commentsPolicy": 1, "privacy": 1, "licence": null },
            "p2p": { "webapp": { "enabled": true }, "embed": { "enabled": true } },
        },
        "webadmin": { "configuration": { "edition": { "allowed": false } } },
    }))
}

async fn about(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.settings();
    HttpResponse::Ok().json(json!({
        "instance": {
            "name": c.instance_name,
            "shortDescription": c.instance_short_description,
            "description": c.instance_description,
            "terms": c.instance_terms,
            "codeOfConduct": "",
            "hardwareInformation": "",
            "creationReason": "",
            "moderationInformation": "",
            "administrator": "",
            "maintenanceLifetime": "",
            "businessModel": "",
            "languages": [],
            "categories": [],
            "avatars": [],
            "banners": [],
        }
    }))
}
