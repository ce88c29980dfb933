-- Kinora schema, version 1: users, OAuth, actors (accounts and channels share one name space),
-- actor images and registration requests. Timestamps are ISO 8601 UTC text, which sorts correctly.

CREATE TABLE users (
    id                      INTEGER PRIMARY KEY,
    username                TEXT NOT NULL COLLATE NOCASE UNIQUE,
    email                   TEXT COLLATE NOCASE UNIQUE,
    email_verified          INTEGER NOT NULL DEFAULT 0,
    password_hash           TEXT NOT NULL,
    role                    INTEGER NOT NULL CHECK (role IN (0, 1, 2)),
    admin_flags             INTEGER NOT NULL DEFAULT 0,
    video_quota             INTEGER NOT NULL,
    video_quota_daily       INTEGER NOT NULL,
    blocked                 INTEGER NOT NULL DEFAULT 0,
    blocked_reason          TEXT,
    nsfw_policy             TEXT NOT NULL DEFAULT 'blur' CHECK (nsfw_policy IN ('display', 'blur', 'do_not_list')),
    auto_play_video         INTEGER NOT NULL DEFAULT 1,
    auto_play_next_video    INTEGER NOT NULL DEFAULT 0,
    p2p_enabled             INTEGER NOT NULL DEFAULT 1,
    videos_history_enabled  INTEGER NOT NULL DEFAULT 1,
    theme                   TEXT NOT NULL DEFAULT 'instance-default',
    created_at              TEXT NOT NULL,
    last_login_at           TEXT
);
CREATE INDEX users_role ON users (role);
CREATE INDEX users_created_at ON users (created_at);

-- Every account, channel and the instance actor is an actor. Local actors (host IS NULL) share
-- one name space, as in PeerTube; remote actors are unique per host. Keys are filled on demand
-- by federation.
CREATE TABLE actors (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('Person', 'Group', 'Application')),
    name                TEXT NOT NULL COLLATE NOCASE,
    host                TEXT COLLATE NOCASE,
    url                 TEXT,
    display_name        TEXT NOT NULL,
    description         TEXT,
    public_key_pem      TEXT,
    private_key_pem     TEXT,
    inbox_url           TEXT,
    shared_inbox_url    TEXT,
    outbox_url          TEXT,
    followers_url       TEXT,
    following_url       TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX actors_local_name ON actors (name) WHERE host IS NULL;
CREATE UNIQUE INDEX actors_remote_name ON actors (name, host) WHERE host IS NOT NULL;
CREATE UNIQUE INDEX actors_url ON actors (url) WHERE url IS NOT NULL;

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL UNIQUE REFERENCES actors (id) ON DELETE CASCADE,
    user_id     INTEGER UNIQUE REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL UNIQUE REFERENCES actors (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    support     TEXT
);
CREATE INDEX channels_account ON channels (account_id);

-- Avatars and banners: several sizes of one picture, files under the data directory.
CREATE TABLE actor_images (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('avatar', 'banner')),
    filename    TEXT NOT NULL UNIQUE,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX actor_images_actor ON actor_images (actor_id, kind);

CREATE TABLE oauth_clients (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    client_secret   TEXT NOT NULL
);

-- Tokens are stored as SHA-256 hashes: a leaked database does not leak live sessions.
CREATE TABLE oauth_tokens (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_hash         TEXT NOT NULL UNIQUE,
    refresh_hash        TEXT NOT NULL UNIQUE,
    access_expires_at   TEXT NOT NULL,
    refresh_expires_at  TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id);
CREATE INDEX oauth_tokens_refresh_expiry ON oauth_tokens (refresh_expires_at);

-- Sign-up requests when registration needs approval. State: 1 pending, 2 rejected, 3 accepted.
CREATE TABLE registrations (
    id                      INTEGER PRIMARY KEY,
    state                   INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3)),
    username                TEXT NOT NULL COLLATE NOCASE,
    email                   TEXT NOT NULL COLLATE NOCASE,
    password_hash           TEXT NOT NULL,
    display_name            TEXT,
    channel_name            TEXT,
    channel_display_name    TEXT,
    reason                  TEXT NOT NULL,
    moderation_response     TEXT,
    user_id                 INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE UNIQUE INDEX registrations_pending_username ON registrations (username) WHERE state = 1;
CREATE UNIQUE INDEX registrations_pending_email ON registrations (email) WHERE state = 1;
CREATE INDEX registrations_created_at ON registrations (created_at);
