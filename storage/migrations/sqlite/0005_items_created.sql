-- Digests count and list items created in a period.
CREATE INDEX items_created ON items (created_at);
