-- Videos, their tags, their HLS renditions, and resumable upload sessions.
-- State: 1 published, 2 to transcode, 7 transcoding failed (PeerTube's numbers).
-- Privacy: 1 public, 2 unlisted, 3 private, 4 internal.

CREATE TABLE videos (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    channel_id          INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT,
    support             TEXT,
    category            INTEGER,
    licence             INTEGER,
    language            TEXT,
    privacy             INTEGER NOT NULL CHECK (privacy IN (1, 2, 3, 4)),
    nsfw                INTEGER NOT NULL DEFAULT 0,
    comments_policy     INTEGER NOT NULL DEFAULT 1 CHECK (comments_policy IN (1, 2, 3)),
    download_enabled    INTEGER NOT NULL DEFAULT 1,
    wait_transcoding    INTEGER NOT NULL DEFAULT 0,
    state               INTEGER NOT NULL DEFAULT 2,
    state_error         TEXT,
    duration            INTEGER NOT NULL DEFAULT 0,
    views               INTEGER NOT NULL DEFAULT 0,
    likes               INTEGER NOT NULL DEFAULT 0,
    dislikes            INTEGER NOT NULL DEFAULT 0,
    original_filename   TEXT NOT NULL,
    original_size       INTEGER NOT NULL,
    -- Identifies the HLS playlist files: /static/streaming-playlists/hls/{uuid}/{hls_uuid}-...
    hls_uuid            TEXT NOT NULL,
    published_at        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX videos_channel ON videos (channel_id, created_at);
CREATE INDEX videos_listing ON videos (privacy, state, published_at);

CREATE TABLE video_tags (
    video_id    INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (video_id, tag)
);
CREATE INDEX video_tags_tag ON video_tags (tag);

-- One row per HLS rendition; files live under <data>/streaming-playlists/hls/<uuid>/.
CREATE TABLE video_files (
    id              INTEGER PRIMARY KEY,
    video_id        INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    resolution      INTEGER NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    fps             REAL NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL,
    bitrate         INTEGER NOT NULL DEFAULT 0,
    codecs          TEXT NOT NULL,
    has_audio       INTEGER NOT NULL DEFAULT 1,
    has_video       INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    UNIQUE (video_id, resolution)
);

-- Resumable uploads (PeerTube's upload-resumable protocol). The bytes go to
-- <data>/uploads/<id>.part; `received` is how many of them are safely on disk.
CREATE TABLE upload_sessions (
    id              TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    metadata        TEXT NOT NULL,
    filename        TEXT NOT NULL,
    size            INTEGER NOT NULL,
    content_type    TEXT,
    received        INTEGER NOT NULL DEFAULT 0,
    video_id        INTEGER REFERENCES videos (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX upload_sessions_updated ON upload_sessions (updated_at);
