-- The abuse list in PeerTube's model: every report (made here, or received with Flag) has a
-- kind (video, comment, account), the flagged account, a state moderators change, their note,
-- PeerTube's predefined reasons, and a time range for video reports. SQLite cannot change a
-- foreign key in place, so the V7 table is rebuilt and its rows copied.
--
-- Why the foreign keys changed: a report outlives what it reports. Deleting a video, a comment
-- or an account clears the link (SET NULL) instead of deleting the report; the video's name and
-- UUID stay in `video_snapshot` so the list can still say what was reported (PeerTube keeps a
-- `deletedVideo` copy the same way).
CREATE TABLE abuses_v10 (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('video', 'comment', 'account')),
    -- The reporting actor: a local user's Person, or the remote actor that signed the Flag.
    reporter_id         INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    -- The account responsible: the video's owner, the comment's author, or the account itself.
    flagged_account_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    video_id            INTEGER REFERENCES videos (id) ON DELETE SET NULL,
    comment_id          INTEGER REFERENCES video_comments (id) ON DELETE SET NULL,
    -- JSON {id, uuid, name, nsfw} of a reported video, taken at report time.
    video_snapshot      TEXT,
    -- Seconds into the video where the reported part starts and ends (video reports only).
    start_at            INTEGER,
    end_at              INTEGER,
    reason              TEXT NOT NULL,
    -- PeerTube's predefined reasons as a bit set: bit n-1 holds reason n (1 violentOrRepulsive
    -- ... 8 captions), so a filter by one reason is a bit test.
    predefined_reasons  INTEGER NOT NULL DEFAULT 0,
    -- 1 pending, 2 rejected, 3 accepted (PeerTube's AbuseState).
    state               INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3)),
    moderation_comment  TEXT,
    -- The Flag's id for a received report; for our own reports, the id of the Flag we sent.
    activity_url        TEXT,
    -- First change of state (PeerTube's processedAt), for the mean response time.
    processed_at        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

INSERT INTO abuses_v10 (id, kind, reporter_id, flagged_account_id, video_id, video_snapshot,
                        reason, activity_url, created_at, updated_at)
SELECT a.id,
       CASE WHEN a.video_id IS NOT NULL THEN 'video' ELSE 'account' END,
       a.reporter_id,
       COALESCE(a.account_id, (SELECT ch.account_id FROM videos v JOIN channels ch ON ch.id = v.channel_id
                               WHERE v.id = a.video_id)),
       a.video_id,
       (SELECT json_object('id', v.id, 'uuid', v.uuid, 'name', v.name, 'nsfw', json(CASE WHEN v.nsfw THEN 'true' ELSE 'false' END))
          FROM videos v WHERE v.id = a.video_id),
       a.reason, a.activity_url, a.created_at, a.created_at
  FROM abuses a;

DROP TABLE abuses;
ALTER TABLE abuses_v10 RENAME TO abuses;

CREATE INDEX abuses_created ON abuses (created_at);
CREATE INDEX abuses_reporter ON abuses (reporter_id);
CREATE INDEX abuses_flagged_account ON abuses (flagged_account_id);
CREATE INDEX abuses_video ON abuses (video_id) WHERE video_id IS NOT NULL;
CREATE INDEX abuses_comment ON abuses (comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX abuses_state ON abuses (state, created_at);

-- The conversation between a reporter and the moderators about one report.
CREATE TABLE abuse_messages (
    id              INTEGER PRIMARY KEY,
    abuse_id        INTEGER NOT NULL REFERENCES abuses (id) ON DELETE CASCADE,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    message         TEXT NOT NULL,
    by_moderator    INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);
CREATE INDEX abuse_messages_abuse ON abuse_messages (abuse_id, id);
