package storage

import (
	"context"
	"fmt"
)

// indexTitle are the statements that add item ?1's title to title_words
// (and its words to word_stems), as the title_words_update trigger does for
// a changed title, then take it off title_words_pending.
var indexTitle = []string{
	`INSERT INTO title_tokens (rowid, title) SELECT id, title FROM items WHERE id = ?1`,
	`INSERT INTO title_stems (rowid, title) SELECT id, title FROM items WHERE id = ?1`,
	`INSERT INTO word_stems (word, stem)
	SELECT t.term, s.term FROM title_tokens_instances t JOIN title_stems_instances s ON s.offset = t.offset
	WHERE (SELECT count(*) FROM title_tokens_instances) = (SELECT count(*) FROM title_stems_instances)
	  AND ?1 = ?1
	ON CONFLICT (word) DO NOTHING`,
	`INSERT INTO title_words (stem, item_id)
	SELECT DISTINCT term, ?1 FROM title_stems_instances
	WHERE (SELECT status FROM items WHERE id = ?1) IN (` + openStatuses + `)
	ON CONFLICT (stem, item_id) DO NOTHING`,
	`INSERT INTO title_tokens (title_tokens) SELECT 'delete-all' WHERE ?1 = ?1`,
	`INSERT INTO title_stems (title_stems) SELECT 'delete-all' WHERE ?1 = ?1`,
	`DELETE FROM title_words_pending WHERE item_id = ?1`,
}

// indexPendingTitle indexes item id's title if it is still pending.
func indexPendingTitle(ctx context.Context, tx *Tx, id int64) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM title_words_pending WHERE item_id = ?`, id).Scan(&one); err != nil {
		return fmt.Errorf("title index of #%d: %w", id, err)
	}
	if one == 0 {
		return nil
	}
	for _, q := range indexTitle {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("title index of #%d: %w", id, err)
		}
	}
	return nil
}

// IndexPendingTitles indexes up to limit titles still waiting (captures
// whose follow-up never ran: a crash, an import) and returns how many.
func (db *DB) IndexPendingTitles(ctx context.Context, limit int) (int, error) {
	ids, err := db.strings(ctx, `SELECT item_id FROM title_words_pending ORDER BY item_id LIMIT ?`, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		for _, s := range ids {
			var id int64
			if _, err := fmt.Sscan(s, &id); err != nil {
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
	return len(ids), nil
}
