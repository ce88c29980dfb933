-- The follower and following totals a remote actor's origin publishes (`totalItems` of its
-- collections), read in the background when the actor is fetched or our follow is accepted.
-- NULL: not known (yet); local actors always count their rows in `follows`.
ALTER TABLE actors ADD COLUMN remote_followers_count INTEGER;
ALTER TABLE actors ADD COLUMN remote_following_count INTEGER;
