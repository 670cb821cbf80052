-- Demand and history for items: votes, followers, labels and every change.

-- vote_count mirrors item_votes (kept by triggers) so ranking needs no join.
ALTER TABLE items ADD COLUMN vote_count INTEGER NOT NULL DEFAULT 0;

-- One vote per person per item; rowid order is the order votes arrived.
CREATE TABLE item_votes (
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    user       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (item_id, user)
);

CREATE TRIGGER item_votes_count_insert AFTER INSERT ON item_votes BEGIN
    UPDATE items SET vote_count = vote_count + 1 WHERE id = new.item_id;
END;

CREATE TRIGGER item_votes_count_delete AFTER DELETE ON item_votes BEGIN
    UPDATE items SET vote_count = vote_count - 1 WHERE id = old.item_id;
END;

-- People told when an item moves.
CREATE TABLE item_followers (
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    user       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (item_id, user)
);

CREATE INDEX item_followers_user ON item_followers (user, item_id);

-- Product areas.
CREATE TABLE item_labels (
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    label   TEXT NOT NULL,
    PRIMARY KEY (item_id, label)
) WITHOUT ROWID;

CREATE INDEX item_labels_label ON item_labels (label, item_id);

-- Every change to an item: who, what, from, to, why, when.
CREATE TABLE item_events (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    actor      TEXT NOT NULL,
    type       TEXT NOT NULL,
    from_value TEXT NOT NULL DEFAULT '',
    to_value   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE INDEX item_events_item ON item_events (item_id, id);
CREATE INDEX item_events_time ON item_events (created_at);
