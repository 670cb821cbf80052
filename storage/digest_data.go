package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// DigestListSize caps each list a digest shows.
const DigestListSize = 10

// filterSQL renders a digest filter as conditions on items i.
func filterSQL(f backlog.DigestFilter) (string, []any) {
	var conds []string
	var args []any
	if len(f.Kinds) > 0 {
		conds = append(conds, "i.kind IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Kinds)), ",")+")")
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	if len(f.Any) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id AND l.label IN ("+
			strings.TrimSuffix(strings.Repeat("?,", len(f.Any)), ",")+"))")
		for _, l := range f.Any {
			args = append(args, l)
		}
	}
	for _, l := range f.All {
		conds = append(conds, "EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id AND l.label = ?)")
		args = append(args, l)
	}
	for _, l := range f.None {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id AND l.label = ?)")
		args = append(args, l)
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), args
}

// DigestData gathers a digest for [start, end) with filter f: counts by SQL,
// lists capped at DigestListSize, so memory stays flat at any backlog size.
// prevStart begins the period before, for the trend; triageDays is how long
// an item may wait as new before the digest points at it.
func (db *DB) DigestData(ctx context.Context, f backlog.DigestFilter, prevStart, start, end time.Time, triageDays int) (backlog.DigestData, error) {
	d := backlog.DigestData{Start: start, End: end}
	cond, cargs := filterSQL(f)
	s, e, ps := formatTime(start), formatTime(end), formatTime(prevStart)
	count := func(dst *int, where string, args ...any) error {
		return db.read.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE `+cond+` AND `+where,
			append(append([]any{}, cargs...), args...)...).Scan(dst)
	}
	// Moves are found from the history (a few per period) and checked
	// against the item: "+i.status" keeps SQLite from walking the status
	// index instead.
	movedTo := func(status backlog.Status) string {
		return fmt.Sprintf(`i.id IN (SELECT item_id FROM item_changes WHERE type = 'status' AND to_value = '%s'
			AND created_at >= ? AND created_at < ?)`, status)
	}
	waitingBefore := formatTime(end.AddDate(0, 0, -triageDays))
	counts := []struct {
		dst   *int
		where string
		args  []any
	}{
		{&d.New, "i.created_at >= ? AND i.created_at < ?", []any{s, e}},
		{&d.PrevNew, "i.created_at >= ? AND i.created_at < ?", []any{ps, s}},
		{&d.Shipped, "+i.status = 'shipped' AND " + movedTo(backlog.StatusShipped), []any{s, e}},
		{&d.PrevShipped, movedTo(backlog.StatusShipped), []any{ps, s}},
		{&d.Planned, movedTo(backlog.StatusPlanned), []any{s, e}},
		{&d.Declined, "+i.status = 'declined' AND " + movedTo(backlog.StatusDeclined), []any{s, e}},
		{&d.Waiting, "i.status = 'new' AND i.created_at < ?", []any{waitingBefore}},
	}
	if cond == "1" {
		// No filter: the counts table has these at no cost.
		var err error
		if d.InProgress, d.Open, err = db.openCounts(ctx); err != nil {
			return d, fmt.Errorf("digest counts: %w", err)
		}
	} else {
		counts = append(counts,
			struct {
				dst   *int
				where string
				args  []any
			}{&d.InProgress, "i.status = 'in_progress'", nil},
			struct {
				dst   *int
				where string
				args  []any
			}{&d.Open, "i.status IN (" + openStatuses + ")", nil})
	}
	for _, c := range counts {
		if err := count(c.dst, c.where, c.args...); err != nil {
			return d, fmt.Errorf("digest counts: %w", err)
		}
	}
	list := func(dst *[]backlog.DigestEntry, where, order string, args ...any) error {
		rows, err := db.read.QueryContext(ctx, `
			SELECT `+itemColumns+`,
				(SELECT count(*) FROM item_followers fl WHERE fl.item_id = i.id),
				coalesce((SELECT note FROM item_changes c WHERE c.item_id = i.id AND c.type = 'status'
					AND c.to_value = i.status ORDER BY c.id DESC LIMIT 1), '')
			FROM items i WHERE `+cond+` AND `+where+` ORDER BY `+order+` LIMIT ?`,
			append(append(append([]any{}, cargs...), args...), DigestListSize)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var de backlog.DigestEntry
			var err error
			if de.Item, err = scanItem(rows, &de.Requesters, &de.Reason); err != nil {
				return err
			}
			*dst = append(*dst, de)
		}
		return rows.Err()
	}
	lists := []struct {
		dst          *[]backlog.DigestEntry
		where, order string
		args         []any
	}{
		{&d.ShippedItems, "+i.status = 'shipped' AND " + movedTo(backlog.StatusShipped), "i.vote_count DESC, i.id", []any{s, e}},
		{&d.PlannedItems, movedTo(backlog.StatusPlanned), "i.vote_count DESC, i.id", []any{s, e}},
		{&d.DeclinedItems, "+i.status = 'declined' AND " + movedTo(backlog.StatusDeclined), "i.vote_count DESC, i.id", []any{s, e}},
		{&d.TopNew, "i.created_at >= ? AND i.created_at < ?", "i.vote_count DESC, i.id", []any{s, e}},
		{&d.TopOpen, "i.status IN (" + openStatuses + ") AND i.score IS NOT NULL", "i.score DESC, i.vote_count DESC, i.id", nil},
		{&d.WaitingItems, "i.status = 'new' AND i.created_at < ?", "i.created_at, i.id", []any{waitingBefore}},
	}
	for _, l := range lists {
		if err := list(l.dst, l.where, l.order, l.args...); err != nil {
			return d, fmt.Errorf("digest lists: %w", err)
		}
	}
	return d, nil
}

// openCounts reads the in-progress and open totals from the counts table.
func (db *DB) openCounts(ctx context.Context) (inProgress, open int, err error) {
	err = db.read.QueryRowContext(ctx, `
		SELECT coalesce(sum(CASE WHEN status = 'in_progress' THEN n END), 0),
		       coalesce(sum(CASE WHEN status IN (`+openStatuses+`) THEN n END), 0)
		FROM item_counts`).Scan(&inProgress, &open)
	return inProgress, open, err
}
