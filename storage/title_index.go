package storage

import (
	"context"
	"fmt"
	"strconv"
)

// indexTitle are the statements that add item ?1's title to title_words
// (and its words to word_stems), as the title_words_update trigger does for
// a changed title, then take it off title_words_pending. byID says which
// take the item id.
var indexTitle = []struct {
	q    string
	byID bool
}{
	{`INSERT INTO title_tokens (rowid, title) SELECT id, title FROM items WHERE id = ?1`, true},
	{`INSERT INTO title_stems (rowid, title) SELECT id, title FROM items WHERE id = ?1`, true},
	{`INSERT INTO word_stems (word, stem)
	SELECT t.term, s.term FROM title_tokens_instances t JOIN title_stems_instances s ON s.offset = t.offset
	WHERE (SELECT count(*) FROM title_tokens_instances) = (SELECT count(*) FROM title_stems_instances)
	ON CONFLICT (word) DO NOTHING`, false},
	{`INSERT INTO title_words (stem, item_id)
	SELECT DISTINCT term, ?1 FROM title_stems_instances
	WHERE (SELECT status FROM items WHERE id = ?1) IN (` + openStatuses + `)
	ON CONFLICT (stem, item_id) DO NOTHING`, true},
	{`INSERT INTO title_tokens (title_tokens) VALUES ('delete-all')`, false},
	{`INSERT INTO title_stems (title_stems) VALUES ('delete-all')`, false},
	{`DELETE FROM title_words_pending WHERE item_id = ?1`, true},
}

// indexPendingTitle indexes item id's title if it is still pending.
func indexPendingTitle(ctx context.Context, tx *Tx, id int64) error {
	if tx.db.pg {
		return nil // PostgreSQL's title_search column is kept by PostgreSQL
	}
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM title_words_pending WHERE item_id = ?`, id).Scan(&pending); err != nil {
		return fmt.Errorf("title index of #%d: %w", id, err)
	}
	if pending == 0 {
		return nil
	}
	for _, st := range indexTitle {
		var args []any
		if st.byID {
			args = []any{id}
		}
		if _, err := tx.ExecContext(ctx, st.q, args...); err != nil {
			return fmt.Errorf("title index of #%d: %w", id, err)
		}
	}
	return nil
}

// IndexPendingTitles indexes up to limit titles still waiting (captures
// whose follow-up never ran: a crash, an import) and returns how many.
func (db *DB) IndexPendingTitles(ctx context.Context, limit int) (int, error) {
	if db.pg {
		return 0, nil
	}
	var n int
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		ids, err := queryStrings(ctx, tx, `SELECT item_id FROM title_words_pending ORDER BY item_id LIMIT ?`, limit)
		if err != nil {
			return err
		}
		n = len(ids)
		for _, s := range ids {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return err
			}
			if err := indexPendingTitle(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
