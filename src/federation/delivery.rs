//! Delivery: one `federation-deliver` job per remote host drains that host's queue in order
//! (its cursor is the oldest row). 2xx delivers; 4xx (but 408 and 429) is a refusal, dropped
//! and logged; 5xx, 408, 429 and network errors stop the host's queue and retry it with the
//! job queue's backoff, until the retry horizon passes and the host is marked unreachable.
//! A dead host holds one worker slot only while a request to it is in flight, so it never
//! delays the others. Also the `federation-crawl` job (an outbox crawl after an accepted
//! instance follow).

use std::sync::Arc;

use super::objects::actor;
use super::{Federation, FederationError, client, signatures};
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::metrics::{Delivery, metrics};
use crate::store::{StoreError, deliveries, jobs};

pub const CRAWL_JOB: &str = "federation-crawl";
const BATCH: i64 = 20;

enum Outcome {
    Delivered,
    Refused(u16),
    Failed(String),
}

impl Federation {
    fn post(&self, d: &deliveries::DeliveryRow) -> Result<Outcome, FederationError> {
        let url = url::Url::parse(&d.inbox_url)
            .map_err(|_| FederationError::BadRequest("bad inbox URL".into()))?;
        let (actor_url, key) = match &d.signer {
            deliveries::Signer::Actor(id) => {
                let (signer, key) = self.keys.get(&self.store, *id)?;
                (actor::local_url(&self.base, &signer), key)
            }
            deliveries::Signer::Departed { url, key_pem } => {
                (url.clone(), self.keys.parse(key_pem)?)
            }
            deliveries::Signer::Gone => return Err(FederationError::NotFound("signer")),
        };
        let key_id = format!("{actor_url}#main-key");
        // Our actors' own activities carry their LD signature, so that a server receiving one
        // relayed (PeerTube forwards comments on its videos) need not ask us for it.
        let body = self
            .signed_bodies
            .body_for(&d.activity, &actor_url, &key_id, &key)
            .as_bytes()
            .to_vec();
        let sign = Arc::new(move |u: &url::Url, b: Option<&[u8]>| {
            signatures::sign_request(&key, &key_id, "POST", u, b)
        });
        let sent = client::runtime().block_on(self.client.send(
            reqwest::Method::POST,
            url,
            "application/activity+json, application/json",
            Some(body),
            sign,
        ));
        Ok(match sent {
            Ok(r) if (200..300).contains(&r.status) => Outcome::Delivered,
            Ok(r) if (400..500).contains(&r.status) && r.status != 408 && r.status != 429 => {
                Outcome::Refused(r.status)
            }
            Ok(r) => Outcome::Failed(format!("answered {}", r.status)),
            Err(FederationError::Forbidden(m)) => {
                // The guard refuses this inbox: retrying will not help.
                tracing::warn!(inbox = %d.inbox_url, reason = %m, "delivery refused by the address guard");
                Outcome::Refused(0)
            }
            Err(e) => Outcome::Failed(e.to_string()),
        })
    }

    fn past_horizon(&self, failing_since: Option<&str>) -> bool {
        let horizon =
            time::Duration::try_from(self.settings.retry_horizon).unwrap_or(time::Duration::DAY);
        let cutoff = crate::store::timestamp(time::OffsetDateTime::now_utc() - horizon);
        failing_since.is_some_and(|t| t < cutoff.as_str())
    }

    /// Ends the host's queue, or finds that it did not end: true when no row is left. In the
    /// same write, the job gives up its unique key. A row queued a moment later (a comment
    /// posted while the host's job was finishing) then gets a job of its own. Before, `push`
    /// found this job still running and counted on it, and the row waited up to ten minutes
    /// for the upkeep's `ensure_jobs`.
    fn hand_off(&self, ctx: &JobContext, host: &str) -> Result<bool, StoreError> {
        self.store.write_blocking(|tx| {
            let empty = deliveries::next_for_host(tx, host, 1)?.is_empty();
            if empty {
                jobs::release_key(tx, ctx.id)?;
            }
            Ok(empty)
        })
    }

