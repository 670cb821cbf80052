-- The delivery path paces each destination on its own and serves replies
-- before notifications before digests.
ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 1;        -- 0 replies, 1 notifications, 2 digests
ALTER TABLE outbox ADD COLUMN ephemeral_user TEXT NOT NULL DEFAULT ''; -- set: shown only to this user in channel
ALTER TABLE outbox ADD COLUMN pace_key TEXT NOT NULL DEFAULT '';       -- the destination Slack's budget counts

UPDATE outbox SET pace_key = channel;
UPDATE outbox SET lane = 2 WHERE key LIKE 'digest:%';

DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (lane, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_next ON outbox (next_attempt_at) WHERE state = 'pending';
