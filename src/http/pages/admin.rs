//! Administration pages (administrators; moderators see the users page): users (create, block
//! and unblock, role, quota, delete) with the storage each uses and the total, and jobs
//! (queued, running, failed with the reason, retry). Plain forms: they work without JavaScript,
//! and the session cookie's SameSite=Lax keeps other sites from posting them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{discover, render, see_other};
use crate::app::AppState;
use crate::domain::{DomainError, instance_settings, roles, users};
use crate::http::api::json;
use crate::http::api::users::urls;
use crate::http::error::ApiResult;
use crate::http::extract::MaybeUser;
use crate::store::users::{UserChanges, UserFilter, UserRow};
use crate::store::{jobs, videos};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/admin",
        web::get().to(|| async { see_other("/admin/users") }),
    )
    .route("/admin/users", web::get().to(users_page))
    .route("/admin/users", web::post().to(create_user))
    .route("/admin/users/{id:\\d+}", web::post().to(update_user))
    .route("/admin/users/{id:\\d+}/block", web::post().to(block))
    .route("/admin/users/{id:\\d+}/unblock", web::post().to(unblock))
    .route("/admin/users/{id:\\d+}/delete", web::post().to(delete_user))
    .route("/admin/settings", web::get().to(settings_page))
    .route("/admin/settings", web::post().to(save_settings))
    .route("/admin/settings/reset", web::post().to(reset_settings))
    .route("/custom.css", web::get().to(custom_css))
    .route("/admin/jobs", web::get().to(jobs_page))
    .route("/admin/jobs/{id:\\d+}/retry", web::post().to(retry_job));
}

/// The signed-in manager, or where to send the visitor instead.
pub(super) fn manager(
    user: Option<UserRow>,
    next: &str,
    admin_only: bool,
) -> Result<UserRow, Box<HttpResponse>> {
    match user {
        None => Err(Box::new(see_other(&format!("/login?next={next}")))),
        Some(u) if u.role == roles::ADMIN || (!admin_only && u.role == roles::MODERATOR) => Ok(u),
        Some(_) => Err(Box::new(
            HttpResponse::Forbidden()
                .content_type("text/plain; charset=utf-8")
                .body("This page is for the administrators of this instance."),
        )),
    }
}

#[derive(Deserialize, Default)]
struct UsersQuery {
    page: Option<i64>,
    search: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn users_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<UsersQuery>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/users", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let per_page = 50;
    let filter = UserFilter {
        start: (page - 1) * per_page,
        count: per_page,
        sort: "username".into(),
        search: q.search.clone().filter(|s| !s.trim().is_empty()),
        blocked: None,
    };
    let (total, list) = users::list(&state.store, filter).await?;
    let ids: Vec<i64> = list.iter().map(|d| d.user.id).collect();
    let (used, total_bytes) = state
        .store
        .read(move |conn| {
            let used = ids
                .iter()
                .map(|id| videos::bytes_of_user(conn, *id, None))
                .collect::<Result<Vec<_>, _>>()?;
            let all = videos::bytes_total(conn)?;
            Ok::<_, DomainError>((used, all))
        })
        .await?;
    let u = urls(&state);
    let rows: Vec<Value> = list
        .iter()
        .zip(used)
        .map(|(d, bytes)| {
            let mut v = json::user(&u, d);
            v["videoQuotaUsed"] = json!(bytes);
            v["manageable"] = json!(me.role == roles::ADMIN || d.user.role == roles::USER);
            v
        })
        .collect();
    let params = [("search", q.search.clone().unwrap_or_default())];
    Ok(render(
        &state,
        StatusCode::OK,
        "admin_users.html",
        Some(&me),
        json!({ "users": rows, "total": total, "storage_total": total_bytes,
                "search": q.search, "notice": q.notice, "error": q.error, "me_id": me.id,
                "is_admin": me.role == roles::ADMIN,
                "pager": discover::pager("/admin/users", &params, page, total, per_page) }),
    ))
}

