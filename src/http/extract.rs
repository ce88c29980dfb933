//! Request extractors: the authenticated user (Bearer token, or the session cookie on pages),
//! PeerTube's `start`/`count`/`sort` pagination.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;

use super::error::ApiError;
use crate::app::AppState;
use crate::domain::auth;
use crate::store::users::UserRow;

/// Name of the cookie that carries a web session's access token.
pub const SESSION_COOKIE: &str = "kinora_session";

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "no state",
            )
        })
}

/// What follows `Bearer ` in the `Authorization` header (perhaps blank), when it uses that
/// scheme; None for no header or another scheme (a proxy's Basic credentials passed on).
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The token a request carries: `Authorization: Bearer`, or for non-API pages the session cookie.
pub fn request_token(req: &HttpRequest) -> Option<String> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return bearer(req)
            .filter(|token| !token.is_empty())
            .map(str::to_string);
    }
    // On the API the cookie counts only for Kinora's own page scripts: they send
    // `X-Requested-With: kinora`, which a cross-site form cannot send, and which a cross-site
    // script can send only after a CORS preflight that never allows credentials (the API's CORS
    // answers with a wildcard origin). Browsers that say where a request comes from must also
    // say it comes from this site.
    if req.path().starts_with("/api/") && !from_own_pages(req) {
        return None;
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
}

fn from_own_pages(req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    header("x-requested-with") == Some("kinora")
        && matches!(header("sec-fetch-site"), None | Some("same-origin"))
}

async fn resolve(req: HttpRequest) -> Result<Option<UserRow>, ApiError> {
    let Some(token) = request_token(&req) else {
        return Ok(None);
    };
    let state = state(&req)?;
    Ok(auth::authenticate(&state.store, &token).await?)
}

/// A request from a logged-in user; 401 otherwise.
pub struct AuthUser(pub UserRow);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(req).await? {
                Some(user) => Ok(AuthUser(user)),
                None => Err(ApiError::unauthorized()),
            }
        })
    }
}

/// The logged-in user if there is one. A missing token, or a stale session cookie, reads as
/// anonymous; but a Bearer token that is not valid is a 401 on the API, as PeerTube's
/// `optionalAuthenticate` answers. Clients refresh their token on that 401; were it read as
/// anonymous, they would silently lose their private videos and their ratings instead.
pub struct MaybeUser(pub Option<UserRow>);

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            // Only a Bearer scheme: a proxy's Basic credentials, passed on, are not ours to judge.
            let bearer_on_api = req.path().starts_with("/api/") && bearer(&req).is_some();
            match resolve(req).await? {
                None if bearer_on_api => Err(ApiError::new(
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    "Token is invalid",
                )
                .with_code("invalid_token")),
                user => Ok(MaybeUser(user)),
            }
        })
    }
}

/// `?start=&count=&sort=` with PeerTube's defaults and a maximum page size of 100.
#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub start: Option<i64>,
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub sort: Option<String>,
}

pub const MAX_COUNT: i64 = 100;

impl Paging {
    pub fn start(&self) -> Result<i64, ApiError> {
        match self.start {
            Some(s) if s < 0 => Err(ApiError::invalid_field("start", "start must be 0 or more")),
            Some(s) => Ok(s),
            None => Ok(0),
        }
    }

    pub fn count(&self) -> Result<i64, ApiError> {
        match self.count {
            Some(c) if !(0..=MAX_COUNT).contains(&c) => Err(ApiError::invalid_field(
                "count",
                format!("count must be between 0 and {MAX_COUNT}"),
            )),
            Some(c) => Ok(c),
            None => Ok(15),
        }
    }

    pub fn sort(&self, default: &str) -> String {
        self.sort.clone().unwrap_or_else(|| default.to_string())
    }
}

/// The client address used for rate limits and view counts: the TCP peer, or behind a trusted
/// proxy the address it forwards (`proxy::client_addr`).
pub fn client_ip(req: &HttpRequest) -> String {
    super::proxy::client_addr(req)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// For `Option<Option<T>>` fields: absent stays `None`, `null` becomes `Some(None)`, so a
/// client can clear a field by sending null.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
