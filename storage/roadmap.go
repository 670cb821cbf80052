package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// RoadmapStatuses are the statuses the roadmap page shows, as its columns
// (Now, Next, Later, Recently shipped). New, declined and duplicate items
// never appear on it.
var RoadmapStatuses = []backlog.Status{backlog.StatusInProgress, backlog.StatusPlanned, backlog.StatusTriaged, backlog.StatusShipped}

// RoadmapColumn is one column: its first items, best ranked first
// (shipped: newest first), with their labels, and how many it has in all.
type RoadmapColumn struct {
	Status backlog.Status
	Items  []RoadmapEntry
	Total  int
}

// RoadmapEntry is an item as the roadmap shows it.
type RoadmapEntry struct {
	backlog.Item
	ShippedAt time.Time // zero unless shipped
}

// Roadmap returns the roadmap's columns for the items f selects: up to
// limit each, the shipped column only those shipped since shippedSince.
func (db *DB) Roadmap(ctx context.Context, f backlog.DigestFilter, shippedSince time.Time, limit int) ([]RoadmapColumn, error) {
	cond, args := filterSQL(f)
	var cols []RoadmapColumn
	var all []*RoadmapEntry
	for _, st := range RoadmapStatuses {
		from, where, wargs := `items i`, "i.status = ? AND "+cond, append([]any{st}, args...)
		order := rankOrder
		if len(f.All) > 0 {
			// A label the items must have drives: its items in rank order
			// (label_ranks), not the whole column. CROSS JOIN keeps SQLite
			// from reordering.
			from, order = `label_ranks l CROSS JOIN items i ON i.id = l.item_id`, labelRankOrder
			where, wargs = "l.label = ? AND l.status = ? AND "+cond, append([]any{f.All[0], st}, args...)
		}
		if st == backlog.StatusShipped {
			where += " AND i.closed_at >= ?"
			wargs = append(wargs, formatTime(shippedSince))
			order = "ORDER BY i.closed_at DESC, i.id DESC"
		}
		col := RoadmapColumn{Status: st}
		var err error
		if col.Total, err = db.roadmapCount(ctx, st, f, from, where, wargs); err != nil {
			return nil, fmt.Errorf("roadmap %s count: %w", st, err)
		}
		entries, err := db.roadmapEntries(ctx, `SELECT `+itemColumns+`, i.closed_at FROM `+from+` WHERE `+where+` `+order+` LIMIT ?`,
			append(wargs, limit)...)
		if err != nil {
			return nil, fmt.Errorf("roadmap %s: %w", st, err)
		}
		col.Items = entries
		cols = append(cols, col)
	}
	for i := range cols {
		for j := range cols[i].Items {
			all = append(all, &cols[i].Items[j])
		}
	}
	if err := db.roadmapLabels(ctx, all); err != nil {
		return nil, err
	}
	return cols, nil
}

// roadmapCount counts a column's items: through countFiltered, unless the
// column is the shipped one (those closed since its date) or a label
// drives the query (its items, not the column's); those count the rows
// from and where select.
func (db *DB) roadmapCount(ctx context.Context, st backlog.Status, f backlog.DigestFilter, from, where string, args []any) (int, error) {
	if st != backlog.StatusShipped && len(f.Any) == 0 && len(f.All) == 0 {
		return db.countFiltered(ctx, []backlog.Status{st}, f)
	}
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+from+` WHERE `+where, args...).Scan(&n)
	return n, err
}

