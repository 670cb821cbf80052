-- The roadmap's Recently shipped column walks shipped items newest first
-- and counts those shipped since a date, without reading the others.
CREATE INDEX items_status_closed ON items (status, closed_at);
