//! The video edit page (`/videos/manage/{id}`): metadata and an uploaded thumbnail, as a plain
//! form (multipart, so the picture goes with the fields; URL-encoded forms are accepted too).

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use super::manage::{PageQuery, back, enc, login};
use super::upload::{languages, numbered};
use super::{render, see_other};
use crate::app::AppState;
use crate::domain::video_pictures::{self, PictureUploads};
use crate::domain::{DomainError, users, videos};
use crate::http::api::config::{CATEGORIES, LANGUAGES, LICENCES, PRIVACIES};
use crate::http::api::users::urls;
use crate::http::api::{json, video_json};
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::http::multipart::read_page_form;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/videos/manage/{id}", web::get().to(edit_video_page))
        .route(
            "/videos/manage/{id}",
            web::post()
                .guard(actix_web::guard::fn_guard(is_multipart))
                .to(save_video_multipart),
        )
        .route("/videos/manage/{id}", web::post().to(save_video_urlencoded));
}

fn is_multipart(ctx: &actix_web::guard::GuardContext) -> bool {
    ctx.head()
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

async fn edit_video_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login(&format!("/videos/manage/{}", enc(&id))));
    };
    let details = match videos::get(&state.store, &id, Some(&user)).await {
        Ok(d) => d,
        Err(DomainError::NotFound(_) | DomainError::Forbidden(_)) => {
            return Ok(super::not_found_page(&state, Some(&user)));
        }
        Err(e) => return Err(e.into()),
    };
    let video = video_json::details(&urls(&state), &details);
    let me = json::user(&urls(&state), &users::details(&state.store, user.id).await?);
    Ok(render(
        &state,
        StatusCode::OK,
        "video_edit.html",
        Some(&user),
        json!({ "video": video, "channels": me["videoChannels"], "notice": q.notice, "error": q.error,
                "privacies": numbered(&PRIVACIES[..4]), "categories": numbered(&CATEGORIES),
                "licences": numbered(&LICENCES), "languages": languages(),
                "max_picture": state.config.avatar_max_size }),
    ))
}

/// The form's fields as the API's metadata: numbers stay strings (the metadata parser reads
/// them and refuses bad ones with their name), an empty select is "none", a checkbox is on
/// when sent, tags are one comma-separated field.
fn changes(f: &HashMap<String, String>) -> Map<String, Value> {
    let text = |k: &str| {
        f.get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::from(v.to_string()))
    };
    let tags: Vec<String> = f
        .get("tags")
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Map::new();
    out.insert("name".into(), json!(f.get("name").map_or("", |n| n.trim())));
    for key in [
        "channelId",
        "privacy",
        "commentsPolicy",
        "category",
        "licence",
    ] {
        if let Some(v) = f.get(key) {
            out.insert(key.into(), json!(v.trim()));
        }
    }
    out.insert("description".into(), text("description"));
    // The page edits a date: an API-given time of day survives a save that leaves the date as
    // shown.
    let date = f.get("originallyPublishedAt").map(|d| d.trim());
    if date.is_some() && date != f.get("originallyPublishedAtShown").map(|d| d.trim()) {
        out.insert(
            "originallyPublishedAt".into(),
            text("originallyPublishedAt"),
        );
    }
    if let Some(schedule) = schedule_change(f) {
        out.insert("scheduleUpdate".into(), schedule);
    }
    out.insert("language".into(), text("language"));
    out.insert("tags".into(), json!(tags));
    out.insert("nsfw".into(), json!(f.contains_key("nsfw")));
    out.insert(
        "downloadEnabled".into(),
        json!(f.contains_key("downloadEnabled")),
    );
    out
}

