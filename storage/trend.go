package storage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// statusMoves are the status changes that close or reopen an item, as SQL
// conditions on a change c: a move by hand or by a tracker ("status"), or
// a merge ("merged", which makes a duplicate).
var (
	closingMove = `c.type IN ('status', 'merged') AND c.from_value IN (` + openStatuses + `) AND c.to_value NOT IN (` + openStatuses + `)`
	reopenMove  = `c.type = 'status' AND c.from_value NOT IN (` + openStatuses + `) AND c.to_value IN (` + openStatuses + `)`
	shipMove    = `c.type = 'status' AND c.to_value = 'shipped'`
)

// Trend counts, for the periods between consecutive bounds (oldest
// first), the items f selects that were opened (created) and shipped in
// each, and the open backlog at each period's end. Shipping, closing and
// reopening are read from the items' history, so an item shipped and
// reopened later still counts as shipped when it was. Each count reads
// only what was created or changed inside the window (by the created and
// change-time indexes), and the backlog is walked back from today's open
// count, so the cost follows the window's activity, not the backlog's size.
func (db *DB) Trend(ctx context.Context, f backlog.DigestFilter, bounds []time.Time) ([]backlog.TrendPeriod, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	n := len(bounds) - 1
	cond, args := filterSQL(f)
	first, last := formatTime(bounds[0]), formatTime(bounds[n])
	// Items opened: one row of n sums, one per period.
	opened := make([]int, n)
	var cols []string
	var qargs []any
	ptrs := make([]any, n)
	for k := range n {
		cols = append(cols, "count(*) FILTER (WHERE i.created_at >= ? AND i.created_at < ?)")
		qargs = append(qargs, formatTime(bounds[k]), formatTime(bounds[k+1]))
		ptrs[k] = &opened[k]
	}
	if err := db.read.QueryRowContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM items i WHERE i.created_at >= ? AND i.created_at < ? AND `+cond,
		append(append(qargs, first, last), args...)...).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("trend opened: %w", err)
	}
	shipped, closed, reopened := make([]int, n), make([]int, n), make([]int, n)
	// One pass over the window's moves, each classified once in SQL and
	// put in its period here.
	from := `item_changes c JOIN items i ON i.id = c.item_id`
	if len(args) == 0 {
		from = `item_changes c` // no filter: the items need not be read
	}
	rows, err := db.read.QueryContext(ctx, `
		SELECT c.created_at, `+shipMove+`, `+closingMove+`, `+reopenMove+`
		FROM `+from+`
		WHERE c.created_at >= ? AND c.created_at < ? AND c.type IN ('status', 'merged')
		  AND (c.to_value = 'shipped' OR (c.from_value IN (`+openStatuses+`)) <> (c.to_value IN (`+openStatuses+`)))
		  AND `+cond,
		append([]any{first, last}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("trend moves: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at string
		var ship, closing, reopen bool
		if err := rows.Scan(&at, &ship, &closing, &reopen); err != nil {
			return nil, err
		}
		t, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("trend moves: %w", err)
		}
		// bounds[k] <= t < bounds[k+1]
		k := sort.Search(len(bounds), func(i int) bool { return bounds[i].After(t) }) - 1
		if k < 0 || k >= n {
			continue
		}
		if ship {
			shipped[k]++
		}
		if closing {
			closed[k]++
		}
		if reopen {
			reopened[k]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trend moves: %w", err)
	}
	// The backlog at the last bound: open now, less what opened since, plus
	// what closed since, less what reopened since.
	var statuses []backlog.Status
	for _, st := range backlog.Statuses {
		if st.Open() {
			statuses = append(statuses, st)
		}
	}
	open, err := db.countFiltered(ctx, statuses, f)
	if err != nil {
		return nil, fmt.Errorf("trend open: %w", err)
	}
	var openedSince, closedSince, reopenedSince int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE i.created_at >= ? AND `+cond,
		append([]any{last}, args...)...).Scan(&openedSince); err != nil {
		return nil, err
	}
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE `+closingMove+`), count(*) FILTER (WHERE `+reopenMove+`)
		FROM item_changes c JOIN items i ON i.id = c.item_id
		WHERE c.created_at >= ? AND c.type IN ('status', 'merged') AND `+cond,
		append([]any{last}, args...)...).Scan(&closedSince, &reopenedSince); err != nil {
		return nil, err
	}
	open = open - openedSince + closedSince - reopenedSince
	out := make([]backlog.TrendPeriod, n)
	for k := n - 1; k >= 0; k-- {
		out[k] = backlog.TrendPeriod{Start: bounds[k], End: bounds[k+1], Opened: opened[k], Shipped: shipped[k], Open: max(open, 0)}
		open = open - opened[k] + closed[k] - reopened[k]
	}
	return out, nil
}
