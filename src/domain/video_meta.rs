//! Video metadata from a client (JSON or multipart fields), checked with PeerTube's rules:
//! name 3-120, description up to 10,000, privacy 1-4, category 1-18, licence 1-7, a known
//! language, at most 5 tags of 2-30 characters, an ISO 8601 `originallyPublishedAt`, and a
//! `scheduleUpdate`.

use serde_json::{Map, Value};

use super::{DomainError, DomainResult, names};
use crate::store::videos::{Schedule, VideoMetadata};

fn int(fields: &Map<String, Value>, key: &'static str) -> DomainResult<Option<i64>> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| DomainError::invalid(key, format!("{key} must be a whole number"))),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| DomainError::invalid(key, format!("{key} must be a whole number"))),
        Some(_) => Err(DomainError::invalid(
            key,
            format!("{key} must be a whole number"),
        )),
    }
}

fn boolean(fields: &Map<String, Value>, key: &'static str, default: bool) -> DomainResult<bool> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => match s.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(DomainError::invalid(
                key,
                format!("{key} must be true or false"),
            )),
        },
        Some(_) => Err(DomainError::invalid(
            key,
            format!("{key} must be true or false"),
        )),
    }
}

fn text(fields: &Map<String, Value>, key: &'static str) -> DomainResult<Option<String>> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(DomainError::invalid(key, format!("{key} must be text"))),
    }
}

/// A date (PeerTube's `isDateValid`: ISO 8601); null or empty for none.
fn date(fields: &Map<String, Value>, key: &'static str) -> DomainResult<Option<String>> {
    text(fields, key)?
        .map(|t| {
            crate::store::parse_timestamp(&t).ok_or_else(|| {
                DomainError::invalid(
                    key,
                    format!("{key} must be a date such as 2019-05-01T10:00:00Z"),
                )
            })
        })
        .transpose()
}

/// `scheduleUpdate`: `{updateAt, privacy?}` as JSON or a qs form, or the multipart fields
/// `scheduleUpdate[updateAt]` and `scheduleUpdate[privacy]` that PeerTube's web client sends
/// (which win over an object, so that they replace the schedule an edit starts from); null
/// for none. PeerTube schedules a change to public, unlisted or internal only.
fn schedule(fields: &Map<String, Value>) -> DomainResult<Option<Schedule>> {
    let mut parts = Map::new();
    if let Some(at) = fields.get("scheduleUpdate[updateAt]") {
        parts.insert("updateAt".into(), at.clone());
        if let Some(privacy) = fields.get("scheduleUpdate[privacy]") {
            parts.insert("privacy".into(), privacy.clone());
        }
    } else {
        match fields.get("scheduleUpdate") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if s.is_empty() => return Ok(None),
            Some(Value::Object(o)) => parts = o.clone(),
            Some(_) => {
                return Err(DomainError::invalid(
                    "scheduleUpdate",
                    "scheduleUpdate must be an object {updateAt, privacy}",
                ));
            }
        }
    }
    let at = date(&parts, "updateAt").ok().flatten().ok_or_else(|| {
        DomainError::invalid(
            "scheduleUpdate.updateAt",
            "scheduleUpdate.updateAt must be a date such as 2026-12-24T09:00:00Z",
        )
    })?;
    let privacy = int(&parts, "privacy")
        .ok()
        .filter(|p| matches!(p, None | Some(1 | 2 | 4)))
        .ok_or_else(|| {
            DomainError::invalid(
                "scheduleUpdate.privacy",
                "scheduleUpdate.privacy must be 1 (public), 2 (unlisted) or 4 (internal)",
            )
        })?;
    Ok(Some(Schedule { at, privacy }))
}

