package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// Trend counts, for the periods between consecutive bounds (oldest
// first), the items f selects that were opened and shipped in each, and
// the open backlog at each period's end. Each count reads only the items
// created or closed inside the window (by the created and closed-at
// indexes), and the backlog is walked back from today's open count, so
// the cost follows the window's activity, not the backlog's size.
func (db *DB) Trend(ctx context.Context, f backlog.DigestFilter, bounds []time.Time) ([]backlog.TrendPeriod, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	n := len(bounds) - 1
	cond, args := filterSQL(f)
	first, last := formatTime(bounds[0]), formatTime(bounds[n])
	// sums is n "sum(col in period k)" columns and their arguments.
	sums := func(col string) (string, []any) {
		var cols []string
		var a []any
		for k := range n {
			cols = append(cols, fmt.Sprintf("coalesce(sum(%s >= ? AND %s < ?), 0)", col, col))
			a = append(a, formatTime(bounds[k]), formatTime(bounds[k+1]))
		}
		return strings.Join(cols, ", "), a
	}
	scan := func(query string, qargs []any) ([]int, error) {
		out := make([]int, n)
		dest := make([]any, n)
		for i := range out {
			dest[i] = &out[i]
		}
		err := db.read.QueryRowContext(ctx, query, qargs...).Scan(dest...)
		return out, err
	}
	openedCols, openedArgs := sums("i.created_at")
	opened, err := scan(`SELECT `+openedCols+` FROM items i WHERE i.created_at >= ? AND i.created_at < ? AND `+cond,
		append(append(openedArgs, first, last), args...))
	if err != nil {
		return nil, fmt.Errorf("trend opened: %w", err)
	}
	closedCols, closedArgs := sums("i.closed_at")
	shipped, err := scan(`SELECT `+closedCols+` FROM items i WHERE i.status = ? AND i.closed_at >= ? AND i.closed_at < ? AND `+cond,
		append(append(closedArgs, backlog.StatusShipped, first, last), args...))
	if err != nil {
		return nil, fmt.Errorf("trend shipped: %w", err)
	}
	closed, err := scan(`SELECT `+closedCols+` FROM items i WHERE i.status IN (?, ?, ?) AND i.closed_at >= ? AND i.closed_at < ? AND `+cond,
		append(append(closedArgs, backlog.StatusShipped, backlog.StatusDeclined, backlog.StatusDuplicate, first, last), args...))
	if err != nil {
		return nil, fmt.Errorf("trend closed: %w", err)
	}
	// The backlog at the last bound: open now, less what opened since, plus
	// what closed since.
	var openedSince, closedSince int
	var open int
	var statuses []backlog.Status
	for _, st := range backlog.Statuses {
		if st.Open() {
			statuses = append(statuses, st)
		}
	}
	open, err = db.countFiltered(ctx, statuses, f)
	if err != nil {
		return nil, fmt.Errorf("trend open: %w", err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE i.created_at >= ? AND `+cond, append([]any{last}, args...)...).Scan(&openedSince); err != nil {
		return nil, err
	}
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE i.status IN (?, ?, ?) AND i.closed_at >= ? AND `+cond,
		append([]any{backlog.StatusShipped, backlog.StatusDeclined, backlog.StatusDuplicate, last}, args...)...).Scan(&closedSince); err != nil {
		return nil, err
	}
	open = open - openedSince + closedSince
	out := make([]backlog.TrendPeriod, n)
	for k := n - 1; k >= 0; k-- {
		out[k] = backlog.TrendPeriod{Start: bounds[k], End: bounds[k+1], Opened: opened[k], Shipped: shipped[k], Open: max(open, 0)}
		open = open - opened[k] + closed[k]
	}
	return out, nil
}
