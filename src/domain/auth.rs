//! Authentication: argon2id passwords, the local OAuth client, the password and refresh-token
//! grants, bearer-token lookup, revocation, and the login rate limits.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

use super::{DomainError, DomainResult, blocking};
use crate::store::users::{self, UserRow};
use crate::store::{Store, timestamp, tokens};

pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

pub fn hash_password(password: &str) -> DomainResult<String> {
    let salt = SaltString::from_b64(&base64_salt()).map_err(|_| DomainError::TaskFailed)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| DomainError::TaskFailed)
}

fn base64_salt() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::rng().random();
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random string of `len` characters from `[a-zA-Z0-9]`.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Random password shown once to an administrator (24 characters, about 140 bits).
pub fn generate_password() -> String {
    random_token(24)
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The local OAuth client PeerTube's apps ask for; created on first start.
pub fn ensure_local_client(store: &Store) -> DomainResult<(String, String)> {
    store.write_blocking(|tx| {
        if let Some(c) = tokens::local_client(tx)? {
            return Ok((c.client_id, c.client_secret));
        }
        let id = random_token(32).to_ascii_lowercase();
        let secret = random_token(32);
        tokens::insert_client(tx, &id, &secret)?;
        Ok::<_, DomainError>((id, secret))
    })
}

pub async fn local_client(store: &Store) -> DomainResult<(String, String)> {
    store
        .read(tokens::local_client)
        .await?
        .map(|c| (c.client_id, c.client_secret))
        .ok_or_else(|| DomainError::NotFound("No local OAuth client".into()))
}

#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub refresh_token_expires_in: u64,
}

async fn check_client(store: &Store, client_id: &str, client_secret: &str) -> DomainResult<()> {
    let (id, secret) = local_client(store).await?;
    // Constant-time comparison is not needed: the client secret is public (served by
    // /oauth-clients/local), PeerTube checks it only to tell apps apart.
    if id == client_id && secret == client_secret {
        Ok(())
    } else {
        Err(DomainError::InvalidClient)
    }
}

fn issue_tokens(conn: &rusqlite::Connection, user_id: i64) -> DomainResult<TokenPair> {
    let access = random_token(40);
    let refresh = random_token(40);
    let now = time::OffsetDateTime::now_utc();
    tokens::insert(
        conn,
        &tokens::NewToken {
            user_id,
            access_hash: &hash_token(&access),
            refresh_hash: &hash_token(&refresh),
            access_expires_at: &timestamp(now + ACCESS_TOKEN_LIFETIME),
            refresh_expires_at: &timestamp(now + REFRESH_TOKEN_LIFETIME),
        },
    )?;
    users::touch_login(conn, user_id)?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        expires_in: ACCESS_TOKEN_LIFETIME.as_secs(),
        refresh_token_expires_in: REFRESH_TOKEN_LIFETIME.as_secs(),
    })
}

/// Checks a username (or email) and password; the user on success.
pub async fn check_credentials(
    store: &Store,
    login: &str,
    password: &str,
) -> DomainResult<UserRow> {
    let login = login.to_string();
    let user = store
        .read(move |conn| users::by_login(conn, &login))
        .await?;
    let password = password.to_string();
    // Verify against a fixed hash when the user is unknown, so timing does not reveal which
    // usernames exist.
    let (hash, known) = match &user {
        Some(u) => (u.password_hash.clone(), true),
        None => (dummy_hash().to_string(), false),
    };
    let ok = blocking(move || Ok(verify_password(&password, &hash))).await?;
    match user {
        Some(u) if ok && known => {
            if u.blocked {
                Err(DomainError::InvalidGrant("User is blocked.".into()))
            } else {
                Ok(u)
            }
        }
        _ => Err(DomainError::InvalidGrant(
            "Invalid grant: user credentials are invalid".into(),
        )),
    }
}

