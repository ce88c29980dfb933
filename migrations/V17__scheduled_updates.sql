-- PeerTube's `scheduleUpdate`: at `schedule_at` (RFC 3339 UTC) the video takes
-- `schedule_privacy` (NULL: keeps its own), then both are cleared. The partial index is what
-- the scheduler reads: the due schedules, and the next one.
ALTER TABLE videos ADD COLUMN schedule_at TEXT;
ALTER TABLE videos ADD COLUMN schedule_privacy INTEGER;
CREATE INDEX videos_schedule_at ON videos (schedule_at) WHERE schedule_at IS NOT NULL;
