-- Lookups that stay fast at a million items: the words of open items'
-- titles for similar items, and each label's items in rank order for
-- "list #label".

-- title_words holds the distinct words of open items' titles, stemmed as
-- items_fts stems them (porter, unicode61, diacritics removed), one row
-- per word and item: a plain index, so a word's newest open items are one
-- b-tree range away however many segments an FTS5 index has grown.
-- "Open" is the statuses backlog.Status.Open accepts.
CREATE TABLE title_words (
    stem    TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    PRIMARY KEY (stem, item_id)
) WITHOUT ROWID;

-- word_stems maps a word as written (lower case, unicode61) to its stem,
-- for every word seen in a title, so a lookup finds a text's stems
-- without a stemmer of its own.
CREATE TABLE word_stems (
    word TEXT PRIMARY KEY,
    stem TEXT NOT NULL
) WITHOUT ROWID;

-- Tokenizers: empty contentless FTS5 tables that triggers write one title
-- to, read back through fts5vocab and clear. title_tokens splits words as
-- items_fts does but keeps them as written; title_stems tokenizes exactly
-- as items_fts, so token i of one is word i of the other.
CREATE VIRTUAL TABLE title_tokens USING fts5 (
    title,
    content = '',
    tokenize = 'unicode61 remove_diacritics 0',
    detail = full
);
CREATE VIRTUAL TABLE title_tokens_instances USING fts5vocab (title_tokens, 'instance');

CREATE VIRTUAL TABLE title_stems USING fts5 (
    title,
    content = '',
    tokenize = 'porter unicode61 remove_diacritics 2',
    detail = full
);
CREATE VIRTUAL TABLE title_stems_instances USING fts5vocab (title_stems, 'instance');

-- Backfill: stem every distinct word once (one word per document), then
-- every open title.
INSERT INTO title_tokens (rowid, title) SELECT id, title FROM items;
CREATE TABLE migrate_0007_words (id INTEGER PRIMARY KEY, word TEXT NOT NULL);
INSERT INTO migrate_0007_words (word) SELECT DISTINCT term FROM title_tokens_instances;
INSERT INTO title_tokens (title_tokens) VALUES ('delete-all');
INSERT INTO title_stems (rowid, title) SELECT id, word FROM migrate_0007_words;
INSERT INTO word_stems (word, stem)
SELECT w.word, s.term FROM title_stems_instances s JOIN migrate_0007_words w ON w.id = s.doc
WHERE true ON CONFLICT (word) DO NOTHING;
INSERT INTO title_stems (title_stems) VALUES ('delete-all');
DROP TABLE migrate_0007_words;

INSERT INTO title_stems (rowid, title)
SELECT id, title FROM items WHERE +status IN ('new', 'triaged', 'planned', 'in_progress');
INSERT INTO title_words (stem, item_id) SELECT term, doc FROM title_stems_instances
WHERE true ON CONFLICT (stem, item_id) DO NOTHING;
INSERT INTO title_stems (title_stems) VALUES ('delete-all');

-- A new item: map its words to their stems (only when both tokenizers
-- saw as many tokens, so token i is the same word in both) and, if it is
-- open, add its words.
CREATE TRIGGER title_words_insert AFTER INSERT ON items BEGIN
    INSERT INTO title_tokens (rowid, title) VALUES (new.id, new.title);
    INSERT INTO title_stems (rowid, title) VALUES (new.id, new.title);
    INSERT INTO word_stems (word, stem)
    SELECT t.term, s.term FROM title_tokens_instances t JOIN title_stems_instances s ON s.offset = t.offset
    WHERE (SELECT count(*) FROM title_tokens_instances) = (SELECT count(*) FROM title_stems_instances)
    ON CONFLICT (word) DO NOTHING;
    INSERT INTO title_words (stem, item_id)
    SELECT DISTINCT term, new.id FROM title_stems_instances
    WHERE new.status IN ('new', 'triaged', 'planned', 'in_progress')
    ON CONFLICT (stem, item_id) DO NOTHING;
    INSERT INTO title_tokens (title_tokens) VALUES ('delete-all');
    INSERT INTO title_stems (title_stems) VALUES ('delete-all');
END;