// countFiltered counts the items in statuses that f selects. With no label
// that items must have (the usual filter hides a few labels, if any), it is
// the count by status and kind that triggers keep (item_counts) less the
// hidden items, found through their labels: no walk over every item in
// those statuses. Other filters count the items themselves.
func (db *DB) countFiltered(ctx context.Context, statuses []backlog.Status, f backlog.DigestFilter) (int, error) {
	in := func(n int) string { return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")" }
	var stArgs, kindArgs []any
	for _, st := range statuses {
		stArgs = append(stArgs, st)
	}
	for _, k := range f.Kinds {
		kindArgs = append(kindArgs, k)
	}
	var n int
	if len(f.Any) > 0 || len(f.All) > 0 {
		// The items of the labels they must have, through those labels'
		// index, checked against the rest of the filter.
		drive := f.Any
		if len(f.All) > 0 {
			drive = f.All[:1]
		}
		var dargs []any
		for _, l := range drive {
			dargs = append(dargs, l)
		}
		cond, args := filterSQL(f)
		err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE i.id IN (
			SELECT item_id FROM label_ranks WHERE label IN `+in(len(drive))+` AND status IN `+in(len(statuses))+`) AND `+cond,
			append(append(dargs, stArgs...), args...)...).Scan(&n)
		return n, err
	}
	kinds := ""
	if len(kindArgs) > 0 {
		kinds = " AND kind IN " + in(len(kindArgs))
	}
	if err := db.read.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM item_counts WHERE status IN `+in(len(statuses))+kinds,
		append(append([]any{}, stArgs...), kindArgs...)...).Scan(&n); err != nil || len(f.None) == 0 {
		return n, err
	}
	var none []any
	for _, l := range f.None {
		none = append(none, l)
	}
	q := `SELECT count(DISTINCT l.item_id) FROM label_ranks l WHERE l.label IN ` + in(len(none)) + ` AND l.status IN ` + in(len(statuses))
	if len(kindArgs) > 0 {
		q += ` AND l.item_id IN (SELECT id FROM items WHERE kind IN ` + in(len(kindArgs)) + `)`
	}
	var hidden int
	if err := db.read.QueryRowContext(ctx, q, append(append(none, stArgs...), kindArgs...)...).Scan(&hidden); err != nil {
		return 0, err
	}
	return n - hidden, nil
}

// RoadmapItem returns item id if the roadmap shows it (its status is one
// of RoadmapStatuses and f selects it), with its labels and its status
// changes, oldest first; ErrNotFound otherwise.
func (db *DB) RoadmapItem(ctx context.Context, id int64, f backlog.DigestFilter) (RoadmapEntry, []Change, error) {
	cond, args := filterSQL(f)
	entries, err := db.roadmapEntries(ctx, `SELECT `+itemColumns+`, i.closed_at FROM items i
		WHERE i.id = ? AND i.status IN (?, ?, ?, ?) AND `+cond,
		append([]any{id, RoadmapStatuses[0], RoadmapStatuses[1], RoadmapStatuses[2], RoadmapStatuses[3]}, args...)...)
	if err != nil {
		return RoadmapEntry{}, nil, fmt.Errorf("roadmap #%d: %w", id, err)
	}
	if len(entries) == 0 {
		return RoadmapEntry{}, nil, noItem(id)
	}
	e := &entries[0]
	if err := db.roadmapLabels(ctx, []*RoadmapEntry{e}); err != nil {
		return RoadmapEntry{}, nil, err
	}
	history, err := db.History(ctx, id)
	if err != nil {
		return RoadmapEntry{}, nil, err
	}
	var moves []Change
	for _, c := range history {
		if c.Type == "status" || c.Type == "created" || c.Type == "imported" {
			moves = append(moves, c)
		}
	}
	return *e, moves, nil
}

func (db *DB) roadmapEntries(ctx context.Context, query string, args ...any) ([]RoadmapEntry, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RoadmapEntry
	for rows.Next() {
		var closed sql.NullString
		it, err := scanItem(rows, &closed)
		if err != nil {
			return nil, err
		}
		e := RoadmapEntry{Item: it}
		if it.Status == backlog.StatusShipped && closed.Valid {
			e.ShippedAt, _ = parseTime(closed.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// roadmapLabels fills in the labels of entries with one query.
func (db *DB) roadmapLabels(ctx context.Context, entries []*RoadmapEntry) error {
	if len(entries) == 0 {
		return nil
	}
	byID := make(map[int64]*RoadmapEntry, len(entries))
	args := make([]any, 0, len(entries))
	for _, e := range entries {
		byID[e.ID] = e
		args = append(args, e.ID)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT item_id, label FROM item_labels WHERE item_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+`) ORDER BY item_id, label`, args...)
	if err != nil {
		return fmt.Errorf("roadmap labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l string
		if err := rows.Scan(&id, &l); err != nil {
			return err
		}
		byID[id].Labels = append(byID[id].Labels, l)
	}
	return rows.Err()
}

// LastChange is the newest change in the backlog (any item's history):
// its id, which grows with every change, and when it was made. A backlog
// without changes answers 0.
func (db *DB) LastChange(ctx context.Context) (int64, time.Time, error) {
	var id int64
	var at string
	err := db.read.QueryRowContext(ctx, `SELECT id, created_at FROM item_changes ORDER BY id DESC LIMIT 1`).Scan(&id, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("last change: %w", err)
	}
	t, _ := parseTime(at)
	return id, t, nil
}