/// Checks the fields of an upload and returns typed metadata. `is_language` tells known codes.
pub fn parse(
    fields: &Map<String, Value>,
    is_language: impl Fn(&str) -> bool,
) -> DomainResult<VideoMetadata> {
    let name =
        text(fields, "name")?.ok_or_else(|| DomainError::invalid("name", "name is required"))?;
    names::text("name", &name, 3, 120)?;
    let channel_id = int(fields, "channelId")?
        .ok_or_else(|| DomainError::invalid("channelId", "channelId is required"))?;
    let description = text(fields, "description")?;
    if let Some(d) = &description {
        names::text("description", d, 3, 10_000)?;
    }
    let support = text(fields, "support")?;
    if let Some(s) = &support {
        names::text("support", s, 3, 1000)?;
    }
    let privacy = int(fields, "privacy")?.unwrap_or(1);
    match privacy {
        1..=4 => {}
        5 => {
            return Err(DomainError::invalid(
                "privacy",
                "Password-protected videos (privacy 5) are not supported by Kinora yet",
            ));
        }
        _ => {
            return Err(DomainError::invalid(
                "privacy",
                "privacy must be 1 (public), 2 (unlisted), 3 (private) or 4 (internal)",
            ));
        }
    }
    let category = int(fields, "category")?;
    if category.is_some_and(|c| !(1..=18).contains(&c)) {
        return Err(DomainError::invalid(
            "category",
            "category must be between 1 and 18",
        ));
    }
    let licence = int(fields, "licence")?;
    if licence.is_some_and(|l| !(1..=7).contains(&l)) {
        return Err(DomainError::invalid(
            "licence",
            "licence must be between 1 and 7",
        ));
    }
    let language = text(fields, "language")?;
    if language.as_deref().is_some_and(|l| !is_language(l)) {
        return Err(DomainError::invalid(
            "language",
            "language must be a code from /api/v1/videos/languages",
        ));
    }
    let comments_policy = match int(fields, "commentsPolicy")? {
        Some(p @ 1..=3) => p,
        Some(_) => {
            return Err(DomainError::invalid(
                "commentsPolicy",
                "commentsPolicy must be 1, 2 or 3",
            ));
        }
        None if !boolean(fields, "commentsEnabled", true)? => 2,
        None => 1,
    };
    let tags = match fields.get("tags").or_else(|| fields.get("tags[]")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| DomainError::invalid("tags", "tags must be text"))
            })
            .collect::<DomainResult<Vec<_>>>()?,
        Some(_) => return Err(DomainError::invalid("tags", "tags must be a list of text")),
    };
    if tags.len() > 5 {
        return Err(DomainError::invalid("tags", "at most 5 tags"));
    }
    for tag in &tags {
        names::text("tags", tag, 2, 30)?;
    }
    Ok(VideoMetadata {
        name,
        channel_id,
        description,
        support,
        category,
        licence,
        language,
        privacy,
        nsfw: boolean(fields, "nsfw", false)?,
        comments_policy,
        download_enabled: boolean(fields, "downloadEnabled", true)?,
        wait_transcoding: boolean(fields, "waitTranscoding", false)?,
        tags,
        originally_published_at: date(fields, "originallyPublishedAt")?,
        schedule: schedule(fields)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn accepts_json_numbers_and_multipart_strings() {
        let m = parse(&fields(json!({"name": "My trip", "channelId": "3", "privacy": 2, "tags": ["sea", "boat"], "nsfw": "false"})), |_| true).unwrap();
        assert_eq!(
            (m.channel_id, m.privacy, m.tags.len(), m.nsfw),
            (3, 2, 2, false)
        );
    }

    #[test]
    fn original_publication_dates_are_normalised_to_utc() {
        let date = |value: Value| {
            let f =
                fields(json!({"name": "Old film", "channelId": 1, "originallyPublishedAt": value}));
            parse(&f, |_| true).unwrap().originally_published_at
        };
        assert_eq!(
            date(json!("2019-05-01T10:00:00+02:00")).as_deref(),
            Some("2019-05-01T08:00:00.000Z")
        );
        assert_eq!(
            date(json!("1969-07-20")).as_deref(),
            Some("1969-07-20T00:00:00.000Z")
        );
        assert_eq!(date(json!("")), None);
        assert_eq!(date(Value::Null), None);
    }

    #[test]
    fn refuses_what_peertube_refuses() {
        for bad in [
            json!({"name": "ab", "channelId": 1}),
            json!({"name": "Fine", "channelId": 1, "privacy": 5}),
            json!({"name": "Fine", "channelId": 1, "category": 19}),
            json!({"name": "Fine", "channelId": 1, "licence": 0}),
            json!({"name": "Fine", "channelId": 1, "language": "xx"}),
            json!({"name": "Fine", "channelId": 1, "tags": ["a"]}),
            json!({"name": "Fine", "channelId": 1, "tags": ["aa", "bb", "cc", "dd", "ee", "ff"]}),
            json!({"name": "Fine"}),
            json!({"name": "Fine", "channelId": "one"}),
            json!({"name": "Fine", "channelId": 1, "originallyPublishedAt": "yesterday"}),
            json!({"name": "Fine", "channelId": 1, "originallyPublishedAt": "2019-13-01"}),
            json!({"name": "Fine", "channelId": 1, "originallyPublishedAt": 2019}),
        ] {
            assert!(parse(&fields(bad.clone()), |l| l == "fr").is_err(), "{bad}");
        }
    }
}