/// An argon2id hash of a random password, used only to spend the same time on unknown users.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token(24)).unwrap_or_default())
}

/// `grant_type=password`.
pub async fn password_grant(
    store: &Store,
    client_id: &str,
    client_secret: &str,
    login: &str,
    password: &str,
) -> DomainResult<TokenPair> {
    check_client(store, client_id, client_secret).await?;
    let user = check_credentials(store, login, password).await?;
    store.write(move |tx| issue_tokens(tx, user.id)).await
}

/// `grant_type=refresh_token`: the old pair stops working, a new pair is issued.
pub async fn refresh_grant(
    store: &Store,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
) -> DomainResult<TokenPair> {
    check_client(store, client_id, client_secret).await?;
    let hash = hash_token(refresh_token);
    store
        .write(move |tx| {
            let now = timestamp(time::OffsetDateTime::now_utc());
            let user_id = tokens::take_refresh(tx, &hash, &now)?.ok_or_else(|| {
                DomainError::InvalidGrant("Invalid grant: refresh token is invalid".into())
            })?;
            match users::by_id(tx, user_id)? {
                Some(u) if !u.blocked => issue_tokens(tx, user_id),
                _ => Err(DomainError::InvalidGrant("User is blocked.".into())),
            }
        })
        .await
}

/// The user behind a live access token, if any.
pub async fn authenticate(store: &Store, access_token: &str) -> DomainResult<Option<UserRow>> {
    let hash = hash_token(access_token);
    store
        .read(move |conn| {
            let now = timestamp(time::OffsetDateTime::now_utc());
            match tokens::user_for_access(conn, &hash, &now)? {
                Some(user_id) => Ok(users::by_id(conn, user_id)?.filter(|u| !u.blocked)),
                None => Ok(None),
            }
        })
        .await
}

pub async fn revoke(store: &Store, access_token: &str) -> DomainResult<()> {
    let hash = hash_token(access_token);
    store
        .write(move |tx| Ok::<_, DomainError>(tokens::delete_by_access(tx, &hash).map(|_| ())?))
        .await
}

/// Login attempts per client IP and per account name, within a sliding budget.
#[derive(Clone)]
pub struct LoginLimiter {
    by_ip: Arc<DefaultKeyedRateLimiter<String>>,
    by_account: Arc<DefaultKeyedRateLimiter<String>>,
}

impl LoginLimiter {
    pub fn new(attempts: u32, window: Duration) -> LoginLimiter {
        let burst = NonZeroU32::new(attempts).unwrap_or(NonZeroU32::MIN);
        let period = window / burst.get();
        let quota = Quota::with_period(period.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        LoginLimiter {
            by_ip: Arc::new(RateLimiter::keyed(quota)),
            by_account: Arc::new(RateLimiter::keyed(quota)),
        }
    }

    /// Spends one attempt for this IP and account; `RateLimited` with the wait when either is spent.
    pub fn check(&self, ip: &str, account: &str) -> DomainResult<()> {
        let clock = DefaultClock::default();
        for (limiter, key) in [
            (&self.by_ip, ip.to_string()),
            (&self.by_account, account.to_ascii_lowercase()),
        ] {
            if let Err(not_until) = limiter.check_key(&key) {
                let wait = not_until.wait_time_from(clock.now());
                return Err(DomainError::RateLimited {
                    retry_after_secs: wait.as_secs() + 1,
                });
            }
        }
        Ok(())
    }

    /// Drops state for keys that have fully recovered, so memory stays bounded.
    pub fn prune(&self) {
        self.by_ip.retain_recent();
        self.by_account.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(dummy_hash()).is_ok());
    }

    #[test]
    fn limiter_refuses_after_budget() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            limiter.check("1.2.3.4", "alice").unwrap();
        }
        match limiter.check("1.2.3.4", "bob") {
            Err(DomainError::RateLimited { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        limiter.check("5.6.7.8", "carol").unwrap();
    }
}
