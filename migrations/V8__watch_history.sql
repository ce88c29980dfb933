-- Where each signed-in user stopped in each video they watched (PeerTube's user history),
-- written by POST /videos/{id}/views while the user's videosHistoryEnabled is on.
CREATE TABLE user_video_history (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_id      INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, video_id)
);
CREATE INDEX user_video_history_recent ON user_video_history (user_id, updated_at);
