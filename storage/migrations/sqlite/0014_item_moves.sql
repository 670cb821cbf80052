-- A digest chart counts the status moves of its window (storage.Trend):
-- this index holds each one's time and values, so the count reads the
-- index alone.
CREATE INDEX item_changes_moves ON item_changes (created_at, type, from_value, to_value, item_id)
WHERE type IN ('status', 'merged');
