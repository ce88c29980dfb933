//! Signing in and out with a session cookie, and signing up in the instance's registration mode.

use actix_web::cookie::{Cookie, CookieBuilder, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{render, see_other};
use crate::app::AppState;
use crate::domain::registrations::{self, SignUp, SignUpOutcome};
use crate::domain::{DomainError, auth};
use crate::http::extract::{MaybeUser, SESSION_COOKIE, client_ip, request_token};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/signup", web::get().to(signup_page))
        .route("/signup", web::post().to(signup));
}

/// Only local paths are followed after login, never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/my-account",
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    registered: Option<String>,
    expired: Option<String>,
}

async fn login_page(
    state: web::Data<AppState>,
    MaybeUser(user): MaybeUser,
    q: web::Query<LoginQuery>,
) -> HttpResponse {
    if user.is_some() {
        return see_other(safe_next(q.next.as_deref()));
    }
    let notice = if q.registered.is_some() {
        Some("login.registered")
    } else if q.expired.is_some() {
        Some("login.expired")
    } else {
        None
    };
    render(
        &state,
        StatusCode::OK,
        "login.html",
        None,
        json!({ "next": safe_next(q.next.as_deref()), "notice_key": notice }),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// A cookie the pages' script reads once, right after signing in, to make one API call with the
/// session's token in `Authorization` and then delete: app sign-in screens that open our login
/// page in a web view (Grayjay's, written for PeerTube's web client, which keeps its token in
/// scripts) finish when they see `/api/v1/users/me` asked with that header, and keep it.
pub const LOGIN_TOKEN_COOKIE: &str = "kinora_login_token";

/// How long the script has to pick the token up; a client without scripts never does.
const LOGIN_TOKEN_SECONDS: i64 = 120;

/// A site-wide cookie, `Secure` when the instance is served over HTTPS.
fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: CookieDuration,
) -> CookieBuilder<'static> {
    Cookie::build(name, value)
        .path("/")
        .secure(state.base_url().starts_with("https://"))
        .max_age(max_age)
}

fn login_token_cookie(state: &AppState, value: String, max_age: CookieDuration) -> Cookie<'static> {
    cookie(state, LOGIN_TOKEN_COOKIE, value, max_age)
        .same_site(SameSite::Strict)
        .finish()
}

fn session_cookie(state: &AppState, value: String, max_age: CookieDuration) -> Cookie<'static> {
    cookie(state, SESSION_COOKIE, value, max_age)
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish()
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref()).to_string();
    let attempt = async {
        state
            .login_limiter
            .check(&client_ip(&req), &form.username)?;
        let (id, secret) = auth::local_client(&state.store).await?;
        auth::password_grant(&state.store, &id, &secret, &form.username, &form.password).await
    };
    match attempt.await {
        Ok(tokens) => {
            let cookies = [
                session_cookie(
                    &state,
                    tokens.access_token.clone(),
                    CookieDuration::seconds(tokens.expires_in as i64),
                ),
                login_token_cookie(
                    &state,
                    tokens.access_token,
                    CookieDuration::seconds(LOGIN_TOKEN_SECONDS),
                ),
            ];
            let mut response = see_other(&next);
            for cookie in &cookies {
                if let Err(e) = response.add_cookie(cookie) {
                    tracing::error!(error = %e, "cannot set session cookie");
                }
            }
            response
        }
        Err(e) => {
            let (status, key) = match e {
                DomainError::RateLimited { .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, "login.rate_limited")
                }
                DomainError::InvalidGrant(m) if m.contains("blocked") => {
                    (StatusCode::FORBIDDEN, "login.blocked")
                }
                DomainError::InvalidGrant(_) => (StatusCode::UNAUTHORIZED, "login.invalid"),
                other => {
                    tracing::error!(error = %other, "login failed");
                    (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
                }
            };
            render(
                &state,
                status,
                "login.html",
                None,
                json!({ "next": next, "error_key": key, "username": form.username }),
            )
        }
    }
}

async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = request_token(&req)
        && let Err(e) = auth::revoke(&state.store, &token).await
    {
        tracing::warn!(error = %e, "could not revoke session token");
    }
    let mut response = see_other("/");
    let _ = response.add_cookie(&session_cookie(&state, String::new(), CookieDuration::ZERO));
    let _ = response.add_cookie(&login_token_cookie(
        &state,
        String::new(),
        CookieDuration::ZERO,
    ));
    response
}

async fn signup_page(state: web::Data<AppState>, MaybeUser(user): MaybeUser) -> HttpResponse {
    render(
        &state,
        StatusCode::OK,
        "signup.html",
        user.as_ref(),
        json!({ "terms": state.settings().instance_terms, "form": {} }),
    )
}

#[derive(Deserialize)]
struct SignUpForm {
    username: String,
    email: String,
    password: String,
    display_name: Option<String>,
    reason: Option<String>,
    terms: Option<String>,
}

async fn signup(state: web::Data<AppState>, form: web::Form<SignUpForm>) -> HttpResponse {
    let form = form.into_inner();
    let ctx_form = json!({ "username": form.username, "email": form.email,
                           "display_name": form.display_name, "reason": form.reason });
    let fail = |status: StatusCode, message: String| {
        render(
            &state,
            status,
            "signup.html",
            None,
            json!({ "terms": state.settings().instance_terms, "form": ctx_form, "error": message }),
        )
    };
    if form.terms.is_none() {
        return fail(StatusCode::BAD_REQUEST, "signup.terms_required".into());
    }
    let sign_up = SignUp {
        username: form.username.trim().to_string(),
        password: form.password,
        email: form.email.trim().to_string(),
        display_name: form.display_name.filter(|s| !s.trim().is_empty()),
        channel_name: None,
        channel_display_name: None,
        reason: form.reason.filter(|s| !s.trim().is_empty()),
    };
    match registrations::sign_up(&state.store, state.sign_up_policy(), sign_up, false).await {
        Ok(SignUpOutcome::Created(_)) => see_other("/login?registered=1"),
        Ok(SignUpOutcome::Queued(_)) => render(
            &state,
            StatusCode::OK,
            "signup_queued.html",
            None,
            json!({}),
        ),
        Err(e) => {
            let status = match &e {
                DomainError::Conflict(_) => StatusCode::CONFLICT,
                DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
                DomainError::Invalid { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(error = %e, "sign-up failed");
                "error.internal".to_string()
            } else {
                e.to_string()
            };
            fail(status, message)
        }
    }
}
