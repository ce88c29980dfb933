//! Remote videos' thumbnails and previews under our own `/lazy-static/...` paths, as PeerTube
//! serves them: clients such as NewPipe only read `thumbnailPath` and `previewPath`, relative to
//! the instance they asked (remote actors' avatars are kept the same way: `store::images`). A picture is fetched from the origin on its first request, checked
//! to be a JPEG (PeerTube's icons are), and kept under `<data>/remote-pictures/`. Its name carries the video's
//! UUID and a hash of the origin's URL, so a new picture at the origin gets a new name.

use sha2::{Digest, Sha256};

use super::objects::video::RemoteMedia;
use super::{Federation, FederationError};
use crate::store::videos::VideoRow;

/// Thumbnail or preview.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Thumbnail,
    Preview,
}

/// The origin's URL of a remote video's picture.
pub fn origin_url(video: &VideoRow, kind: Kind) -> Option<String> {
    video.url.as_ref()?;
    let media: RemoteMedia = serde_json::from_str(video.remote_media.as_deref()?).ok()?;
    match kind {
        Kind::Thumbnail => media.thumbnail_url,
        Kind::Preview => media.preview_url,
    }
}

/// `{uuid}-{16 hex digits of the URL's hash}.jpg`: the file name of a remote picture here.
pub fn file_name(uuid: &str, origin: &str) -> String {
    let hash = Sha256::digest(origin.as_bytes());
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{uuid}-{hex}.jpg")
}

/// The path clients get for a remote video's picture, if its origin has one.
pub fn local_path(video: &VideoRow, kind: Kind) -> Option<String> {
    let origin = origin_url(video, kind)?;
    let dir = match kind {
        Kind::Thumbnail => "thumbnails",
        Kind::Preview => "previews",
    };
    Some(format!(
        "/lazy-static/{dir}/{}",
        file_name(&video.uuid, &origin)
    ))
}

/// The video UUID a remote picture's file name starts with, if it has that form.
pub fn uuid_of(file: &str) -> Option<&str> {
    let stem = file.strip_suffix(".jpg")?;
    let (uuid, hash) = stem.rsplit_once('-')?;
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(uuid)
        .filter(|u| uuid::Uuid::parse_str(u).is_ok())
}

/// Largest picture fetched (PeerTube's previews are about 100 KB).
const MAX_BYTES: usize = 4 << 20;

impl Federation {
    /// Fetches a remote video's picture through the guarded client; only a JPEG of at most
    /// 4 MiB is accepted (PeerTube's thumbnails and previews are JPEGs, served as they come).
    pub async fn fetch_picture(&self, url: &str) -> Result<Vec<u8>, FederationError> {
        let body = self.fetch_image(url, "image/jpeg").await?;
        if !body.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(FederationError::BadRequest(
                "the origin's picture is not a JPEG".into(),
            ));
        }
        Ok(body)
    }

    /// Fetches an image of at most 4 MiB from a remote origin through the guarded client,
    /// unchecked (a remote actor's avatar, which is decoded and re-encoded before serving).
    pub async fn fetch_image(&self, url: &str, accept: &str) -> Result<Vec<u8>, FederationError> {
        let unsigned = std::sync::Arc::new(|_: &url::Url, _: Option<&[u8]>| Vec::new());
        let body = self.get_remote(url, accept, unsigned).await?.body;
        if body.len() > MAX_BYTES {
            return Err(FederationError::BadRequest(
                "the origin's picture is over 4 MiB".into(),
            ));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_uuid_and_change_with_the_url() {
        let uuid = "0c954a1b-79ed-43ef-b314-9c1057546d76";
        let a = file_name(uuid, "https://there.example/lazy-static/thumbnails/a.jpg");
        let b = file_name(uuid, "https://there.example/lazy-static/thumbnails/b.jpg");
        assert_ne!(a, b);
        assert_eq!(uuid_of(&a), Some(uuid));
        assert_eq!(uuid_of("0c954a1b-79ed-43ef-b314-9c1057546d76.jpg"), None);
        assert_eq!(uuid_of("../etc-0123456789abcdef.jpg"), None);
    }
}
