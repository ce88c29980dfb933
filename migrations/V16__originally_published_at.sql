-- PeerTube's `originallyPublishedAt`: when the video was first published elsewhere (an old
-- recording put online now), set by its uploader or received with a remote video. NULL when
-- not given. An RFC 3339 UTC timestamp, like the other dates.
ALTER TABLE videos ADD COLUMN originally_published_at TEXT;
