-- A new item's title is indexed for similar items after the capture's ack,
-- not inside it: the tokenizing costs more than the rest of the capture.
-- The capture queues its item here; the capture's follow-up write (or the
-- sweep at start) indexes it. Title and status changes keep their trigger.
DROP TRIGGER title_words_insert;

CREATE TABLE title_words_pending (
    item_id INTEGER PRIMARY KEY
);

CREATE TRIGGER title_words_pending_insert AFTER INSERT ON items BEGIN
    INSERT INTO title_words_pending (item_id) VALUES (new.id);
END;

CREATE TRIGGER title_words_pending_delete AFTER DELETE ON items BEGIN
    DELETE FROM title_words_pending WHERE item_id = old.id;
END;
