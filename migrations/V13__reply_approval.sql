-- The id of the `ApproveReply` by which a remote video's owner released one of our users'
-- comments held for approval; sent back as the Note's `replyApproval` so the video's origin
-- forwards the comment to its followers (PeerTube does so only for a Note carrying one).
ALTER TABLE video_comments ADD COLUMN reply_approval TEXT;
