-- Pictures, captions and the instance secret that signs private-file tokens.

-- File names under <data>/thumbnails/ and <data>/previews/ (a fresh name per picture, so caches
-- never serve an old one). NULL until the pipeline or the uploader provides one.
ALTER TABLE videos ADD COLUMN thumbnail_file TEXT;
ALTER TABLE videos ADD COLUMN preview_file TEXT;
-- Set when the uploader chose the pictures: the pipeline then keeps them.
ALTER TABLE videos ADD COLUMN custom_pictures INTEGER NOT NULL DEFAULT 0;

-- One WebVTT file per language under <data>/captions/.
CREATE TABLE video_captions (
    video_id    INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language    TEXT NOT NULL,
    file        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (video_id, language)
);

-- Secrets generated once per instance (HMAC key of video file tokens, ...).
CREATE TABLE instance_secrets (
    name    TEXT PRIMARY KEY,
    value   BLOB NOT NULL
);
