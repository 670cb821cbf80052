-- An item's history is its changes; "event" is kept for Slack's Events API
-- deliveries (processed_events). Renaming keeps every row and its id (the
-- outbox keys of notifications name it), the foreign key to items, and
-- the indexes, which are rebuilt under names that match the table.
ALTER TABLE item_events RENAME TO item_changes;

DROP INDEX item_events_item;
DROP INDEX item_events_time;
CREATE INDEX item_changes_item ON item_changes (item_id, id);
CREATE INDEX item_changes_time ON item_changes (created_at);

-- A digest's first message is its post: once the outbox has sent it, the
-- run is posted, with the ts the post landed at, in the same transaction.
-- The outbox knows nothing of digests. outbox_key <> '' lets the partial
-- index digest_runs_outbox find the run.
CREATE TRIGGER digest_runs_posted AFTER UPDATE OF state ON outbox
WHEN new.state = 'sent' BEGIN
    UPDATE digest_runs SET state = 'posted', message_ts = new.sent_ts
    WHERE state = 'posting' AND outbox_key = new.key AND outbox_key <> '';
END;