/// Back to the users list with a notice or the error, so a reload does not post again.
fn back(result: Result<(), DomainError>, notice: &str) -> ApiResult<HttpResponse> {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/users?notice={}", enc(notice)))),
        Err(
            e @ (DomainError::Invalid { .. }
            | DomainError::Forbidden(_)
            | DomainError::Conflict(_)
            | DomainError::NotFound(_)),
        ) => Ok(see_other(&format!(
            "/admin/users?error={}",
            enc(&e.to_string())
        ))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct NewUserForm {
    username: String,
    email: String,
    password: String,
    role: u8,
    video_quota: Option<String>,
}

/// A quota field: empty keeps the default, `-1` is unlimited, else a number of MB.
fn quota_bytes(field: Option<&str>) -> Result<Option<i64>, DomainError> {
    match field.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some("-1") => Ok(Some(-1)),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|mb| *mb >= 0)
            .map(|mb| Some(mb * 1024 * 1024))
            .ok_or_else(|| {
                DomainError::invalid("videoQuota", "The quota is a number of MB, or -1")
            }),
    }
}

async fn create_user(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    form: web::Form<NewUserForm>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/users", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let form = form.into_inner();
    let result = async {
        roles::require_can_moderate(&me, form.role)?;
        let quota = quota_bytes(form.video_quota.as_deref())?;
        users::create(
            &state.store,
            users::NewUserRequest {
                username: form.username.trim().to_string(),
                email: Some(form.email.trim().to_string()),
                password: form.password,
                role: form.role,
                video_quota: quota.unwrap_or(state.settings().user_video_quota),
                video_quota_daily: state.settings().user_video_quota_daily,
                display_name: None,
                channel_name: None,
                channel_display_name: None,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    back(result, "User created")
}

#[derive(Deserialize)]
struct UpdateUserForm {
    role: Option<u8>,
    video_quota: Option<String>,
}

async fn update_user(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
    form: web::Form<UpdateUserForm>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/users", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let form = form.into_inner();
    let result = async {
        let changes = UserChanges {
            role: form.role,
            video_quota: quota_bytes(form.video_quota.as_deref())?,
            ..Default::default()
        };
        users::update_by_manager(&state.store, &me, id.into_inner(), changes, None).await
    }
    .await;
    back(result, "User updated")
}

#[derive(Deserialize)]
struct BlockForm {
    reason: Option<String>,
}

async fn block(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
    form: web::Form<BlockForm>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/users", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let reason = form.into_inner().reason.filter(|r| !r.trim().is_empty());
    let result = users::set_blocked(&state.store, &me, id.into_inner(), true, reason).await;
    back(result, "User blocked")
}

async fn unblock(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/users", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let result = users::set_blocked(&state.store, &me, id.into_inner(), false, None).await;
    back(result, "User unblocked")
}

async fn delete_user(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/users", false) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let id = id.into_inner();
    let result = users::delete(
        &state.store,
        &state.video_paths(),
        &me,
        id,
        state.config.avatars_dir(),
    )
    .await;
    back(result, "User deleted")
}

#[derive(Deserialize, Default)]
struct JobsQuery {
    state: Option<String>,
    page: Option<i64>,
    notice: Option<String>,
}

async fn jobs_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<JobsQuery>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/jobs", true) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let tab = match q.state.as_deref() {
        Some(s @ ("running" | "queued" | "failed" | "completed")) => s.to_string(),
        _ => "running".to_string(),
    };
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let per_page = 50;
    let states: &'static [&'static str] = match tab.as_str() {
        "running" => &["running"],
        "queued" => &["queued"],
        "failed" => &["failed", "cancelled"],
        _ => &["completed"],
    };
    let (total, rows) = state
        .store
        .read(move |conn| jobs::list(conn, states, None, None, (page - 1) * per_page, per_page))
        .await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|j| {
            json!({ "id": j.id, "type": j.kind, "state": j.state, "subject": j.subject,
                    "attempts": j.attempts, "maxAttempts": j.max_attempts, "progress": j.progress,
                    "error": j.error, "createdAt": j.created_at, "finishedAt": j.finished_at })
        })
        .collect();
    Ok(render(
        &state,
        StatusCode::OK,
        "admin_jobs.html",
        Some(&me),
        json!({ "jobs": list, "total": total, "tab": tab, "notice": q.notice,
                "pager": discover::pager("/admin/jobs", &[("state", tab.clone())], page, total, per_page) }),
    ))
}

