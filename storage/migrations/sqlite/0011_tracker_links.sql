-- The tracker issue a linked item follows (SPEC §12). items.tracker_url
-- stays the link people see; this row exists while that URL names a
-- GitHub or Jira issue Liaison follows, with what the last poll learnt:
-- the ETag and state of the last full answer (an item moves only when
-- that state changes, so a move by hand is kept until the tracker changes
-- again), when it was polled, and a problem with this issue alone.
CREATE TABLE tracker_links (
    item_id    INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    tracker    TEXT NOT NULL,             -- github | jira
    repo       TEXT NOT NULL,             -- owner/name, or the Jira project key
    number     INTEGER NOT NULL,
    pull       INTEGER NOT NULL DEFAULT 0,
    url        TEXT NOT NULL,
    etag       TEXT NOT NULL DEFAULT '',
    seen       TEXT NOT NULL DEFAULT '',  -- '' before the first full answer
    checked_at TEXT NOT NULL DEFAULT '',  -- '' before the first poll
    problem    TEXT NOT NULL DEFAULT ''   -- e.g. not_found; '' when fine
);
CREATE INDEX tracker_links_due ON tracker_links (tracker, checked_at, item_id);

-- An issue being filed for an item: taken before the tracker is asked, so
-- two clicks file one issue, and gone once the item links to it (or the
-- tracker said no).
CREATE TABLE tracker_filings (
    item_id    INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    tracker    TEXT NOT NULL,
    started_at TEXT NOT NULL
);