-- An open item's words go by stemming its title again: no index on
-- item_id needed.
CREATE TRIGGER title_words_delete AFTER DELETE ON items
WHEN old.status IN ('new', 'triaged', 'planned', 'in_progress') BEGIN
    INSERT INTO title_stems (rowid, title) VALUES (old.id, old.title);
    DELETE FROM title_words WHERE item_id = old.id AND stem IN (SELECT term FROM title_stems_instances);
    INSERT INTO title_stems (title_stems) VALUES ('delete-all');
END;

-- A new title, or a move between open and closed: the old words go (if it
-- was open), the new ones come (if it is).
CREATE TRIGGER title_words_update AFTER UPDATE OF title, status ON items
WHEN new.title IS NOT old.title
  OR (old.status IN ('new', 'triaged', 'planned', 'in_progress')) <> (new.status IN ('new', 'triaged', 'planned', 'in_progress')) BEGIN
    INSERT INTO title_stems (rowid, title)
    SELECT old.id, old.title WHERE old.status IN ('new', 'triaged', 'planned', 'in_progress');
    DELETE FROM title_words WHERE item_id = old.id AND stem IN (SELECT term FROM title_stems_instances);
    INSERT INTO title_stems (title_stems) VALUES ('delete-all');
    INSERT INTO title_tokens (rowid, title) VALUES (new.id, new.title);
    INSERT INTO title_stems (rowid, title) VALUES (new.id, new.title);
    INSERT INTO word_stems (word, stem)
    SELECT t.term, s.term FROM title_tokens_instances t JOIN title_stems_instances s ON s.offset = t.offset
    WHERE (SELECT count(*) FROM title_tokens_instances) = (SELECT count(*) FROM title_stems_instances)
    ON CONFLICT (word) DO NOTHING;
    INSERT INTO title_words (stem, item_id)
    SELECT DISTINCT term, new.id FROM title_stems_instances
    WHERE new.status IN ('new', 'triaged', 'planned', 'in_progress')
    ON CONFLICT (stem, item_id) DO NOTHING;
    INSERT INTO title_tokens (title_tokens) VALUES ('delete-all');
    INSERT INTO title_stems (title_stems) VALUES ('delete-all');
END;

-- Each labelled item with a copy of its ranking columns, so "list #label"
-- walks one label's items in rank order and stops at the limit. Kept by
-- triggers on item_labels and on items.
CREATE TABLE label_ranks (
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    status     TEXT NOT NULL,
    score      REAL,
    vote_count INTEGER NOT NULL,
    PRIMARY KEY (item_id, label)
) WITHOUT ROWID;

INSERT INTO label_ranks (item_id, label, status, score, vote_count)
SELECT l.item_id, l.label, i.status, i.score, i.vote_count
FROM item_labels l JOIN items i ON i.id = l.item_id;

-- rankOrder within a label; status last, so the status filter reads the index.
CREATE INDEX label_ranks_rank ON label_ranks (label, (score IS NULL), score DESC, vote_count DESC, item_id, status);

CREATE TRIGGER label_ranks_insert AFTER INSERT ON item_labels BEGIN
    INSERT INTO label_ranks (item_id, label, status, score, vote_count)
    SELECT new.item_id, new.label, i.status, i.score, i.vote_count FROM items i WHERE i.id = new.item_id
    ON CONFLICT (item_id, label) DO NOTHING;
END;

CREATE TRIGGER label_ranks_delete AFTER DELETE ON item_labels BEGIN
    DELETE FROM label_ranks WHERE item_id = old.item_id AND label = old.label;
END;

CREATE TRIGGER label_ranks_relabel AFTER UPDATE OF item_id, label ON item_labels BEGIN
    DELETE FROM label_ranks WHERE item_id = old.item_id AND label = old.label;
    INSERT INTO label_ranks (item_id, label, status, score, vote_count)
    SELECT new.item_id, new.label, i.status, i.score, i.vote_count FROM items i WHERE i.id = new.item_id
    ON CONFLICT (item_id, label) DO NOTHING;
END;

CREATE TRIGGER label_ranks_item AFTER UPDATE OF status, score, vote_count ON items
WHEN new.status IS NOT old.status OR new.score IS NOT old.score OR new.vote_count IS NOT old.vote_count BEGIN
    UPDATE label_ranks SET status = new.status, score = new.score, vote_count = new.vote_count
    WHERE item_id = new.id;
END;
