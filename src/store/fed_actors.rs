//! The federation side of `actors`: key pairs of local actors, the instance actor, and the
//! cache of remote actors (Person, Group, Application) with their endpoints and public keys.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, now};

/// Every column of an actor that federation needs.
#[derive(Debug, Clone)]
pub struct FedActor {
    pub id: i64,
    pub kind: String,
    pub name: String,
    /// None for local actors.
    pub host: Option<String>,
    /// The ActivityPub id of a remote actor (local ones are derived from the public URL).
    pub url: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub public_key_pem: Option<String>,
    pub private_key_pem: Option<String>,
    pub public_key_id: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub avatar_url: Option<String>,
    pub fetched_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, kind, name, host, url, display_name, description, public_key_pem, \
     private_key_pem, public_key_id, inbox_url, shared_inbox_url, outbox_url, followers_url, \
     following_url, avatar_url, fetched_at, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<FedActor> {
    Ok(FedActor {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        host: r.get(3)?,
        url: r.get(4)?,
        display_name: r.get(5)?,
        description: r.get(6)?,
        public_key_pem: r.get(7)?,
        private_key_pem: r.get(8)?,
        public_key_id: r.get(9)?,
        inbox_url: r.get(10)?,
        shared_inbox_url: r.get(11)?,
        outbox_url: r.get(12)?,
        followers_url: r.get(13)?,
        following_url: r.get(14)?,
        avatar_url: r.get(15)?,
        fetched_at: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
    })
}

fn one(
    conn: &Connection,
    condition: &str,
    p: impl rusqlite::Params,
) -> Result<Option<FedActor>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM actors WHERE {condition}"),
            p,
            from_row,
        )
        .optional()?)
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Option<FedActor>, StoreError> {
    one(conn, "id = ?1", [id])
}

pub fn local_by_name(conn: &Connection, name: &str) -> Result<Option<FedActor>, StoreError> {
    one(conn, "host IS NULL AND name = ?1", [name])
}

pub fn remote_by_url(conn: &Connection, url: &str) -> Result<Option<FedActor>, StoreError> {
    one(conn, "host IS NOT NULL AND url = ?1", [url])
}

pub fn remote_by_key_id(conn: &Connection, key_id: &str) -> Result<Option<FedActor>, StoreError> {
    one(conn, "host IS NOT NULL AND public_key_id = ?1", [key_id])
}

pub fn remote_by_handle(
    conn: &Connection,
    name: &str,
    host: &str,
) -> Result<Option<FedActor>, StoreError> {
    one(conn, "name = ?1 AND host = ?2", params![name, host])
}

/// Stores a freshly generated key pair unless another task stored one first; the caller
/// re-reads the actor either way.
pub fn set_keys(
    conn: &Connection,
    actor_id: i64,
    public_pem: &str,
    private_pem: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE actors SET public_key_pem = ?1, private_key_pem = ?2 \
         WHERE id = ?3 AND private_key_pem IS NULL",
        params![public_pem, private_pem, actor_id],
    )?;
    Ok(())
}

/// The instance actor (Application named `peertube`), created on first use.
pub fn ensure_instance_actor(
    conn: &Connection,
    display_name: &str,
) -> Result<FedActor, StoreError> {
    if let Some(a) = one(conn, "host IS NULL AND kind = 'Application'", [])? {
        return Ok(a);
    }
    let at = now();
    conn.execute(
        "INSERT INTO actors (kind, name, display_name, created_at, updated_at) \
         VALUES ('Application', 'peertube', ?1, ?2, ?2) ON CONFLICT DO NOTHING",
        params![display_name, at],
    )?;
    one(conn, "host IS NULL AND kind = 'Application'", [])?.ok_or(StoreError::TaskFailed)
}

/// A remote actor as read from its ActivityPub document.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    pub kind: String,
    pub name: String,
    pub host: String,
    pub url: String,
    pub display_name: String,
    pub description: Option<String>,
    pub public_key_pem: String,
    pub public_key_id: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub avatar_url: Option<String>,
    /// Its avatars and banners.
    pub images: Vec<super::images::RemoteImage>,
}

/// Inserts or refreshes a remote actor (matched by its id, else by name and host); its row id.
pub fn upsert_remote(conn: &Connection, a: &RemoteActor) -> Result<i64, StoreError> {
    let id = upsert_remote_row(conn, a)?;
    super::images::set_remote(conn, id, &a.url, &a.images)?;
    Ok(id)
}

