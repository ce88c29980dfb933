//! Notes (comments) received or fetched: checked against their author's host, their parent
//! (a video or a comment, fetched up the reply chain when unknown), the video's comment policy
//! and its owner's block lists, then cached. A new comment on one of our videos is held for
//! review when the video's policy asks for it, and approved at once (ApproveReply) otherwise.

use serde_json::Value;

use super::MAX_REPLY_DEPTH;
use crate::federation::{Federation, FederationError, host_of, id_of, outbox, sanitize};
use crate::store::fed_actors;
use crate::store::{actors, blocklist, comments, remote, videos};

impl Federation {
    /// Caches a Note (a comment) whose authority is `host`; its row id. Unknown parents are
    /// fetched from their origin, up to `MAX_REPLY_DEPTH` levels.
    pub async fn store_note(
        &self,
        note: &Value,
        host: &str,
        depth: usize,
    ) -> Result<i64, FederationError> {
        if depth > MAX_REPLY_DEPTH {
            return Err(FederationError::BadRequest("reply chain too deep".into()));
        }
        let id = id_of(note)
            .ok_or_else(|| FederationError::BadRequest("note without id".into()))?
            .to_string();
        if host_of(&id).as_deref() != Some(host) {
            return Err(FederationError::Forbidden(
                "the note's id is not on the sender's host".into(),
            ));
        }
        let u = id.clone();
        if let Some(existing) = self
            .store
            .read(move |c| remote::comment_id_by_url(c, &u))
            .await?
            && note.get("content").is_none()
        {
            return Ok(existing);
        }
        // A followers-only or direct message (Mastodon delivers one to the video's author when
        // replying to it) must not become a public comment.
        if !crate::federation::is_public(note) {
            return Err(FederationError::Forbidden(
                "only public notes become comments".into(),
            ));
        }
        let author_url = note
            .get("attributedTo")
            .and_then(id_of)
            .ok_or_else(|| FederationError::BadRequest("note without author".into()))?;
        if host_of(author_url).as_deref() != Some(host) {
            return Err(FederationError::Forbidden(
                "the note's author is on another host".into(),
            ));
        }
        let author = self.actor(author_url, false).await?;
        let parent_url = note
            .get("inReplyTo")
            .and_then(id_of)
            .ok_or_else(|| FederationError::BadRequest("note without inReplyTo".into()))?
            .to_string();
        // The parent: a video, or a comment (ours, cached, or fetched).
        let (video_id, parent) = match self.known_video(&parent_url).await? {
            Some(v) => (v, None),
            None => {
                let parent_id = self.comment_by_url(&parent_url, depth).await?;
                let parts = self
                    .store
                    .read(move |c| remote::comment_parts(c, parent_id))
                    .await?;
                let (video, _, _, _) = parts.ok_or(FederationError::NotFound("parent comment"))?;
                (video, Some(parent_id))
            }
        };
        let text = sanitize::html_to_text(
            note.get("content")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            10_000,
        );
        let published = note
            .get("published")
            .and_then(Value::as_str)
            .and_then(crate::store::parse_timestamp);
        let author_id = author.id;
        let author_host = author.host.clone().unwrap_or_default();
        let base = self.base.clone();
        self.store
            .write(move |tx| -> Result<i64, FederationError> {
                let account = fed_actors::ensure_account(tx, author_id)?;
                let video =
                    videos::by_id(tx, video_id)?.ok_or(FederationError::NotFound("video"))?;
                let local = video.url.is_none();
                if local && video.comments_policy == 2 {
                    return Err(FederationError::Forbidden(
                        "comments are disabled on this video".into(),
                    ));
                }
                // The video owner's own block lists hold for comments on their videos.
                if let Some(channel) = actors::channel_by_id(tx, video.channel_id)?
                    && (blocklist::is_account_blocked(tx, Some(channel.account_id), account)?
                        || blocklist::is_host_blocked(tx, Some(channel.account_id), &author_host)?
                        || blocklist::is_account_blocked(tx, None, account)?)
                {
                    return Err(FederationError::Forbidden("this account is blocked".into()));
                }
                let (thread, reply_to) = match parent {
                    Some(p) => {
                        let row = comments::get(tx, video_id, p)?
                            .ok_or(FederationError::NotFound("parent comment"))?;
                        (Some(row.thread_id.unwrap_or(row.id)), Some(row.id))
                    }
                    None => (None, None),
                };
                // Our video's owner reviews comments when its policy says so; the author's
                // server holds its copy until our ApproveReply (PeerTube 6.2 and later).
                let held = local && video.comments_policy == 3;
                let (comment, created) = remote::upsert_comment(
                    tx,
                    &id,
                    video_id,
                    account,
                    thread,
                    reply_to,
                    &text,
                    published.as_deref(),
                    held,
                )?;
                // Parents fetched up the chain (depth > 0) are context, not the reply sent.
                if created && local && !held && depth == 0 {
                    outbox::approve_reply(tx, &base, comment)?;
                }
                Ok(comment)
            })
            .await
    }

    /// A comment by its id: ours (`/videos/watch/{uuid}/comments/{id}`), cached, or fetched.
    pub(super) async fn comment_by_url(
        &self,
        url: &str,
        depth: usize,
    ) -> Result<i64, FederationError> {
        if let Some(rest) = url.strip_prefix(&format!("{}/videos/watch/", self.base)) {
            let id: i64 = rest
                .split("/comments/")
                .nth(1)
                .and_then(|s| s.split(['/', '?']).next())
                .and_then(|s| s.parse().ok())
                .ok_or(FederationError::NotFound("comment"))?;
            return Ok(id);
        }
        let u = url.to_string();
        if let Some(id) = self
            .store
            .read(move |c| remote::comment_id_by_url(c, &u))
            .await?
        {
            return Ok(id);
        }
        let host = host_of(url).ok_or(FederationError::NotFound("comment"))?;
        self.check_host(&host).await?;
        let doc = self.fetch(url).await?;
        Box::pin(self.store_note(&doc, &host, depth + 1)).await
    }
}
