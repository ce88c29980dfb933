//! HTML pages rendered by the server: discovery (home, browse, search, tags), watch and embed,
//! upload, sign-in and sign-up, the user's own pages, administration (with the reports), and
//! public account and channel pages. They work without JavaScript, except the uploader.

pub mod account;
pub mod admin;
pub mod admin_abuses;
pub mod discover;
pub mod manage;
pub mod markdown;
pub mod notifications;
pub mod report;
pub mod session;
pub mod templates;
pub mod upload;
pub mod video_edit;
pub mod watch;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::domain::roles;
use crate::http::extract::MaybeUser;
use crate::store::users::UserRow;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(discover::routes)
        .configure(session::routes)
        .configure(account::routes)
        .configure(admin::routes)
        .configure(admin_abuses::routes)
        .configure(report::routes)
        .configure(manage::routes)
        .configure(notifications::routes)
        .configure(upload::routes)
        .configure(video_edit::routes)
        .configure(watch::routes);
}

/// Renders `template` with the common context (instance, signed-in user) merged with `ctx`.
pub fn render(
    state: &AppState,
    status: StatusCode,
    template: &str,
    user: Option<&UserRow>,
    ctx: Value,
) -> HttpResponse {
    let mut context = json!({
        "instance": {
            "name": state.settings().instance_name,
            "short_description": state.settings().instance_short_description,
            "registration": state.settings().registration.as_str(),
            "custom_css": !state.settings().custom_css.is_empty(),
        },
        "user": user.map(|u| json!({
            "username": u.username,
            "is_admin": u.role == roles::ADMIN,
            "role": roles::label(u.role),
            "theme": u.theme,
            "unread_notifications": u.unread_notifications,
        })),
        "lang": "en",
    });
    if let (Some(base), Value::Object(extra)) = (context.as_object_mut(), ctx) {
        base.extend(extra);
    }
    let mut builder = HttpResponse::build(status);
    crate::http::html_security_headers(&mut builder);
    match state.templates.render(template, &context) {
        Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
        Err(e) => {
            tracing::error!(template, error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("This page could not be rendered; the error has been logged.")
        }
    }
}

/// HTML 404 for browsers; the API scope has its own JSON 404.
pub async fn not_found(
    req: HttpRequest,
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
) -> HttpResponse {
    let wants_json = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") && !v.contains("text/html"));
    if wants_json {
        return actix_web::ResponseError::error_response(&crate::http::error::ApiError::not_found(
            "Not found",
        ));
    }
    not_found_page(&state, user.as_ref())
}

pub fn not_found_page(state: &AppState, user: Option<&UserRow>) -> HttpResponse {
    render(
        state,
        StatusCode::NOT_FOUND,
        "error.html",
        user,
        json!({ "title_key": "error.not_found.title", "message_key": "error.not_found.text" }),
    )
}

/// 303 to `location` (after a form post, so reloading does not post again). A location that
/// cannot be a header (control characters from a crafted path) is a 400, not a failed response.
pub fn see_other(location: &str) -> HttpResponse {
    match actix_web::http::header::HeaderValue::from_str(location) {
        Ok(value) => HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, value))
            .finish(),
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}
