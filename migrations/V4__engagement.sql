-- Ratings, views (counted once per viewer per hour), comments, and full-text search.

CREATE TABLE video_rates (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_id    INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    rate        TEXT NOT NULL CHECK (rate IN ('like', 'dislike')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, video_id)
);
CREATE INDEX video_rates_video ON video_rates (video_id);

-- The last counted view per viewer (a user id or a hashed client address).
CREATE TABLE video_views (
    video_id    INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    viewer      TEXT NOT NULL,
    counted_at  TEXT NOT NULL,
    PRIMARY KEY (video_id, viewer)
);

CREATE TABLE video_comments (
    id                  INTEGER PRIMARY KEY,
    video_id            INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    account_id          INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    thread_id           INTEGER REFERENCES video_comments (id) ON DELETE CASCADE,
    in_reply_to         INTEGER REFERENCES video_comments (id) ON DELETE CASCADE,
    text                TEXT NOT NULL,
    held_for_review     INTEGER NOT NULL DEFAULT 0,
    deleted_at          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX video_comments_video ON video_comments (video_id, thread_id, created_at);
CREATE INDEX video_comments_thread ON video_comments (thread_id, created_at);

-- Search over name, description and tags, kept in step by triggers.
CREATE VIRTUAL TABLE videos_fts USING fts5 (name, description, tags, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER videos_fts_insert AFTER INSERT ON videos BEGIN
    INSERT INTO videos_fts (rowid, name, description, tags) VALUES (new.id, new.name, COALESCE(new.description, ''), '');
END;
CREATE TRIGGER videos_fts_update AFTER UPDATE OF name, description ON videos BEGIN
    UPDATE videos_fts SET name = new.name, description = COALESCE(new.description, '') WHERE rowid = new.id;
END;
CREATE TRIGGER videos_fts_delete AFTER DELETE ON videos BEGIN
    DELETE FROM videos_fts WHERE rowid = old.id;
END;
CREATE TRIGGER video_tags_fts_insert AFTER INSERT ON video_tags BEGIN
    UPDATE videos_fts SET tags = (SELECT group_concat(tag, ' ') FROM video_tags WHERE video_id = new.video_id)
    WHERE rowid = new.video_id;
END;
CREATE TRIGGER video_tags_fts_delete AFTER DELETE ON video_tags BEGIN
    UPDATE videos_fts SET tags = COALESCE((SELECT group_concat(tag, ' ') FROM video_tags WHERE video_id = old.video_id), '')
    WHERE rowid = old.video_id;
END;
