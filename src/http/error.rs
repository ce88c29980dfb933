//! `ApiError`: every error leaves as RFC 7807 problem JSON in PeerTube's shape (`type`, `title`,
//! `status`, `detail`, `code`, `invalid-params`, and the legacy `error` field). Internal detail
//! goes to the log, never to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

use crate::domain::DomainError;

const DOCS: &str = "https://docs.joinpeertube.org/api-rest-reference.html";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub code: Option<&'static str>,
    pub invalid_params: Option<Map<String, Value>>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            code: None,
            invalid_params: None,
            retry_after: None,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> ApiError {
        self.code = Some(code);
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication is required: send a valid Bearer token",
        )
        .with_code("invalid_token")
    }

    /// A validation failure on one field, with PeerTube's `invalid-params` map.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut params = Map::new();
        params.insert(
            field.to_string(),
            json!({ "msg": message, "path": field, "location": "body", "type": "field" }),
        );
        ApiError {
            invalid_params: Some(params),
            ..ApiError::bad_request(format!("Incorrect request parameters: {field}: {message}"))
        }
    }

    fn body(&self) -> Value {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let mut body = json!({
            "type": match self.code {
                Some(code) => format!("{DOCS}#section/Errors/{code}"),
                None => "about:blank".to_string(),
            },
            "title": title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "error": self.detail,
            "docs": DOCS,
        });
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        if let Some(params) = &self.invalid_params {
            body["invalid-params"] = Value::Object(params.clone());
        }
        body
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json; charset=utf-8"),
        ));
        if let Some(secs) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.body(self.body().to_string())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> ApiError {
        match e {
            DomainError::NotFound(m) => ApiError::not_found(m),
            DomainError::Invalid { field, message } => ApiError::invalid_field(field, message),
            DomainError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            DomainError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            DomainError::InvalidGrant(m) => ApiError::bad_request(m).with_code("invalid_grant"),
            DomainError::InvalidClient => {
                ApiError::bad_request("Invalid client: client is invalid")
                    .with_code("invalid_client")
            }
            DomainError::InvalidToken(m) => {
                ApiError::new(StatusCode::UNAUTHORIZED, m).with_code("invalid_token")
            }
            DomainError::RateLimited { retry_after_secs } => ApiError {
                retry_after: Some(retry_after_secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests, please try again later.",
                )
            },
            DomainError::TooLarge(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m),
            DomainError::QuotaReached(m) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m).with_code("quota_reached")
            }
            DomainError::UnsupportedMedia(m) => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, m)
            }
            DomainError::Io(e) if crate::fsutil::is_out_of_space(&e) => out_of_space(&e),
            DomainError::Store(e) if e.is_out_of_space() => out_of_space(&e),
            other @ (DomainError::Store(_) | DomainError::Io(_) | DomainError::TaskFailed) => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "An internal error occurred; it has been logged.",
                )
            }
        }
    }
}

/// 507 Insufficient Storage: the request may succeed once the administrator, told by the log,
/// has made room; nothing of it was kept (uploads write to temporary names, the database rolls
/// back).
fn out_of_space(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "out of disk space: a request was refused");
    ApiError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        "The server has run out of disk space; please try again later.",
    )
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::from(DomainError::from(e))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Problem JSON for actix's own extractor failures (bad JSON, form, query or path).
pub fn extractor_error(err: impl std::fmt::Display, status: StatusCode) -> actix_web::Error {
    ApiError::new(status, format!("Incorrect request: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    /// A full disk, as the file system or SQLite says it, is a 507; other failures stay 500s.
    #[test]
    fn a_full_disk_is_insufficient_storage() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let quota = std::io::Error::from(std::io::ErrorKind::QuotaExceeded);
        let sqlite_full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        let cases = [
            (DomainError::Io(full), 507),
            (DomainError::Io(quota), 507),
            (DomainError::Store(StoreError::Sqlite(sqlite_full)), 507),
            (DomainError::Io(std::io::Error::other("broken")), 500),
            (DomainError::TaskFailed, 500),
        ];
        for (error, status) in cases {
            let what = error.to_string();
            assert_eq!(ApiError::from(error).status.as_u16(), status, "{what}");
        }
    }
}
