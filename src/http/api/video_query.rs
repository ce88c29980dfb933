//! PeerTube's video list parameters: `start`, `count`, `sort`, `search`, the repeatable
//! filters (`tagsOneOf`, `tagsAllOf`, `categoryOneOf`, `licenceOneOf`, `languageOneOf`, also
//! written with `[]`), `nsfw=true|false|both`, `isLocal`, `isLive`, `durationMin`/`durationMax`,
//! `startDate`/`endDate`, and for moderators `privacyOneOf` and `include`.
//! Repeated keys are why this does not use serde.

use std::collections::HashMap;

use actix_web::HttpRequest;

use crate::domain::roles;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::MAX_COUNT;
use crate::store::users::UserRow;
use crate::store::video_list::{self, VideoFilter};

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

/// Every value of a repeatable numeric filter.
fn numbers(map: &HashMap<String, Vec<String>>, key: &'static str) -> ApiResult<Vec<i64>> {
    map.get(key)
        .into_iter()
        .flatten()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::invalid_field(key, format!("{key} must hold numbers")))
        })
        .collect()
}

fn optional_number(
    map: &HashMap<String, Vec<String>>,
    key: &'static str,
) -> ApiResult<Option<i64>> {
    map.contains_key(key)
        .then(|| number(map, key, 0, (0, i64::MAX)))
        .transpose()
}

fn boolean(map: &HashMap<String, Vec<String>>, key: &'static str) -> ApiResult<Option<bool>> {
    match map.get(key).and_then(|v| v.first()).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid_field(
            key,
            format!("{key} must be true or false"),
        )),
    }
}

/// A date-time bound (ISO 8601, or a bare date meaning its midnight UTC) as a stored timestamp.
fn date(map: &HashMap<String, Vec<String>>, key: &'static str) -> ApiResult<Option<String>> {
    let Some(v) = map.get(key).and_then(|v| v.first()) else {
        return Ok(None);
    };
    crate::store::parse_timestamp(v)
        .map(Some)
        .ok_or_else(|| ApiError::invalid_field(key, format!("{key} must be an ISO 8601 date")))
}

/// The filter a list request asks for; visibility (`owner_user`) is set by the caller.
pub fn parse(req: &HttpRequest) -> ApiResult<VideoFilter> {
    let map = params(req);
    let list = |key: &str| map.get(key).cloned().unwrap_or_default();
    let category_one_of = numbers(&map, "categoryOneOf")?;
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
    let is_local = boolean(&map, "isLocal")?;
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
    let sort = map
        .get("sort")
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_else(|| "-publishedAt".into());
    if !video_list::is_sort(&sort) {
        return Err(ApiError::invalid_field(
            "sort",
            format!(
                "sort must be one of {}, each optionally with a leading -",
                video_list::SORTS.join(", ")
            ),
        ));
    }
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
        licence_one_of: numbers(&map, "licenceOneOf")?,
        language_one_of: list("languageOneOf"),
        duration_min: optional_number(&map, "durationMin")?,
        duration_max: optional_number(&map, "durationMax")?,
        published_after: date(&map, "startDate")?,
        published_before: date(&map, "endDate")?,
        live_only: boolean(&map, "isLive")? == Some(true),
        nsfw,
        // `filter=local` is how PeerTube before 4.0 (and NewPipe builds of that time) asked
        // for this instance's videos; `isLocal` replaced it.
        is_local: is_local.or_else(|| {
            map.get("filter")
                .and_then(|v| v.first())
                .filter(|f| *f == "local" || *f == "all-local")
                .map(|_| true)
        }),
        sort,
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
