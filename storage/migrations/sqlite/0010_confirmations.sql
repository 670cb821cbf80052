-- Where each posted capture confirmation landed in Slack: the channel and
-- ts chat.postMessage answered (a DM's D… id, not the user id it was sent
-- to), so a +1 reaction on it is a vote on its item. Kept when the outbox
-- row is pruned: a +1 a month later still counts.
CREATE TABLE confirmations (
    channel   TEXT NOT NULL,
    ts        TEXT NOT NULL,
    thread_ts TEXT NOT NULL DEFAULT '', -- the thread it is in, '' at top level
    item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, ts)
) WITHOUT ROWID;

-- The confirmations still in the outbox (the last 7 days). Those sent to a
-- user id landed in a DM whose id the outbox never knew: left out.
INSERT INTO confirmations (channel, ts, thread_ts, item_id)
SELECT channel, sent_ts, thread_ts, item_id FROM outbox
WHERE state = 'sent' AND lane = 0 AND item_id IS NOT NULL AND sent_ts <> '' AND ephemeral_user = ''
  AND channel NOT LIKE 'U%' AND channel NOT LIKE 'W%'
ON CONFLICT DO NOTHING;
