//! PeerTube's JSON shapes for reports: `AdminAbuse` (moderators' list), `UserAbuse` (a
//! reporter's own list, without the moderators' note and counts) and `AbuseMessage`.

use serde_json::{Value, json};

use super::json::{self, Urls};
use super::video_json;
use crate::domain::abuse_messages::MessageView;
use crate::domain::abuse_reasons;
use crate::domain::abuses::{AbuseView, AccountView};
use crate::domain::video_ids::short_uuid;

fn account(urls: &Urls, a: &Option<AccountView>) -> Value {
    match a {
        Some((account, images)) => json::account(urls, account, images),
        None => Value::Null,
    }
}

fn short(uuid: &str) -> Value {
    uuid::Uuid::parse_str(uuid)
        .map(|u| json!(short_uuid(&u)))
        .unwrap_or(Value::Null)
}

/// The reported video; from the snapshot taken at report time once the video is gone.
fn video(urls: &Urls, v: &AbuseView, admin: bool) -> Value {
    let a = &v.abuse;
    if a.kind != "video" {
        return Value::Null;
    }
    let mut out = match &v.video {
        Some(d) => {
            let full = video_json::video(urls, d);
            json!({
                "id": d.video.id,
                "uuid": d.video.uuid,
                "shortUUID": full["shortUUID"],
                "name": d.video.name,
                "nsfw": d.video.nsfw,
                "deleted": false,
                "blacklisted": false,
                "thumbnailPath": full["thumbnailPath"],
                "channel": full["channel"],
            })
        }
        None => {
            let snap: Value = a
                .video_snapshot
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            json!({
                "id": snap["id"],
                "uuid": snap["uuid"],
                "shortUUID": snap["uuid"].as_str().map(short).unwrap_or(Value::Null),
                "name": snap["name"],
                "nsfw": snap["nsfw"].as_bool().unwrap_or(false),
                "deleted": true,
                "blacklisted": false,
                "thumbnailPath": null,
                "channel": null,
            })
        }
    };
    out["startAt"] = json!(a.start_at);
    out["endAt"] = json!(a.end_at);
    if admin {
        out["countReports"] = json!(a.count_reports_for_video);
        out["nthReport"] = json!(a.nth_report_for_video);
    }
    out
}

fn comment(v: &AbuseView) -> Value {
    match &v.comment {
        Some(c) => json!({
            "id": c.comment.id,
            "threadId": c.comment.thread_id.unwrap_or(c.comment.id),
            "text": c.comment.text,
            "deleted": c.comment.deleted_at.is_some(),
            "video": { "id": c.comment.video_id, "name": c.video_name, "uuid": c.video_uuid },
        }),
        None => Value::Null,
    }
}

/// `UserAbuse`, or with `admin` PeerTube's `AdminAbuse`.
pub fn abuse(urls: &Urls, v: &AbuseView, admin: bool) -> Value {
    let a = &v.abuse;
    let mut out = json!({
        "id": a.id,
        "reason": a.reason,
        "predefinedReasons": abuse_reasons::names(a.predefined_reasons),
        "flaggedAccount": account(urls, &v.flagged),
        "state": { "id": a.state, "label": abuse_reasons::state_label(a.state) },
        "countMessages": a.count_messages,
        "createdAt": a.created_at,
        "updatedAt": a.updated_at,
        "video": video(urls, v, admin),
        "comment": comment(v),
    });
    if admin {
        out["moderationComment"] = json!(a.moderation_comment);
        out["reporterAccount"] = account(urls, &v.reporter);
        out["countReportsForReporter"] = json!(a.count_reports_for_reporter);
        out["countReportsForReportee"] = json!(a.count_reports_for_reportee);
    }
    out
}

pub fn message(urls: &Urls, m: &MessageView) -> Value {
    json!({
        "id": m.message.id,
        "message": m.message.message,
        "byModerator": m.message.by_moderator,
        "createdAt": m.message.created_at,
        "account": match &m.account {
            Some((a, images)) => json!(json::account_summary(urls, a, images)),
            None => Value::Null,
        },
    })
}
