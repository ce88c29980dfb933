//! Pages to find videos, all rendered by the server with plain links for pagination: home
//! (recent and trending over a chosen window), browse with filters, search (videos and
//! channels), tag pages; and the video grids of channel and account pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::render;
use super::upload::{languages, numbered};
use crate::app::AppState;
use crate::domain::{channels, videos};
use crate::http::api::config::CATEGORIES;
use crate::http::api::users::urls;
use crate::http::api::{json, video_json};
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::store::users::UserRow;
use crate::store::videos::VideoFilter;

pub const PER_PAGE: i64 = 24;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/videos/browse", web::get().to(browse))
        .route("/search", web::get().to(search))
        .route("/videos/tags/{tag}", web::get().to(tag_page));
}

/// Query parameters shared by the listing pages.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub search: Option<String>,
    pub sort: Option<String>,
    #[serde(rename = "categoryOneOf")]
    pub category: Option<String>,
    #[serde(rename = "languageOneOf")]
    pub language: Option<String>,
    pub nsfw: Option<String>,
    /// Trending window in days.
    pub days: Option<i64>,
    /// Home page: `local` (this instance's videos) or `all`.
    pub scope: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 10_000)
    }
}

/// How NSFW videos are listed for this viewer: the user's policy (`do_not_list`, `blur`,
/// `display`), hidden for visitors; `?nsfw=hide|both|only` on browse overrides it.
pub fn nsfw_filter(user: Option<&UserRow>, asked: Option<&str>) -> (Option<bool>, bool) {
    let policy = user.map_or("do_not_list", |u| u.nsfw_policy.as_str());
    let blur = policy == "blur";
    match asked {
        Some("both") => (None, blur),
        Some("only") => (Some(true), blur),
        Some("hide") => (Some(false), blur),
        _ if policy == "do_not_list" => (Some(false), false),
        _ => (None, blur),
    }
}

/// One page of a filter as cards, and the total.
pub async fn cards(state: &AppState, filter: VideoFilter) -> ApiResult<(i64, Vec<Value>)> {
    let (total, list) = videos::list(&state.store, filter).await?;
    let urls = urls(state);
    Ok((
        total,
        list.iter().map(|d| video_json::video(&urls, d)).collect(),
    ))
}

/// Previous/next links that keep the other query parameters.
pub fn pager(path: &str, params: &[(&str, String)], page: i64, total: i64, per_page: i64) -> Value {
    let pages = ((total + per_page - 1) / per_page).max(1);
    let link = |p: i64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(k, v);
        }
        query.append_pair("page", &p.to_string());
        format!("{path}?{}", query.finish())
    };
    json!({
        "page": page,
        "pages": pages,
        "prev": (page > 1).then(|| link(page - 1)),
        "next": (page < pages).then(|| link(page + 1)),
    })
}

fn since_days(days: i64) -> String {
    crate::store::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(days))
}

/// The cookie in which the home page's script remembers the viewer's last scope choice.
pub const SCOPE_COOKIE: &str = "kinora-home-scope";

/// Whether the home page lists only this instance's videos: `?scope=` when given (links that
/// work without scripts), else the remembered choice, else all.
fn local_only(req: &HttpRequest, asked: Option<&str>) -> bool {
    match asked {
        Some("local") => true,
        Some(_) => false,
        None => req
            .cookie(SCOPE_COOKIE)
            .is_some_and(|c| c.value() == "local"),
    }
}

async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let (nsfw, blur) = nsfw_filter(user.as_ref(), None);
    let days = q.days.filter(|d| [1, 7, 30].contains(d)).unwrap_or(7);
    let local = local_only(&req, q.scope.as_deref());
    let is_local = local.then_some(true);
    let (_, recent) = cards(
        &state,
        VideoFilter {
            is_local,
            nsfw,
            sort: "-publishedAt".into(),
            count: 12,
            ..Default::default()
        },
    )
    .await?;
    let (_, trending) = cards(
        &state,
        VideoFilter {
            is_local,
            nsfw,
            sort: "-trending".into(),
            trending_since: Some(since_days(days)),
            count: 8,
            ..Default::default()
        },
    )
    .await?;
    let (total, list) = channels::list(&state.store, None, 0, 12, "-createdAt".into()).await?;
    let u = urls(&state);
    let channel_list: Vec<_> = list.iter().map(|c| json::channel(&u, c)).collect();
    Ok(render(
        &state,
        StatusCode::OK,
        "home.html",
        user.as_ref(),
        json!({ "recent": recent, "trending": trending, "days": days, "blur": blur,
                "scope": if local { "local" } else { "all" },
                "channels": channel_list, "channels_total": total,
                "description": state.settings().instance_description }),
    ))
}

