package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/liaisonbot/liaison/backlog"
)

// ExportItem is an item with everything SPEC §9 exports.
type ExportItem struct {
	Item      backlog.Item
	Voters    []string // the reporter first
	Followers []string
}

// exportPage is how many items EachItem reads at a time.
const exportPage = 1000

// EachItem calls fn for every item in number order, with its labels, voters
// and followers, all read from one consistent snapshot. It reads a page of
// items, then the labels, votes and follows of that page, each query read
// to its end before the next (a PostgreSQL connection runs one at a time):
// memory stays flat however many items there are.
func (db *DB) EachItem(ctx context.Context, fn func(ExportItem) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.pg {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every page
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()

	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, `SELECT `+itemColumns+` FROM items i WHERE i.id > ? ORDER BY i.id LIMIT ?`, after, exportPage)
		if err != nil {
			return fmt.Errorf("export items: %w", err)
		}
		page, err := scanItems(rows)
		if err != nil {
			return fmt.Errorf("export items: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		first, last := page[0].ID, page[len(page)-1].ID
		labels, err := pairs(ctx, tx, `SELECT item_id, label FROM item_labels WHERE item_id BETWEEN ? AND ? ORDER BY item_id, label`, first, last)
		if err != nil {
			return err
		}
		voters, err := pairs(ctx, tx, `SELECT item_id, "user" FROM item_votes WHERE item_id BETWEEN ? AND ? ORDER BY item_id, rowid`, first, last)
		if err != nil {
			return err
		}
		followers, err := pairs(ctx, tx, `SELECT item_id, "user" FROM item_followers WHERE item_id BETWEEN ? AND ? ORDER BY item_id, rowid`, first, last)
		if err != nil {
			return err
		}
		for _, it := range page {
			e := ExportItem{Item: it, Voters: orEmpty(voters[it.ID]), Followers: orEmpty(followers[it.ID])}
			e.Item.Labels = orEmpty(labels[it.ID])
			if err := fn(e); err != nil {
				return err
			}
		}
		after = last
	}
}

// pairs reads (item_id, value) rows into each item's values, in row order.
func pairs(ctx context.Context, tx *Tx, query string, args ...any) (map[int64][]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		out[id] = append(out[id], v)
	}
	return out, rows.Err()
}

// orEmpty is vs, or an empty slice for none.
func orEmpty(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}
