-- Remote actors' avatars and banners are listed like local ones, under our own
-- `/lazy-static/avatars|banners/` names (PeerTube clients such as NewPipe read only those
-- paths, relative to the instance they ask): `remote_url` is where the origin serves the
-- image, fetched on the first request and re-encoded here. NULL for local images.
ALTER TABLE actor_images ADD COLUMN remote_url TEXT;