fn upsert_remote_row(conn: &Connection, a: &RemoteActor) -> Result<i64, StoreError> {
    let at = now();
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM actors WHERE host IS NOT NULL AND (url = ?1 OR (name = ?2 AND host = ?3)) \
             ORDER BY url = ?1 DESC LIMIT 1",
            params![a.url, a.name, a.host],
            |r| r.get(0),
        )
        .optional()?;
    // A key id moves with its actor: free it from any stale row first.
    conn.execute(
        "UPDATE actors SET public_key_id = NULL WHERE public_key_id = ?1 AND url IS NOT ?2",
        params![a.public_key_id, a.url],
    )?;
    match existing {
        Some(id) => {
            conn.execute(
                "UPDATE actors SET kind = ?1, name = ?2, host = ?3, url = ?4, display_name = ?5, \
                 description = ?6, public_key_pem = ?7, public_key_id = ?8, inbox_url = ?9, \
                 shared_inbox_url = ?10, outbox_url = ?11, followers_url = ?12, following_url = ?13, \
                 avatar_url = ?14, fetched_at = ?15, updated_at = ?15 WHERE id = ?16",
                params![
                    a.kind,
                    a.name,
                    a.host,
                    a.url,
                    a.display_name,
                    a.description,
                    a.public_key_pem,
                    a.public_key_id,
                    a.inbox_url,
                    a.shared_inbox_url,
                    a.outbox_url,
                    a.followers_url,
                    a.following_url,
                    a.avatar_url,
                    at,
                    id
                ],
            )?;
            Ok(id)
        }
        None => {
            conn.execute(
                "INSERT INTO actors (kind, name, host, url, display_name, description, public_key_pem, \
                 public_key_id, inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, \
                 avatar_url, fetched_at, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?15)",
                params![
                    a.kind,
                    a.name,
                    a.host,
                    a.url,
                    a.display_name,
                    a.description,
                    a.public_key_pem,
                    a.public_key_id,
                    a.inbox_url,
                    a.shared_inbox_url,
                    a.outbox_url,
                    a.followers_url,
                    a.following_url,
                    a.avatar_url,
                    at
                ],
            )?;
            Ok(conn.last_insert_rowid())
        }
    }
}

/// The account row of an actor, creating one for a remote Person or Application.
pub fn ensure_account(conn: &Connection, actor_id: i64) -> Result<i64, StoreError> {
    if let Some(id) = conn
        .query_row(
            "SELECT id FROM accounts WHERE actor_id = ?1",
            [actor_id],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(id);
    }
    conn.execute("INSERT INTO accounts (actor_id) VALUES (?1)", [actor_id])?;
    Ok(conn.last_insert_rowid())
}

/// The channel row of a remote Group owned by `account_id`, created or re-pointed.
pub fn ensure_channel(
    conn: &Connection,
    actor_id: i64,
    account_id: i64,
) -> Result<i64, StoreError> {
    if let Some(id) = conn
        .query_row(
            "SELECT id FROM channels WHERE actor_id = ?1",
            [actor_id],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    {
        conn.execute(
            "UPDATE channels SET account_id = ?1 WHERE id = ?2",
            params![account_id, id],
        )?;
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO channels (actor_id, account_id) VALUES (?1, ?2)",
        params![actor_id, account_id],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn account_id_of_actor(conn: &Connection, actor_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM accounts WHERE actor_id = ?1",
            [actor_id],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn channel_id_of_actor(conn: &Connection, actor_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM channels WHERE actor_id = ?1",
            [actor_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The actor id behind an account or a channel row.
pub fn actor_of_account(conn: &Connection, account_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT actor_id FROM accounts WHERE id = ?1",
            [account_id],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn actor_of_channel(conn: &Connection, channel_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT actor_id FROM channels WHERE id = ?1",
            [channel_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Removes a remote actor and its content: its account, channels and their videos, follows
/// and rates go through the foreign keys; its comments are emptied and marked deleted (as a
/// Delete of each would, so replies by others keep their place); the like counts of the videos
/// it rated are recomputed.
pub fn delete_remote(conn: &Connection, actor_id: i64) -> Result<(), StoreError> {
    let Some(actor) = by_id(conn, actor_id)? else {
        return Ok(());
    };
    if actor.host.is_none() {
        return Ok(());
    }
    let mut stmt =
        conn.prepare("SELECT DISTINCT video_id FROM video_remote_rates WHERE actor_id = ?1")?;
    let rated = stmt
        .query_map([actor_id], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    conn.execute(
        "UPDATE video_comments SET text = '', deleted_at = ?1, updated_at = ?1 \
         WHERE deleted_at IS NULL AND account_id IN (SELECT id FROM accounts WHERE actor_id = ?2)",
        params![now(), actor_id],
    )?;
    // A remote Person's channels belong to its account: remove their actors too.
    conn.execute(
        "DELETE FROM actors WHERE host IS NOT NULL AND id IN ( \
           SELECT ch.actor_id FROM channels ch JOIN accounts acc ON acc.id = ch.account_id \
           WHERE acc.actor_id = ?1)",
        [actor_id],
    )?;
    conn.execute(
        "DELETE FROM actors WHERE id = ?1 AND host IS NOT NULL",
        [actor_id],
    )?;
    for video in rated {
        super::remote::recount_rates(conn, video)?;
    }
    Ok(())
}

/// Records a remote actor's totals as its origin publishes them (None leaves one unchanged).
pub fn set_remote_totals(
    conn: &Connection,
    id: i64,
    followers: Option<i64>,
    following: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE actors SET \
         remote_followers_count = COALESCE(?2, remote_followers_count), \
         remote_following_count = COALESCE(?3, remote_following_count) \
         WHERE id = ?1 AND host IS NOT NULL",
        params![id, followers, following],
    )?;
    Ok(())
}
