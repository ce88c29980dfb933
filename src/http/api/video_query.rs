//! PeerTube's video list parameters: `start`, `count`, `sort`, `search`, and the repeatable
//! filters (`tagsOneOf`, `tagsAllOf`, `categoryOneOf`, `languageOneOf`, also written with `[]`),
//! `nsfw=true|false|both`, `isLocal`, and for moderators `privacyOneOf` and `include`.
//! Repeated keys are why this does not use serde.

use std::collections::HashMap;

use actix_web::HttpRequest;

use crate::domain::roles;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::MAX_COUNT;
use crate::store::users::UserRow;
use crate::store::videos::VideoFilter;

fn params(req: &HttpRequest) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        let key = k.trim_end_matches("[]").to_string();
        map.entry(key).or_default().push(v.into_owned());
    }
    map
}

fn number(
    map: &HashMap<String, Vec<String>>,
    key: &'static str,
    default: i64,
    range: (i64, i64),
) -> ApiResult<i64> {
    match map.get(key).and_then(|v| v.first()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (range.0..=range.1).contains(n))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    key,
                    format!("{key} must be a number from {} to {}", range.0, range.1),
                )
            }),
    }
}

/// The filter a list request asks for; visibility (`owner_user`) is set by the caller.
pub fn parse(req: &HttpRequest) -> ApiResult<VideoFilter> {
    let map = params(req);
    let list = |key: &str| map.get(key).cloned().unwrap_or_default();
    let category_one_of = list("categoryOneOf")
        .iter()
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::invalid_field("categoryOneOf", "categoryOneOf must hold numbers")
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let nsfw = match map.get("nsfw").and_then(|v| v.first()).map(String::as_str) {
        None | Some("both") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "nsfw",
                "nsfw must be true, false or both",
            ));
        }
    };
    if let Some(v) = map.get("isLocal").and_then(|v| v.first())
        && v != "true"
        && v != "false"
    {
        return Err(ApiError::invalid_field(
            "isLocal",
            "isLocal must be true or false",
        ));
    }
    let privacies = list("privacyOneOf")
        .iter()
        .map(|p| {
            p.parse::<i64>()
                .ok()
                .filter(|p| (1..=5).contains(p))
                .ok_or_else(|| {
                    ApiError::invalid_field("privacyOneOf", "privacyOneOf must hold 1 to 5")
                })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let include = number(&map, "include", 0, (0, 63))?;
    Ok(VideoFilter {
        privacies,
        include_unpublished: include & 1 != 0,
        search: map
            .get("search")
            .and_then(|v| v.first())
            .cloned()
            .filter(|s| !s.trim().is_empty()),
        tags_one_of: list("tagsOneOf"),
        tags_all_of: list("tagsAllOf"),
        category_one_of,
        language_one_of: list("languageOneOf"),
        nsfw,
        // `filter=local` is how PeerTube before 4.0 (and NewPipe builds of that time) asked
        // for this instance's videos; `isLocal` replaced it.
        is_local: map
            .get("isLocal")
            .and_then(|v| v.first())
            .map(|v| v == "true")
            .or_else(|| {
                map.get("filter")
                    .and_then(|v| v.first())
                    .filter(|f| *f == "local" || *f == "all-local")
                    .map(|_| true)
            }),
        sort: map
            .get("sort")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_else(|| "-publishedAt".into()),
        start: number(&map, "start", 0, (0, i64::MAX))?,
        count: number(&map, "count", 15, (0, MAX_COUNT))?,
        ..Default::default()
    })
}

/// Narrows a public list to what `viewer` may list: `privacyOneOf` and `include` are for
/// moderators; signed-in users also see internal videos, as on PeerTube.
pub fn restrict(filter: &mut VideoFilter, viewer: Option<&UserRow>) -> ApiResult<()> {
    let moderator = viewer.is_some_and(|u| u.role <= roles::MODERATOR);
    if (!filter.privacies.is_empty() || filter.include_unpublished) && !moderator {
        return Err(match viewer {
            None => ApiError::unauthorized(),
            Some(_) => ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "Only moderators and administrators can use privacyOneOf and include",
            ),
        });
    }
    if filter.privacies.is_empty() && viewer.is_some() {
        filter.privacies = vec![1, 4];
    }
    Ok(())
}
