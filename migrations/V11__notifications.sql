-- User notifications in PeerTube's model: one row per user told of one event, with the type
-- number of PeerTube's UserNotificationType and a link to what it is about. A notification goes
-- with its user, video, comment, report or follow (ON DELETE CASCADE); a comment is only
-- soft-deleted, so a trigger removes its notifications when it becomes a tombstone.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 2 new comment on my video, 3 new abuse for moderators, 6 my video published, 10 new
    -- follow, 13 new instance follower, 15 abuse state change, 16 abuse new message.
    type        INTEGER NOT NULL CHECK (type BETWEEN 1 AND 21),
    read        INTEGER NOT NULL DEFAULT 0,
    video_id    INTEGER REFERENCES videos (id) ON DELETE CASCADE,
    comment_id  INTEGER REFERENCES video_comments (id) ON DELETE CASCADE,
    abuse_id    INTEGER REFERENCES abuses (id) ON DELETE CASCADE,
    follow_id   INTEGER REFERENCES follows (id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
-- The list (newest first) and the unread count of one user.
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_user_unread ON notifications (user_id, created_at) WHERE read = 0;
-- The cascades look rows up by what they refer to.
CREATE INDEX notifications_video ON notifications (video_id) WHERE video_id IS NOT NULL;
CREATE INDEX notifications_comment ON notifications (comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX notifications_abuse ON notifications (abuse_id) WHERE abuse_id IS NOT NULL;
CREATE INDEX notifications_follow ON notifications (follow_id) WHERE follow_id IS NOT NULL;
CREATE INDEX notifications_account ON notifications (account_id) WHERE account_id IS NOT NULL;

CREATE TRIGGER notifications_comment_deleted AFTER UPDATE OF deleted_at ON video_comments
WHEN new.deleted_at IS NOT NULL BEGIN
    DELETE FROM notifications WHERE comment_id = new.id;
END;

-- PeerTube's UserNotificationSetting: per type, a bit set (1 web, 2 email). No row means
-- PeerTube's defaults; 0 means the notification is not created at all. Kinora sends no mail,
-- but keeps the email bit a client sets so it reads back what it wrote.
CREATE TABLE notification_settings (
    user_id                             INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    new_video_from_subscription         INTEGER NOT NULL DEFAULT 1,
    new_comment_on_my_video             INTEGER NOT NULL DEFAULT 1,
    abuse_as_moderator                  INTEGER NOT NULL DEFAULT 3,
    video_auto_blacklist_as_moderator   INTEGER NOT NULL DEFAULT 3,
    blacklist_on_my_video               INTEGER NOT NULL DEFAULT 3,
    my_video_published                  INTEGER NOT NULL DEFAULT 1,
    my_video_import_finished            INTEGER NOT NULL DEFAULT 1,
    new_follow                          INTEGER NOT NULL DEFAULT 1,
    new_user_registration               INTEGER NOT NULL DEFAULT 1,
    comment_mention                     INTEGER NOT NULL DEFAULT 1,
    new_instance_follower               INTEGER NOT NULL DEFAULT 1,
    auto_instance_following             INTEGER NOT NULL DEFAULT 1,
    abuse_state_change                  INTEGER NOT NULL DEFAULT 1,
    abuse_new_message                   INTEGER NOT NULL DEFAULT 1,
    new_peertube_version                INTEGER NOT NULL DEFAULT 1,
    new_plugin_version                  INTEGER NOT NULL DEFAULT 1,
    my_video_studio_edition_finished    INTEGER NOT NULL DEFAULT 1,
    updated_at                          TEXT NOT NULL
);
