//! The rules: users, accounts, channels, authentication, registration and images, as plain Rust
//! over the store. HTTP handlers and CLI commands call these functions and nothing below them.

pub mod abuse_messages;
pub mod abuse_reasons;
pub mod abuses;
pub mod accounts;
pub mod auth;
pub mod captions;
pub mod channels;
pub mod comments;
pub mod history;
pub mod images;
pub mod instance_settings;
pub mod names;
pub mod notifications;
pub mod processing;
pub mod registrations;
pub mod remote_pictures;
pub mod roles;
pub mod schedules;
pub mod stats;
pub mod subtitles;
pub mod torrents;
pub mod uploads;
pub mod users;
pub mod video_ids;
pub mod video_meta;
pub mod video_pictures;
pub mod video_tokens;
pub mod videos;

use crate::store::StoreError;

/// What can go wrong in a domain operation; the HTTP layer turns each into a status and code.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    InvalidGrant(String),
    #[error("Invalid client: client is invalid")]
    InvalidClient,
    #[error("{0}")]
    InvalidToken(String),
    #[error("Too many attempts, please try again later.")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    QuotaReached(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
    #[error("a background task failed")]
    TaskFailed,
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
        DomainError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

/// Runs CPU-heavy work (password hashing, image decoding) on a blocking thread.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> DomainResult<T> + Send + 'static,
) -> DomainResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| DomainError::TaskFailed)?
}
