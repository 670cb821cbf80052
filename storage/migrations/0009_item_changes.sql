-- An item's history is its changes; "event" is kept for Slack's Events API
-- deliveries (processed_events). Renaming keeps every row and its id (the
-- outbox keys of notifications name it), the foreign key to items, and
-- the indexes, which are rebuilt under names that match the table.
ALTER TABLE item_events RENAME TO item_changes;

DROP INDEX item_events_item;
DROP INDEX item_events_time;
CREATE INDEX item_changes_item ON item_changes (item_id, id);
CREATE INDEX item_changes_time ON item_changes (created_at);
