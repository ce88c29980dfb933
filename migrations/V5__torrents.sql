-- Each rendition gets a .torrent with a web seed pointing at its HTTP file; its info hash
-- builds the magnet link.
ALTER TABLE video_files ADD COLUMN infohash TEXT;
