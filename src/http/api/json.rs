//! PeerTube's JSON shapes for users, accounts, channels and actor images.

use serde_json::{Value, json};

use crate::domain::channels::ChannelDetails;
use crate::domain::roles;
use crate::domain::users::UserDetails;
use crate::store::actors::{AccountRow, ActorRow};
use crate::store::images::ImageRow;

/// The public URL and host every absolute link is built from.
pub struct Urls {
    pub base: String,
    pub host: String,
}

pub const AVATAR_PATH: &str = "/lazy-static/avatars";
pub const BANNER_PATH: &str = "/lazy-static/banners";

impl Urls {
    pub fn account(&self, name: &str) -> String {
        format!("{}/accounts/{name}", self.base)
    }

    pub fn channel(&self, name: &str) -> String {
        format!("{}/video-channels/{name}", self.base)
    }
}

pub fn images(urls: &Urls, images: &[ImageRow], kind: &str) -> Vec<Value> {
    let dir = if kind == "banner" {
        BANNER_PATH
    } else {
        AVATAR_PATH
    };
    images
        .iter()
        .filter(|i| i.kind == kind)
        .map(|i| {
            let path = format!("{dir}/{}", i.filename);
            json!({
                "path": path,
                "fileUrl": format!("{}{path}", urls.base),
                "width": i.width,
                "height": i.height,
                "createdAt": i.created_at,
                "updatedAt": i.updated_at,
            })
        })
        .collect()
}

fn actor_host(urls: &Urls, actor: &ActorRow) -> String {
    actor.host.clone().unwrap_or_else(|| urls.host.clone())
}

fn actor_common(urls: &Urls, actor: &ActorRow, images: &[ImageRow], url: String) -> Value {
    let avatars = self::images(urls, images, "avatar");
    json!({
        "url": actor.url.clone().unwrap_or(url),
        "name": actor.name,
        "host": actor_host(urls, actor),
        "avatars": avatars,
        // Deprecated single avatar, still read by older PeerTube clients.
        "avatar": avatars.iter().find(|a| a["width"] == 120).cloned().or_else(|| avatars.first().cloned()),
        "hostRedundancyAllowed": false,
        "followingCount": actor.following_count,
        "followersCount": actor.followers_count,
        "displayName": actor.display_name,
        "description": actor.description,
        "createdAt": actor.created_at,
        "updatedAt": actor.updated_at,
    })
}

pub fn account(urls: &Urls, account: &AccountRow, images: &[ImageRow]) -> Value {
    let mut v = actor_common(
        urls,
        &account.actor,
        images,
        urls.account(&account.actor.name),
    );
    v["id"] = json!(account.id);
    v["userId"] = json!(account.user_id);
    v
}

/// The short form PeerTube embeds in videos and comments.
pub fn account_summary(urls: &Urls, account: &AccountRow, images: &[ImageRow]) -> Value {
    let full = self::account(urls, account, images);
    json!({
        "id": account.id,
        "name": full["name"],
        "displayName": full["displayName"],
        "url": full["url"],
        "host": full["host"],
        "avatars": full["avatars"],
        "avatar": full["avatar"],
    })
}

pub fn channel(urls: &Urls, d: &ChannelDetails) -> Value {
    let actor = &d.channel.actor;
    let mut v = actor_common(urls, actor, &d.images, urls.channel(&actor.name));
    v["id"] = json!(d.channel.id);
    v["support"] = json!(d.channel.support);
    v["isLocal"] = json!(actor.host.is_none());
    v["banners"] = json!(images(urls, &d.images, "banner"));
    v["ownerAccount"] = account(urls, &d.owner, &d.owner_images);
    v
}

pub fn user(urls: &Urls, d: &UserDetails) -> Value {
    let u = &d.user;
    let channels: Vec<Value> = d
        .channels
        .iter()
        .map(|(c, images)| {
            channel(
                urls,
                &ChannelDetails {
                    channel: c.clone(),
                    images: images.clone(),
                    owner: d.account.clone(),
                    owner_images: d.account_images.clone(),
                },
            )
        })
        .collect();
    json!({
        "id": u.id,
        "username": u.username,
        "email": u.email,
        "emailVerified": u.email_verified,
        "pendingEmail": null,
        "nsfwPolicy": u.nsfw_policy,
        "adminFlags": u.admin_flags,
        "autoPlayVideo": u.auto_play_video,
        "autoPlayNextVideo": u.auto_play_next_video,
        "autoPlayNextVideoPlaylist": true,
        "p2pEnabled": u.p2p_enabled,
        "videosHistoryEnabled": u.videos_history_enabled,
        "videoLanguages": null,
        "role": { "id": u.role, "label": roles::label(u.role) },
        "videoQuota": u.video_quota,
        "videoQuotaDaily": u.video_quota_daily,
        "videoQuotaUsed": 0,
        "videoQuotaUsedDaily": 0,
        "videosCount": 0,
        "videoCommentsCount": 0,
        "abusesCount": d.abuse_counts.against,
        "abusesAcceptedCount": d.abuse_counts.accepted,
        "abusesCreatedCount": d.abuse_counts.created,
        "theme": u.theme,
        "blocked": u.blocked,
        "blockedReason": u.blocked_reason,
        "noInstanceConfigWarningModal": true,
        "noAccountSetupWarningModal": true,
        "noWelcomeModal": true,
        "pluginAuth": null,
        "twoFactorEnabled": false,
        "createdAt": u.created_at,
        "lastLoginDate": u.last_login_at,
        "account": account(urls, &d.account, &d.account_images),
        "videoChannels": channels,
        "specialPlaylists": [],
        "notificationSettings": {},
    })
}

pub fn list(total: i64, data: Vec<Value>) -> Value {
    json!({ "total": total, "data": data })
}
