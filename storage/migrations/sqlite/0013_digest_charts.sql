-- A digest's chart (SPEC §14) is on unless its subscription says no_chart;
-- it is sent through the outbox as a file: its PNG bytes and file name.
ALTER TABLE digest_subscriptions ADD COLUMN no_chart INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN file BLOB;
ALTER TABLE outbox ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