async fn browse(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let (nsfw, blur) = nsfw_filter(user.as_ref(), q.nsfw.as_deref());
    let page = q.page();
    let sort = match q.sort.as_deref() {
        Some(s @ ("-publishedAt" | "-views" | "-likes" | "-trending" | "name")) => s.to_string(),
        _ => "-publishedAt".to_string(),
    };
    let category: Vec<i64> = q
        .category
        .as_deref()
        .and_then(|c| c.parse().ok())
        .into_iter()
        .collect();
    let language: Vec<String> = q
        .language
        .iter()
        .filter(|l| !l.is_empty())
        .cloned()
        .collect();
    let filter = VideoFilter {
        nsfw,
        sort: sort.clone(),
        trending_since: Some(since_days(7)),
        category_one_of: category,
        language_one_of: language,
        start: (page - 1) * PER_PAGE,
        count: PER_PAGE,
        ..Default::default()
    };
    let (total, list) = cards(&state, filter).await?;
    let params = [
        ("sort", sort.clone()),
        ("categoryOneOf", q.category.clone().unwrap_or_default()),
        ("languageOneOf", q.language.clone().unwrap_or_default()),
        ("nsfw", q.nsfw.clone().unwrap_or_default()),
    ];
    Ok(render(
        &state,
        StatusCode::OK,
        "browse.html",
        user.as_ref(),
        json!({ "videos": list, "total": total, "blur": blur,
                "pager": pager("/videos/browse", &params, page, total, PER_PAGE),
                "q": { "sort": sort, "category": q.category, "language": q.language, "nsfw": q.nsfw },
                "categories": numbered(&CATEGORIES), "languages": languages() }),
    ))
}

async fn search(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let text = q.search.clone().unwrap_or_default().trim().to_string();
    let page = q.page();
    let (nsfw, blur) = nsfw_filter(user.as_ref(), None);
    let (mut total, mut list, mut channel_list) = (0, vec![], vec![]);
    if !text.is_empty() {
        (total, list) = cards(
            &state,
            VideoFilter {
                nsfw,
                search: Some(text.clone()),
                sort: "-publishedAt".into(),
                start: (page - 1) * PER_PAGE,
                count: PER_PAGE,
                ..Default::default()
            },
        )
        .await?;
        if page == 1 {
            let (_, found) = channels::search(&state.store, text.clone(), 0, 12).await?;
            let u = urls(&state);
            channel_list = found.iter().map(|c| json::channel(&u, c)).collect();
        }
    }
    Ok(render(
        &state,
        StatusCode::OK,
        "search.html",
        user.as_ref(),
        json!({ "search": text, "videos": list, "total": total, "channels": channel_list, "blur": blur,
                "pager": pager("/search", &[("search", text.clone())], page, total, PER_PAGE) }),
    ))
}

async fn tag_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    tag: web::Path<String>,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let tag = tag.into_inner();
    let page = q.page();
    let (nsfw, blur) = nsfw_filter(user.as_ref(), None);
    let (total, list) = cards(
        &state,
        VideoFilter {
            nsfw,
            tags_one_of: vec![tag.clone()],
            sort: "-publishedAt".into(),
            start: (page - 1) * PER_PAGE,
            count: PER_PAGE,
            ..Default::default()
        },
    )
    .await?;
    let path = format!(
        "/videos/tags/{}",
        form_urlencoded::byte_serialize(tag.as_bytes()).collect::<String>()
    );
    Ok(render(
        &state,
        StatusCode::OK,
        "tag.html",
        user.as_ref(),
        json!({ "tag": tag, "videos": list, "total": total, "blur": blur,
                "pager": pager(&path, &[], page, total, PER_PAGE) }),
    ))
}
