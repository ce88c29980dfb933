//! PeerTube's scheduled updates: a video's privacy changes at a set time (a private upload
//! going public at nine tomorrow). A task of the server applies each schedule when it falls
//! due, within a second: it sleeps until the earliest one (a minute at most) and is woken when
//! a schedule is set.

use std::time::Duration;

use tokio::sync::Notify;

use super::{DomainError, DomainResult};
use crate::store::{Store, schedules};

static CHANGED: Notify = Notify::const_new();

/// Longest sleep between two looks, so that a clock change or a schedule written by another
/// process (a restored backup) is noticed.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// A schedule was set: the task looks again at once.
pub fn changed() {
    CHANGED.notify_one();
}

/// Applies every due schedule (the video's privacy, then federation as for an edit: a video
/// becoming public is sent to followers as new); returns how many, and when the next falls.
pub async fn apply_due(store: &Store) -> DomainResult<(usize, Option<String>)> {
    store
        .write(|tx| {
            let now = crate::store::now();
            let due = schedules::due(tx, &now)?;
            for &id in &due {
                let federated = crate::federation::hooks::is_federated(tx, id);
                schedules::apply(tx, id, &now)?;
                crate::federation::hooks::video_updated(tx, id, federated);
            }
            Ok::<_, DomainError>((due.len(), schedules::next_at(tx)?))
        })
        .await
}

/// The server's task: runs until the process ends.
pub async fn run(store: Store) {
    loop {
        let sleep = match apply_due(&store).await {
            Ok((applied, next)) => {
                if applied > 0 {
                    tracing::info!(videos = applied, "applied scheduled privacy changes");
                }
                next.as_deref().map_or(MAX_SLEEP, until)
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not apply scheduled privacy changes");
                MAX_SLEEP
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = CHANGED.notified() => {}
        }
    }
}

/// Time left until the timestamp `at`, between 0 (past) and `MAX_SLEEP`; `MAX_SLEEP` for text
/// that is no timestamp, which must not make the task spin.
fn until(at: &str) -> Duration {
    let format = time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(at, &format) {
        Ok(t) => Duration::try_from(t - time::OffsetDateTime::now_utc())
            .map_or(Duration::ZERO, |left| left.min(MAX_SLEEP)),
        Err(_) => MAX_SLEEP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_until_the_next_schedule_and_a_minute_at_most() {
        let in_ten =
            crate::store::timestamp(time::OffsetDateTime::now_utc() + time::Duration::seconds(10));
        let left = until(&in_ten);
        assert!(
            left > Duration::from_secs(8) && left <= Duration::from_secs(10),
            "{left:?}"
        );
        let tomorrow =
            crate::store::timestamp(time::OffsetDateTime::now_utc() + time::Duration::days(1));
        assert_eq!(until(&tomorrow), MAX_SLEEP);
        assert_eq!(until("2000-01-01T00:00:00.000Z"), Duration::ZERO);
        assert_eq!(until("garbage"), MAX_SLEEP);
    }
}
