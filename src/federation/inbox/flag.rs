//! Flag: a remote report about our videos, comments or accounts, into the abuse list.

use serde_json::Value;

use crate::domain::abuse_reasons;
use crate::federation::{Federation, FederationError, ids_in, sanitize};
use crate::store::abuses;
use crate::store::fed_actors::{self, FedActor};

impl Federation {
    /// A report: one `abuses` row per video, comment or account of ours among the objects,
    /// with PeerTube's predefined reasons (Hashtag names) and the video time range.
    pub(super) async fn on_flag(
        &self,
        a: &Value,
        signer: &FedActor,
    ) -> Result<(), FederationError> {
        let reason = a
            .get("content")
            .and_then(Value::as_str)
            .map(|c| sanitize::html_to_text(c, 3000))
            .unwrap_or_default();
        let tags = a
            .get("tag")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let reasons = abuse_reasons::bits(
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .filter(|n| abuse_reasons::number(n).is_some()),
        )
        .unwrap_or(0);
        let second = |k: &str| a.get(k).and_then(Value::as_i64).filter(|s| *s >= 0);
        let base = abuses::NewAbuse {
            reporter_id: signer.id,
            reason,
            predefined_reasons: reasons,
            activity_url: a.get("id").and_then(Value::as_str).map(str::to_string),
            ..Default::default()
        };
        let mut reports = Vec::new();
        for url in ids_in(a.get("object")).into_iter().take(10) {
            // A comment's URL starts with its video's: look for a comment first.
            if let Some(comment) = self.local_comment(&url).await? {
                reports.push(abuses::NewAbuse {
                    kind: "comment",
                    comment_id: Some(comment),
                    ..base.clone()
                });
            } else if let Some(video) = self.local_video(&url).await? {
                reports.push(abuses::NewAbuse {
                    kind: "video",
                    video_id: Some(video),
                    start_at: second("startAt"),
                    end_at: second("endAt"),
                    ..base.clone()
                });
            } else if let Ok(actor) = self.local_actor(&url).await {
                let id = actor.id;
                if let Some(account) = self
                    .store
                    .read(move |c| fed_actors::account_id_of_actor(c, id))
                    .await?
                {
                    reports.push(abuses::NewAbuse {
                        kind: "account",
                        flagged_account_id: Some(account),
                        ..base.clone()
                    });
                }
            }
        }
        self.store
            .write(move |tx| -> Result<(), FederationError> {
                for report in &reports {
                    abuses::insert(tx, report)?;
                }
                Ok(())
            })
            .await
    }
}
