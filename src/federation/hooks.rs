//! The one-call hooks the rest of Kinora uses to federate a change, inside the transaction
//! that makes it. A failure to queue is logged and rolled back to a savepoint: it never undoes
//! the user's change. Until `install` runs (CLI commands, unit tests) the hooks do nothing.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::Connection;

use super::outbox;
use crate::store::{StoreError, videos};

struct Context {
    base: String,
    instance_name: String,
}

static CONTEXT: OnceLock<Context> = OnceLock::new();
static QUEUED: AtomicBool = AtomicBool::new(false);

/// Called once by `serve` with the public URL and the instance name.
pub fn install(base: &str, instance_name: &str) {
    let _ = CONTEXT.set(Context {
        base: base.to_string(),
        instance_name: instance_name.to_string(),
    });
}

/// Deliveries were queued: the delivery waker should wake the job pool.
pub fn note_queued() {
    QUEUED.store(true, Ordering::SeqCst);
}

pub fn take_queued() -> bool {
    QUEUED.swap(false, Ordering::SeqCst)
}

fn guarded(
    conn: &Connection,
    what: &str,
    f: impl FnOnce(&Connection, &str, &str) -> Result<(), StoreError>,
) {
    let Some(ctx) = CONTEXT.get() else { return };
    if conn.execute_batch("SAVEPOINT federation_hook").is_err() {
        return;
    }
    match f(conn, &ctx.base, &ctx.instance_name) {
        Ok(()) => {
            let _ = conn.execute_batch("RELEASE federation_hook");
        }
        Err(e) => {
            tracing::warn!(error = %e, what, "could not queue the federation of a change");
            let _ = conn.execute_batch("ROLLBACK TO federation_hook; RELEASE federation_hook");
        }
    }
}

/// Publishes a processed video (replacing `store::videos::publish`): the first publication
/// federates a Create, a later one (new renditions) an Update.
pub fn publish(conn: &Connection, id: i64, duration: i64) -> Result<(), StoreError> {
    let before = videos::by_id(conn, id)?;
    videos::publish(conn, id, duration)?;
    let first = before.is_some_and(|v| v.state != 1);
    guarded(conn, "publish", |c, base, name| {
        if first {
            outbox::video_created(c, base, name, id)
        } else {
            outbox::video_updated(c, base, name, id)
        }
    });
    Ok(())
}

/// Whether a video is federated now (read before an edit, for `video_updated`).
pub fn is_federated(conn: &Connection, id: i64) -> bool {
    videos::by_id(conn, id)
        .ok()
        .flatten()
        .is_some_and(|v| super::objects::video::federates(&v))
}

/// After an edit: Update, or Create when it became public, or Delete when it left.
pub fn video_updated(conn: &Connection, id: i64, was_federated: bool) {
    let now = is_federated(conn, id);
    guarded(conn, "video update", |c, base, name| {
        match (was_federated, now) {
            (true, true) => outbox::video_updated(c, base, name, id),
            (false, true) => outbox::video_created(c, base, name, id),
            (true, false) => outbox::video_removed(c, base, name, id),
            (false, false) => Ok(()),
        }
    });
}

/// Before a video's row is deleted: Delete to its followers.
pub fn video_deleting(conn: &Connection, id: i64) {
    if is_federated(conn, id) {
        guarded(conn, "video delete", |c, base, name| {
            outbox::video_removed(c, base, name, id)
        });
    }
}

/// A local comment was posted or deleted.
pub fn comment_changed(conn: &Connection, video_id: i64, comment_id: i64) {
    guarded(conn, "comment", |c, base, name| {
        outbox::comment_changed(c, base, name, video_id, comment_id)
    });
}

/// A comment held for review was approved: a local one is federated now; a remote one (on
/// our video) gets the owner's ApproveReply, which releases its author server's copy.
pub fn comment_approved(conn: &Connection, video_id: i64, comment_id: i64) {
    guarded(
        conn,
        "comment approval",
        |c, base, name| match crate::store::remote::comment_parts(c, comment_id)? {
            Some((_, _, _, Some(_))) => outbox::approve_reply(c, base, comment_id),
            _ => outbox::comment_changed(c, base, name, video_id, comment_id),
        },
    );
}

/// A local user's rating changed (from `previous` to `rating`).
pub fn video_rated(
    conn: &Connection,
    user_id: i64,
    video_id: i64,
    previous: Option<&str>,
    rating: Option<&str>,
) {
    guarded(conn, "rating", |c, base, _| {
        outbox::video_rated(c, base, user_id, video_id, previous, rating)
    });
}

/// A view was counted.
pub fn video_viewed(conn: &Connection, video_id: i64) {
    guarded(conn, "view", |c, base, name| {
        outbox::video_viewed(c, base, name, video_id)
    });
}

/// A local user filed a report: Flag to the flagged account's server when it is remote.
pub fn abuse_reported(conn: &Connection, abuse_id: i64) {
    guarded(conn, "abuse report", |c, base, _| {
        super::flag::abuse_reported(c, base, abuse_id)
    });
}

/// A local actor's profile changed (name, description, support, avatar or banner).
pub fn actor_updated(conn: &Connection, actor_id: i64) {
    guarded(conn, "actor update", |c, base, name| {
        super::outbox_actors::actor_updated(c, base, name, actor_id)
    });
}

/// Before local actors' rows are deleted (a channel; a user's channels and then account):
/// each one's Delete is queued while the audience is still known, and all they queued stays
/// signable once their keys are gone.
pub fn actors_deleting(conn: &Connection, actor_ids: &[i64]) {
    for &id in actor_ids {
        guarded(conn, "actor delete", |c, base, name| {
            super::outbox_actors::actor_deleting(c, base, name, id)
        });
    }
}
