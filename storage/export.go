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

// EachItem calls fn for every item in number order, with its labels, voters
// and followers, all read from one consistent snapshot. It streams: memory
// stays flat however many items there are.
func (db *DB) EachItem(ctx context.Context, fn func(ExportItem) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()

	items, err := tx.QueryContext(ctx, `SELECT `+itemColumns+` FROM items i ORDER BY i.id`)
	if err != nil {
		return fmt.Errorf("export items: %w", err)
	}
	defer items.Close()
	labels, err := newPairCursor(ctx, tx, `SELECT item_id, label FROM item_labels ORDER BY item_id, label`)
	if err != nil {
		return err
	}
	defer labels.close()
	voters, err := newPairCursor(ctx, tx, `SELECT item_id, user FROM item_votes ORDER BY item_id, rowid`)
	if err != nil {
		return err
	}
	defer voters.close()
	followers, err := newPairCursor(ctx, tx, `SELECT item_id, user FROM item_followers ORDER BY item_id, rowid`)
	if err != nil {
		return err
	}
	defer followers.close()

	for items.Next() {
		it, err := scanItem(items)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		e := ExportItem{Item: it}
		if e.Item.Labels, err = labels.take(it.ID); err != nil {
			return err
		}
		if e.Voters, err = voters.take(it.ID); err != nil {
			return err
		}
		if e.Followers, err = followers.take(it.ID); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return items.Err()
}

// pairCursor walks (item_id, value) rows ordered by item_id, beside the
// item rows, so an export is one merge-join instead of a query per item.
type pairCursor struct {
	rows    *sql.Rows
	id      int64
	value   string
	hasNext bool
}

func newPairCursor(ctx context.Context, tx *sql.Tx, query string) (*pairCursor, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	c := &pairCursor{rows: rows}
	return c, c.advance()
}

func (c *pairCursor) advance() error {
	c.hasNext = c.rows.Next()
	if !c.hasNext {
		return c.rows.Err()
	}
	return c.rows.Scan(&c.id, &c.value)
}

// take returns the values for item id, which must not be less than any
// id asked for before.
func (c *pairCursor) take(id int64) ([]string, error) {
	out := []string{}
	for c.hasNext && c.id <= id {
		if c.id == id {
			out = append(out, c.value)
		}
		if err := c.advance(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *pairCursor) close() { c.rows.Close() }
