-- Federation: remote actors' cache columns, follows, remote videos and comments, remote rates,
-- the durable per-host delivery queue, host health, received activity ids (replay guard), and
-- instance and account block lists.

-- `public_key_id` is the keyId remote servers sign with (usually `url#main-key`); `fetched_at`
-- dates the cached copy of a remote actor (refreshed after two days).
ALTER TABLE actors ADD COLUMN public_key_id TEXT;
ALTER TABLE actors ADD COLUMN fetched_at TEXT;
ALTER TABLE actors ADD COLUMN avatar_url TEXT;
CREATE UNIQUE INDEX actors_public_key_id ON actors (public_key_id) WHERE public_key_id IS NOT NULL;

-- Who follows whom. State: 'pending' until the target accepts, then 'accepted'.
CREATE TABLE follows (
    id              INTEGER PRIMARY KEY,
    follower_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    activity_url    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (follower_id, target_id)
);
CREATE INDEX follows_target ON follows (target_id, state);

-- Remote videos: `url` is the ActivityPub id (NULL for local videos); `remote_media` caches
-- the origin's playlist, renditions and pictures as PeerTube's API shapes them.
ALTER TABLE videos ADD COLUMN url TEXT;
ALTER TABLE videos ADD COLUMN remote_media TEXT;
ALTER TABLE videos ADD COLUMN fetched_at TEXT;
CREATE UNIQUE INDEX videos_url ON videos (url) WHERE url IS NOT NULL;

-- Remote comments: their ActivityPub id.
ALTER TABLE video_comments ADD COLUMN url TEXT;
CREATE UNIQUE INDEX video_comments_url ON video_comments (url) WHERE url IS NOT NULL;

-- Likes and dislikes by remote actors (local users' are in video_rates).
CREATE TABLE video_remote_rates (
    actor_id        INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    video_id        INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    rate            TEXT NOT NULL CHECK (rate IN ('like', 'dislike')),
    activity_url    TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (actor_id, video_id)
);
CREATE INDEX video_remote_rates_video ON video_remote_rates (video_id);

-- Remote shares (Announce) of local videos.
CREATE TABLE video_shares (
    actor_id        INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    video_id        INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    activity_url    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (actor_id, video_id)
);

-- Outgoing activities waiting for delivery: one row per (activity, inbox), drained in id order
-- by one job per host (the host's cursor is its oldest row).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    host            TEXT NOT NULL,
    inbox_url       TEXT NOT NULL,
    signer_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    activity        TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX deliveries_host ON deliveries (host, id);

-- Health of remote hosts: failures since the first unanswered delivery; unreachable once past
-- the retry horizon (nothing more is queued for it until it talks to us again).
CREATE TABLE federation_hosts (
    host            TEXT PRIMARY KEY,
    failing_since   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    unreachable     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    updated_at      TEXT NOT NULL
);

-- Ids of activities already processed: the same activity twice changes nothing.
CREATE TABLE received_activities (
    url             TEXT PRIMARY KEY,
    received_at     TEXT NOT NULL
);
CREATE INDEX received_activities_at ON received_activities (received_at);

-- Instance-wide blocked hosts (account_id NULL) and per-account blocked hosts.
CREATE TABLE blocked_hosts (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    host            TEXT NOT NULL COLLATE NOCASE,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX blocked_hosts_unique ON blocked_hosts (COALESCE(account_id, 0), host);

-- Instance-wide (account_id NULL) and per-account blocked accounts.
CREATE TABLE blocked_accounts (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    target_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX blocked_accounts_unique ON blocked_accounts (COALESCE(account_id, 0), target_id);

-- Abuse reports received with Flag.
CREATE TABLE abuses (
    id              INTEGER PRIMARY KEY,
    reporter_id     INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    video_id        INTEGER REFERENCES videos (id) ON DELETE CASCADE,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    reason          TEXT NOT NULL,
    activity_url    TEXT,
    created_at      TEXT NOT NULL
);