/// The page's schedule (`scheduleAt`, a local date and time, with the browser's
/// `timezoneOffset`) as PeerTube's `scheduleUpdate` to public, when it differs from the one
/// shown (`scheduleAtShown`, UTC to the minute): null when emptied, None when left alone.
fn schedule_change(f: &HashMap<String, String>) -> Option<Value> {
    let field = |key: &str| f.get(key).map_or("", |v| v.trim());
    let (local, shown) = (field("scheduleAt"), field("scheduleAtShown"));
    if local.is_empty() {
        return (!shown.is_empty()).then_some(Value::Null);
    }
    // Real offsets stay within a day; anything past that is not from a browser, and would
    // overflow `time::Duration::minutes`, which panics.
    let offset = field("timezoneOffset")
        .parse::<i64>()
        .ok()
        .filter(|o| o.abs() <= 24 * 60)
        .unwrap_or(0);
    // Text that is no date and time goes on as it is, for the API's own error.
    let at = local_to_utc(local, offset).unwrap_or_else(|| local.to_string());
    if at.get(..16) == Some(shown) {
        return None;
    }
    Some(json!({ "updateAt": at, "privacy": 1 }))
}

/// `2026-12-24T09:00` (an `<input type="datetime-local">`, seconds optional) at `offset`
/// minutes behind UTC, as an RFC 3339 UTC timestamp.
fn local_to_utc(local: &str, offset: i64) -> Option<String> {
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let at = time::PrimitiveDateTime::parse(local, &minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(local, &seconds))
        .ok()?;
    let utc = at
        .assume_utc()
        .checked_add(time::Duration::minutes(offset))?;
    Some(crate::store::timestamp(utc))
}

async fn save(
    state: &AppState,
    user: &crate::store::users::UserRow,
    id: &str,
    fields: HashMap<String, String>,
    pictures: PictureUploads,
) -> ApiResult<HttpResponse> {
    let result = video_pictures::update_with_pictures(
        &state.store,
        &state.video_paths(),
        user,
        id,
        changes(&fields),
        pictures,
        |l| LANGUAGES.get(l).is_some(),
    )
    .await
    .map(|_| ());
    back(&format!("/videos/manage/{}", enc(id)), result, "Saved")
}

/// The page's own form, with the thumbnail.
async fn save_video_multipart(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login(&format!("/videos/manage/{}", enc(&id))));
    };
    let (fields, pictures) = match read_page_form(form, state.config.avatar_max_size).await {
        Ok(read) => read,
        // Too large or malformed: back to the form, which says why.
        Err(e) => {
            return Ok(see_other(&format!(
                "/videos/manage/{id}?error={}",
                enc(&e.detail)
            )));
        }
    };
    save(&state, &user, &id, fields, pictures).await
}

/// A URL-encoded post of the same fields (no picture).
async fn save_video_urlencoded(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(login(&format!("/videos/manage/{}", enc(&id))));
    };
    save(
        &state,
        &user,
        &id,
        form.into_inner(),
        PictureUploads::default(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_local_schedule_becomes_utc_and_an_untouched_one_stays() {
        let set = form(&[
            ("scheduleAt", "2031-06-01T09:30"),
            ("timezoneOffset", "240"),
        ]);
        assert_eq!(
            schedule_change(&set),
            Some(json!({ "updateAt": "2031-06-01T13:30:00.000Z", "privacy": 1 }))
        );
        let untouched = form(&[
            ("scheduleAt", "2031-06-01T09:30"),
            ("scheduleAtShown", "2031-06-01T13:30"),
            ("timezoneOffset", "240"),
        ]);
        assert_eq!(schedule_change(&untouched), None);
        let emptied = form(&[("scheduleAt", ""), ("scheduleAtShown", "2031-06-01T13:30")]);
        assert_eq!(schedule_change(&emptied), Some(Value::Null));
        assert_eq!(schedule_change(&form(&[("scheduleAt", "")])), None);
    }

    #[test]
    fn a_forged_offset_or_date_is_no_panic() {
        let forged = form(&[
            ("scheduleAt", "2031-06-01T09:30"),
            ("timezoneOffset", "9223372036854775807"),
        ]);
        assert_eq!(
            schedule_change(&forged),
            Some(json!({ "updateAt": "2031-06-01T09:30:00.000Z", "privacy": 1 }))
        );
        let garbage = form(&[("scheduleAt", "next week")]);
        assert_eq!(
            schedule_change(&garbage),
            Some(json!({ "updateAt": "next week", "privacy": 1 }))
        );
        // Past the last representable year: no date, not a panic.
        assert_eq!(local_to_utc("9999-12-31T23:59", 1440), None);
    }
}
