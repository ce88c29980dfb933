//! Video file tokens (`POST /api/v1/videos/{id}/token`): short-lived proofs that a user may
//! fetch a private or internal video's files, for players that cannot send an Authorization
//! header (a `<video>` element, hls.js segment requests, a download link). A token is an HMAC
//! over the video, the user and the expiry with an instance secret, so it needs no table and
//! survives a restart.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::{Store, StoreError, secrets};

/// How long a token works, as on PeerTube.
pub const TOKEN_LIFETIME_SECS: i64 = 8 * 3600;

#[derive(Clone)]
pub struct VideoTokens {
    key: std::sync::Arc<Vec<u8>>,
}

impl VideoTokens {
    /// Loads (or creates, on the first start) the instance's signing key.
    pub fn load(store: &Store) -> Result<VideoTokens, StoreError> {
        let key = store.write_blocking(|tx| secrets::get_or_create(tx, "video_file_token", 32))?;
        Ok(VideoTokens {
            key: std::sync::Arc::new(key),
        })
    }

    fn mac(&self, video_uuid: &str, user_id: i64, expires: i64) -> String {
        // A key of any length is valid for HMAC, so `new_from_slice` cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("{video_uuid}\n{user_id}\n{expires}").as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..20])
    }

    /// A token for `user_id` and this video, valid from `now` (Unix seconds); and its expiry.
    pub fn issue(&self, video_uuid: &str, user_id: i64, now: i64) -> (String, i64) {
        let expires = now + TOKEN_LIFETIME_SECS;
        let mac = self.mac(video_uuid, user_id, expires);
        (format!("{user_id}.{expires}.{mac}"), expires)
    }

    /// The user a valid, unexpired token for this video was issued to.
    pub fn verify(&self, token: &str, video_uuid: &str, now: i64) -> Option<i64> {
        let mut parts = token.splitn(3, '.');
        let user_id: i64 = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        let mac = parts.next()?;
        if expires < now {
            return None;
        }
        let expected = self.mac(video_uuid, user_id, expires);
        // Constant-time comparison, so the MAC cannot be guessed byte by byte.
        let same = expected.len() == mac.len()
            && expected
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then_some(user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> VideoTokens {
        VideoTokens {
            key: std::sync::Arc::new(b"test key".to_vec()),
        }
    }

    #[test]
    fn tokens_work_for_their_video_until_they_expire() {
        let t = tokens();
        let (token, expires) = t.issue("video-a", 7, 1000);
        assert_eq!(expires, 1000 + TOKEN_LIFETIME_SECS);
        assert_eq!(t.verify(&token, "video-a", 1001), Some(7));
        assert_eq!(t.verify(&token, "video-a", expires + 1), None, "expired");
        assert_eq!(t.verify(&token, "video-b", 1001), None, "other video");
        let forged = token.replacen("7.", "8.", 1);
        assert_eq!(t.verify(&forged, "video-a", 1001), None, "other user");
        let extended = format!("7.{}.{}", expires + 100, token.rsplit('.').next().unwrap());
        assert_eq!(t.verify(&extended, "video-a", 1001), None, "longer life");
        for junk in ["", "x", "1.2", "1.2.", "a.b.c"] {
            assert_eq!(t.verify(junk, "video-a", 1001), None, "{junk}");
        }
    }
}
