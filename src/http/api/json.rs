//! PeerTube's JSON shapes for users, accounts, channels and actor images.

use std::borrow::Cow;

use serde::Serialize;
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

/// One actor image (PeerTube's `ActorImage`).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ImageJson<'a> {
    path: String,
    file_url: String,
    /// None for a remote actor's image whose document gave no size (Mastodon's).
    width: Option<u32>,
    height: Option<u32>,
    created_at: &'a str,
    updated_at: &'a str,
}

/// An actor's images of one kind (`avatar` or `banner`), as typed values: lists of videos embed
/// them 25 times a page, so they are serialised directly rather than built as JSON trees.
pub fn image_list<'a>(urls: &Urls, images: &'a [ImageRow], kind: &str) -> Vec<ImageJson<'a>> {
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
            ImageJson {
                file_url: format!("{}{path}", urls.base),
                path,
                width: (i.width > 0).then_some(i.width),
                height: (i.height > 0).then_some(i.height),
                created_at: &i.created_at,
                updated_at: &i.updated_at,
            }
        })
        .collect()
}

pub fn images(urls: &Urls, images: &[ImageRow], kind: &str) -> Vec<Value> {
    image_list(urls, images, kind)
        .iter()
        .map(|i| json!(i))
        .collect()
}

/// The deprecated single avatar older PeerTube clients still read: the 120 px one, else the
/// first.
fn main_avatar<'a>(avatars: &[ImageJson<'a>]) -> Option<ImageJson<'a>> {
    avatars
        .iter()
        .find(|a| a.width == Some(120))
        .or_else(|| avatars.first())
        .cloned()
}

fn actor_host(urls: &Urls, actor: &ActorRow) -> String {
    actor.host.clone().unwrap_or_else(|| urls.host.clone())
}

fn actor_common(urls: &Urls, actor: &ActorRow, images: &[ImageRow], url: String) -> Value {
    let avatars = image_list(urls, images, "avatar");
    json!({
        "url": actor.url.clone().unwrap_or(url),
        "name": actor.name,
        "host": actor_host(urls, actor),
        "avatar": main_avatar(&avatars),
        "avatars": avatars,
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

/// The short form PeerTube embeds in videos and comments (`AccountSummary`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary<'a> {
    id: i64,
    name: &'a str,
    display_name: &'a str,
    url: Cow<'a, str>,
    host: &'a str,
    avatars: Vec<ImageJson<'a>>,
    avatar: Option<ImageJson<'a>>,
}

pub fn account_summary<'a>(
    urls: &'a Urls,
    account: &'a AccountRow,
    images: &'a [ImageRow],
) -> AccountSummary<'a> {
    let actor = &account.actor;
    let avatars = image_list(urls, images, "avatar");
    AccountSummary {
        id: account.id,
        name: &actor.name,
        display_name: &actor.display_name,
        url: actor_url(actor, || urls.account(&actor.name)),
        host: actor.host.as_deref().unwrap_or(&urls.host),
        avatar: main_avatar(&avatars),
        avatars,
    }
}

/// A remote actor's own URL, or the local one built by `local`.
pub fn actor_url<'a>(actor: &'a ActorRow, local: impl FnOnce() -> String) -> Cow<'a, str> {
    match &actor.url {
        Some(url) => Cow::Borrowed(url),
        None => Cow::Owned(local()),
    }
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
        "notificationSettings": d.notification_settings.iter()
            .map(|(name, value)| (name.to_string(), json!(value)))
            .collect::<serde_json::Map<String, Value>>(),
    })
}

/// PeerTube's paged list: `{"total": n, "data": [...]}`.
#[derive(Serialize)]
pub struct Page<T> {
    total: i64,
    data: Vec<T>,
}

pub fn list<T: Serialize>(total: i64, data: Vec<T>) -> Page<T> {
    Page { total, data }
}

/// A list with nothing in it, for what Kinora does not have (playlists) but clients list.
pub fn empty_list() -> Page<serde_json::Value> {
    list(0, Vec::<serde_json::Value>::new())
}
