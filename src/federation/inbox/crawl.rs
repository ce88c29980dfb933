//! The outbox crawl after a follow is accepted: the videos a followed actor created or shared.

use serde_json::Value;

use super::kind;
use crate::federation::objects::collection;
use crate::federation::{Federation, FederationError, host_of, id_of};

/// Outbox pages read after a follow is accepted, and items per crawl.
const CRAWL_PAGES: usize = 10;

impl Federation {
    /// Reads a followed actor's outbox (a few pages): caches the videos it created or shared.
    pub async fn crawl_outbox(&self, url: &str) -> Result<usize, FederationError> {
        let host = host_of(url).ok_or_else(|| FederationError::BadRequest("bad outbox".into()))?;
        let root = self.fetch(url).await?;
        let mut page = match root.get("first") {
            Some(Value::String(first)) => Some(self.fetch(first).await?),
            Some(first @ Value::Object(_)) => Some(first.clone()),
            _ => Some(root.clone()),
        };
        let mut stored = 0;
        for _ in 0..CRAWL_PAGES {
            let Some(p) = page.take() else { break };
            let items = p
                .get("orderedItems")
                .or_else(|| p.get("items"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for item in items.iter().take(collection::PAGE_SIZE as usize * 5) {
                let object = item.get("object").cloned().unwrap_or(Value::Null);
                let result = match (kind(item), kind(&object)) {
                    ("Create", "Video") => self.store_video(&object, &host).await,
                    ("Announce" | "Create", _) => match id_of(&object) {
                        Some(u) => self.video(u, false).await,
                        None => continue,
                    },
                    _ => continue,
                };
                match result {
                    Ok(_) => stored += 1,
                    Err(e) => tracing::debug!(error = %e, "outbox item skipped"),
                }
            }
            page = match p.get("next").and_then(Value::as_str) {
                Some(next) if host_of(next).as_deref() == Some(host.as_str()) => {
                    Some(self.fetch(next).await?)
                }
                _ => None,
            };
        }
        Ok(stored)
    }
}
