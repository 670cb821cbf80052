-- Items: the backlog. id is the #number people see.
CREATE TABLE items (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('feedback', 'feature', 'bug')),
    status           TEXT NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'triaged', 'planned', 'in_progress', 'shipped', 'declined', 'duplicate')),
    title            TEXT NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    reporter         TEXT NOT NULL DEFAULT '',
    capturer         TEXT NOT NULL DEFAULT '',
    capture          TEXT NOT NULL DEFAULT '',
    source_team      TEXT NOT NULL DEFAULT '',
    source_channel   TEXT NOT NULL DEFAULT '',
    source_ts        TEXT NOT NULL DEFAULT '',
    source_thread_ts TEXT NOT NULL DEFAULT '',
    permalink        TEXT NOT NULL DEFAULT '',
    assignee         TEXT NOT NULL DEFAULT '',
    tracker_url      TEXT NOT NULL DEFAULT '',
    reach            REAL,
    impact           REAL,
    confidence       REAL,
    effort           REAL,
    score            REAL,
    duplicate_of     INTEGER REFERENCES items (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    closed_at        TEXT
);

-- One item per Slack message: the idempotency key of every capture path.
CREATE UNIQUE INDEX items_source ON items (source_team, source_channel, source_ts)
    WHERE source_ts <> '';

CREATE INDEX items_status ON items (status, created_at);

-- Full-text index over title and body, kept in step by triggers.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title,
    body,
    content = 'items',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2',
    detail = column
);

CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER items_fts_update AFTER UPDATE OF title, body ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO items_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Events API deliveries already handled, by event_id, so a redelivery is recognised.
CREATE TABLE processed_events (
    event_id     TEXT PRIMARY KEY,
    processed_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX processed_events_at ON processed_events (processed_at);
