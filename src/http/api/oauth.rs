//! PeerTube's OAuth2 endpoints: the local client, the password and refresh-token grants, revoke.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::domain::auth::{self, TokenPair};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, client_ip, request_token};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth-clients/local", web::get().to(local_client))
        .route("/users/token", web::post().to(token))
        .route("/users/revoke-token", web::post().to(revoke));
}

/// 403 unless the request's Host is the configured public host, as PeerTube does, so another
/// site proxying us cannot hand our client credentials to its visitors.
async fn local_client(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let host = req.connection_info().host().to_ascii_lowercase();
    if host != state.host().to_ascii_lowercase() {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            format!("Getting client tokens for host {host} is forbidden"),
        ));
    }
    let (client_id, client_secret) = auth::local_client(&state.store).await?;
    Ok(HttpResponse::Ok().json(json!({ "client_id": client_id, "client_secret": client_secret })))
}

#[derive(Deserialize)]
struct TokenForm {
    client_id: Option<String>,
    client_secret: Option<String>,
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

fn required<'a>(value: &'a Option<String>, field: &'static str) -> ApiResult<&'a str> {
    match value.as_deref() {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(
            ApiError::invalid_field(field, format!("{field} is required"))
                .with_code("invalid_request"),
        ),
    }
}

fn token_json(t: TokenPair) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "token_type": "Bearer",
            "access_token": t.access_token,
            "refresh_token": t.refresh_token,
            "expires_in": t.expires_in,
            "refresh_token_expires_in": t.refresh_token_expires_in,
        }))
}

async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> ApiResult<HttpResponse> {
    let client_id = required(&form.client_id, "client_id")?;
    let client_secret = required(&form.client_secret, "client_secret")?;
    match form.grant_type.as_deref() {
        Some("password") => {
            let username = required(&form.username, "username")?;
            let password = required(&form.password, "password")?;
            state.login_limiter.check(&client_ip(&req), username)?;
            let pair =
                auth::password_grant(&state.store, client_id, client_secret, username, password)
                    .await?;
            Ok(token_json(pair))
        }
        Some("refresh_token") => {
            let refresh = required(&form.refresh_token, "refresh_token")?;
            let pair = auth::refresh_grant(&state.store, client_id, client_secret, refresh).await?;
            Ok(token_json(pair))
        }
        Some(other) => Err(ApiError::bad_request(format!(
            "Unsupported grant type: {other:?} (use password or refresh_token)"
        ))
        .with_code("unsupported_grant_type")),
        None => Err(
            ApiError::invalid_field("grant_type", "grant_type is required")
                .with_code("invalid_request"),
        ),
    }
}

async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> ApiResult<HttpResponse> {
    if let Some(token) = request_token(&req) {
        auth::revoke(&state.store, &token).await?;
    }
    Ok(HttpResponse::Ok().json(json!({})))
}
