//! Our own objects named by the URLs remote activities carry: local actors, videos and
//! comments (and remote videos already cached).

use crate::federation::{Federation, FederationError};
use crate::store::fed_actors::{self, FedActor};
use crate::store::{remote, videos};

impl Federation {
    /// Local actor named by one of our URLs (`/accounts/x`, `/video-channels/x`, `/a/x`, `/c/x`).
    pub(super) async fn local_actor(&self, url: &str) -> Result<FedActor, FederationError> {
        let path = url
            .strip_prefix(&self.base)
            .ok_or(FederationError::NotFound("local actor"))?;
        let name = ["/accounts/", "/video-channels/", "/a/", "/c/"]
            .iter()
            .find_map(|p| path.strip_prefix(p))
            .filter(|n| !n.is_empty() && !n.contains('/'))
            .ok_or(FederationError::NotFound("local actor"))?
            .to_string();
        let found = self
            .store
            .read(move |c| fed_actors::local_by_name(c, &name))
            .await?;
        found.ok_or(FederationError::NotFound("local actor"))
    }

    /// A local video named by its watch URL.
    pub(super) async fn local_video(&self, url: &str) -> Result<Option<i64>, FederationError> {
        let Some(rest) = url.strip_prefix(&format!("{}/videos/watch/", self.base)) else {
            return Ok(None);
        };
        // The video itself, not something under it (`.../comments/3` is a comment).
        let uuid = rest
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
        if uuid.contains('/') {
            return Ok(None);
        }
        Ok(self
            .store
            .read(move |c| videos::by_uuid(c, &uuid))
            .await?
            .filter(|v| v.url.is_none())
            .map(|v| v.id))
    }

    /// Any video (ours, or a remote one already cached) by its id.
    pub(super) async fn known_video(&self, url: &str) -> Result<Option<i64>, FederationError> {
        if let Some(id) = self.local_video(url).await? {
            return Ok(Some(id));
        }
        let u = url.to_string();
        Ok(self
            .store
            .read(move |c| remote::video_id_by_url(c, &u))
            .await?)
    }

    /// A comment served by us (`/videos/watch/{uuid}/comments/{id}`) that exists.
    pub(super) async fn local_comment(&self, url: &str) -> Result<Option<i64>, FederationError> {
        let Some(rest) = url.strip_prefix(&format!("{}/videos/watch/", self.base)) else {
            return Ok(None);
        };
        let Some((uuid, id)) = rest.split_once("/comments/") else {
            return Ok(None);
        };
        let (uuid, id) = (
            uuid.to_string(),
            id.split(['/', '?']).next().unwrap_or_default(),
        );
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let found = self
            .store
            .read(move |c| -> Result<bool, crate::store::StoreError> {
                let video = remote::comment_parts(c, id)?.map(|(video, ..)| video);
                Ok(video.is_some() && video == videos::by_uuid(c, &uuid)?.map(|v| v.id))
            })
            .await?;
        Ok(found.then_some(id))
    }
}