    fn deliver_host(&self, ctx: &JobContext, host: &str) -> Result<(), JobError> {
        let store_err = |e: StoreError| JobError::Retry(e.to_string());
        loop {
            if ctx.is_cancelled() {
                return Ok(());
            }
            let batch = self
                .store
                .read_blocking(|c| deliveries::next_for_host(c, host, BATCH))
                .map_err(store_err)?;
            if batch.is_empty() && self.hand_off(ctx, host).map_err(store_err)? {
                return Ok(());
            }
            for d in batch {
                let outcome = self.post(&d).unwrap_or_else(|e| match e {
                    FederationError::Store(_) | FederationError::TaskFailed => Outcome::Failed(e.to_string()),
                    // The row cannot be sent at all (its signer or inbox is gone).
                    other => {
                        tracing::warn!(inbox = %d.inbox_url, error = %other, "dropping an undeliverable activity");
                        Outcome::Refused(0)
                    }
                });
                match outcome {
                    Outcome::Delivered | Outcome::Refused(_) => {
                        if let Outcome::Refused(status) = outcome {
                            // A refusal is final: the row goes, so it counts as failed.
                            metrics().federation_delivery(Delivery::Failed);
                            if status != 0 {
                                tracing::warn!(inbox = %d.inbox_url, status, "the remote inbox refused an activity");
                            }
                        } else {
                            metrics().federation_delivery(Delivery::Delivered);
                        }
                        self.store
                            .write_blocking(|tx| {
                                deliveries::remove(tx, d.id)?;
                                deliveries::record_success(tx, host)
                            })
                            .map_err(store_err)?;
                    }
                    Outcome::Failed(reason) => {
                        let health = self
                            .store
                            .write_blocking(|tx| deliveries::record_failure(tx, host, &reason))
                            .map_err(store_err)?;
                        if self.past_horizon(health.failing_since.as_deref()) {
                            metrics().federation_delivery(Delivery::Failed);
                            let dropped = self
                                .store
                                .write_blocking(|tx| {
                                    deliveries::mark_unreachable(tx, host)?;
                                    deliveries::drop_host(tx, host)
                                })
                                .map_err(store_err)?;
                            tracing::warn!(
                                host,
                                dropped,
                                "host unreachable past the retry horizon; its queue is dropped"
                            );
                            return Ok(());
                        }
                        metrics().federation_delivery(Delivery::Retried);
                        return Err(JobError::Retry(format!("{host}: {reason}")));
                    }
                }
            }
        }
    }
}

/// The handler of `federation-deliver` jobs.
pub struct DeliverToHost(pub Federation);

impl JobHandler for DeliverToHost {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let host = ctx.payload["host"]
            .as_str()
            .ok_or_else(|| JobError::Permanent("delivery job without a host".into()))?
            .to_string();
        self.0.deliver_host(ctx, &host)
    }
}

/// The handler of `federation-crawl` jobs: reads a followed actor's outbox.
pub struct CrawlOutbox(pub Federation);

impl JobHandler for CrawlOutbox {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let url = ctx.payload["outbox"]
            .as_str()
            .ok_or_else(|| JobError::Permanent("crawl job without an outbox".into()))?
            .to_string();
        match client::runtime().block_on(self.0.crawl_outbox(&url)) {
            Ok(n) => {
                tracing::info!(outbox = %url, videos = n, "outbox crawled");
                Ok(())
            }
            Err(FederationError::Network(e)) => Err(JobError::Retry(e)),
            Err(e) => Err(JobError::Permanent(e.to_string())),
        }
    }
}

/// Makes sure every host with queued rows has a live delivery job (after a crash, or when
/// a row was queued while that host's job was finishing).
pub fn ensure_jobs(store: &crate::store::Store) -> Result<usize, StoreError> {
    store.write_blocking(|tx| {
        let hosts = deliveries::hosts_pending(tx)?;
        for host in &hosts {
            jobs::push(
                tx,
                &jobs::NewJob {
                    kind: super::outbox::DELIVER_JOB.into(),
                    payload: serde_json::json!({ "host": host }).to_string(),
                    subject: Some(format!("host:{host}")),
                    unique_key: Some(format!("deliver:{host}")),
                    priority: 5,
                    max_attempts: 100_000,
                    ..Default::default()
                },
            )?;
        }
        Ok(hosts.len())
    })
}
