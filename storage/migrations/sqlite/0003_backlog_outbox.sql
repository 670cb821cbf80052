-- Counts by status and kind, kept by triggers so stats stay cheap at any size.
CREATE TABLE item_counts (
    status TEXT NOT NULL,
    kind   TEXT NOT NULL,
    n      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (status, kind)
) WITHOUT ROWID;

INSERT INTO item_counts (status, kind, n)
SELECT status, kind, count(*) FROM items GROUP BY status, kind;

CREATE TRIGGER item_counts_insert AFTER INSERT ON items BEGIN
    INSERT INTO item_counts (status, kind, n) VALUES (new.status, new.kind, 1)
    ON CONFLICT (status, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER item_counts_delete AFTER DELETE ON items BEGIN
    UPDATE item_counts SET n = n - 1 WHERE status = old.status AND kind = old.kind;
END;

CREATE TRIGGER item_counts_update AFTER UPDATE OF status, kind ON items
WHEN old.status <> new.status OR old.kind <> new.kind BEGIN
    UPDATE item_counts SET n = n - 1 WHERE status = old.status AND kind = old.kind;
    INSERT INTO item_counts (status, kind, n) VALUES (new.status, new.kind, 1)
    ON CONFLICT (status, kind) DO UPDATE SET n = n + 1;
END;

-- Ranking for top and list: score (unset last), then votes, then oldest first.
CREATE INDEX items_rank ON items ((score IS NULL), score DESC, vote_count DESC, id);
CREATE INDEX items_status_rank ON items (status, (score IS NULL), score DESC, vote_count DESC, id);
CREATE INDEX items_reporter ON items (reporter, id);

-- Messages to send to Slack, written in the same transaction as the change
-- they announce and delivered by a worker that survives restarts.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE, -- one message per change per destination
    item_id         INTEGER REFERENCES items (id) ON DELETE SET NULL,
    channel         TEXT NOT NULL,        -- a channel id, or a user id for a DM
    thread_ts       TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL,
    blocks          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_ts         TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_state ON outbox (state);