async fn retry_job(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    if let Err(r) = manager(user, "/admin/jobs", true) {
        return Ok(*r);
    }
    let id = id.into_inner();
    let retried = state.store.write(move |tx| jobs::retry(tx, id)).await?;
    if retried {
        state.wake_jobs();
    }
    let notice = if retried { "retried" } else { "not_retried" };
    Ok(see_other(&format!(
        "/admin/jobs?state=failed&notice={notice}"
    )))
}

#[derive(Deserialize, Default)]
struct SettingsQuery {
    notice: Option<String>,
    error: Option<String>,
}

async fn settings_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<SettingsQuery>,
) -> ApiResult<HttpResponse> {
    let me = match manager(user, "/admin/settings", true) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let c = state.settings();
    let stored: Vec<String> = instance_settings::stored(&state.store)
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mb = |bytes: i64| if bytes < 0 { -1 } else { bytes / (1024 * 1024) };
    Ok(render(
        &state,
        StatusCode::OK,
        "admin_settings.html",
        Some(&me),
        json!({
            "s": {
                "name": c.instance_name, "short_description": c.instance_short_description,
                "description": c.instance_description, "terms": c.instance_terms,
                "custom_css": c.custom_css, "robots": c.robots,
                "registration": c.registration.as_str(),
                "quota_mb": mb(c.user_video_quota), "quota_daily_mb": mb(c.user_video_quota_daily),
                "resolutions": c.ladder.resolutions,
            },
            "all_resolutions": [144, 240, 360, 480, 720, 1080, 1440, 2160],
            "stored": stored, "notice": q.notice, "error": q.error,
        }),
    ))
}

/// The settings form, read from the raw body because of its repeated `resolution` fields.
struct SettingsForm {
    name: String,
    short_description: String,
    description: String,
    terms: String,
    custom_css: String,
    robots: String,
    registration: String,
    quota_mb: i64,
    quota_daily_mb: i64,
    /// The checked `resolution` boxes.
    resolution: Vec<u32>,
}

fn settings_back(result: Result<(), DomainError>, notice: &str) -> ApiResult<HttpResponse> {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/admin/settings?notice={}",
            enc(notice)
        ))),
        Err(e @ DomainError::Invalid { .. }) => Ok(see_other(&format!(
            "/admin/settings?error={}",
            enc(&e.to_string())
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn save_settings(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    if let Err(r) = manager(user, "/admin/settings", true) {
        return Ok(*r);
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = SettingsForm {
        name: field("name"),
        short_description: field("short_description"),
        description: field("description"),
        terms: field("terms"),
        custom_css: field("custom_css"),
        robots: field("robots"),
        registration: field("registration"),
        quota_mb: field("quota_mb").trim().parse().unwrap_or(-1),
        quota_daily_mb: field("quota_daily_mb").trim().parse().unwrap_or(-1),
        resolution: pairs
            .iter()
            .filter(|(k, _)| k == "resolution")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    let bytes = |mb: i64| if mb < 0 { -1 } else { mb * 1024 * 1024 };
    let resolutions: Vec<String> = form.resolution.iter().map(u32::to_string).collect();
    let changes = vec![
        ("instance.name".to_string(), form.name),
        ("instance.short_description".into(), form.short_description),
        ("instance.description".into(), form.description),
        ("instance.terms".into(), form.terms),
        ("instance.custom_css".into(), form.custom_css),
        ("instance.robots".into(), form.robots),
        ("registration".into(), form.registration),
        ("user.video_quota".into(), bytes(form.quota_mb).to_string()),
        (
            "user.video_quota_daily".into(),
            bytes(form.quota_daily_mb).to_string(),
        ),
        ("transcoding.resolutions".into(), resolutions.join(",")),
    ];
    let result = instance_settings::update(&state.store, &state.live, changes)
        .await
        .map(|_| ());
    settings_back(result, "Settings saved")
}

async fn reset_settings(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> ApiResult<HttpResponse> {
    if let Err(r) = manager(user, "/admin/settings", true) {
        return Ok(*r);
    }
    let result = instance_settings::reset(&state.store, &state.live)
        .await
        .map(|_| ());
    settings_back(result, "Settings reset to the configuration file")
}

/// The administrators' custom CSS, linked from every page when there is some.
async fn custom_css(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(state.settings().custom_css.clone())
}
