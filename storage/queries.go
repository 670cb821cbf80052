package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// rankOrder is the order of top and the default list (SPEC §11).
const rankOrder = `ORDER BY (i.score IS NULL), i.score DESC, i.vote_count DESC, i.id`

// queryItems runs a query selecting itemColumns and scans every row.
func (db *DB) queryItems(ctx context.Context, query string, args ...any) ([]backlog.Item, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []backlog.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// smallSet is the size under which a person or label filter drives a list
// query from its own index instead of walking the ranking index.
const smallSet = 5000

// List returns up to limit items matching f, best ranked first. A filter on
// a person or a label with few items drives the query from that set; other
// lists walk the ranking index and stop at limit.
func (db *DB) List(ctx context.Context, f backlog.Filter, limit int) ([]backlog.Item, error) {
	var cte string
	var cteArgs []any
	byDrives, labelDrives := false, false
	switch {
	case f.Mine != "":
		// A person reports and follows few items.
		cte = `SELECT id FROM items WHERE reporter = ? UNION SELECT item_id FROM item_followers WHERE user = ?`
		cteArgs = []any{f.Mine, f.Mine}
	case f.By != "" && db.fewer(ctx, `SELECT count(*) FROM (SELECT 1 FROM items WHERE reporter = ? LIMIT ?)`, f.By):
		cte, cteArgs, byDrives = `SELECT id FROM items WHERE reporter = ?`, []any{f.By}, true
	case f.Label != "" && db.fewer(ctx, `SELECT count(*) FROM (SELECT 1 FROM item_labels WHERE label = ? LIMIT ?)`, f.Label):
		cte, cteArgs, labelDrives = `SELECT item_id AS id FROM item_labels WHERE label = ?`, []any{f.Label}, true
	}
	var where []string
	var args []any
	switch {
	case f.Status != "":
		where, args = append(where, "i.status = ?"), append(args, f.Status)
	case f.Open:
		where = append(where, "i.status IN ("+openStatuses+")")
	}
	if f.Kind != "" {
		where, args = append(where, "i.kind = ?"), append(args, f.Kind)
	}
	if f.By != "" && !byDrives {
		where, args = append(where, "i.reporter = ?"), append(args, f.By)
	}
	if f.Label != "" && !labelDrives {
		where, args = append(where, "i.id IN (SELECT item_id FROM item_labels WHERE label = ?)"), append(args, f.Label)
	}
	q := `SELECT ` + itemColumns + ` FROM items i`
	if cte != "" {
		// CROSS JOIN keeps SQLite from reordering: the small set drives.
		q = `WITH m AS MATERIALIZED (` + cte + `) SELECT ` + itemColumns + ` FROM m CROSS JOIN items i ON i.id = m.id`
		args = append(cteArgs, args...)
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	items, err := db.queryItems(ctx, q+" "+rankOrder+" LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return items, nil
}

// fewer reports whether a count query (taking the value and a LIMIT) finds
// fewer than smallSet rows; it stops counting there.
func (db *DB) fewer(ctx context.Context, query string, value string) bool {
	var n int
	if err := db.read.QueryRowContext(ctx, query, value, smallSet).Scan(&n); err != nil {
		return false
	}
	return n < smallSet
}

// Top returns the n best-ranked open items.
func (db *DB) Top(ctx context.Context, n int) ([]backlog.Item, error) {
	return db.List(ctx, backlog.Filter{Open: true}, n)
}

// searchQuery turns words into an FTS5 query matching all of them (stemmed:
// "report" finds "reports"), quoted so user text is never FTS5 syntax; ""
// when there are none.
func searchQuery(text string) string {
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) }) {
		terms = append(terms, `"`+w+`"`)
		if len(terms) == 10 {
			break
		}
	}
	return strings.Join(terms, " ")
}

// rankWindowSQL bounds full-text ranking: bm25 orders at most the newest
// 500 matches, so a query for a word in half the backlog costs about the
// same as a rare one.
const rankWindowSQL = "500"

// rankedMatches is the FTS5 subquery yielding (rowid, r) for the newest
// 500 matches of its MATCH parameter, r being bm25 with the title
// weighted four times the body.
const rankedMatches = `(SELECT rowid, bm25(items_fts, 4.0, 1.0) AS r FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT ` + rankWindowSQL + `)`

// Search returns up to limit items whose title or body contain every word
// of q, best match first.
func (db *DB) Search(ctx context.Context, q string, limit int) ([]backlog.Item, error) {
	m := searchQuery(q)
	if m == "" {
		return nil, nil
	}
	items, err := db.queryItems(ctx, `
		SELECT `+itemColumns+`
		FROM `+rankedMatches+` f
		CROSS JOIN items i ON i.id = f.rowid
		ORDER BY f.r, i.id DESC
		LIMIT ?`, m, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return items, nil
}

// ChangedTo returns up to limit items that moved to status since t, most
// recent first (for "what shipped this week").
func (db *DB) ChangedTo(ctx context.Context, status backlog.Status, since time.Time, limit int) ([]backlog.Item, error) {
	items, err := db.queryItems(ctx, `
		SELECT `+itemColumns+`
		FROM items i
		WHERE i.status = ? AND i.id IN (
			SELECT item_id FROM item_events WHERE type = 'status' AND to_value = ? AND created_at >= ?)
		ORDER BY i.updated_at DESC
		LIMIT ?`, status, status, formatTime(since), limit)
	if err != nil {
		return nil, fmt.Errorf("changed to %s: %w", status, err)
	}
	return items, nil
}

// TriageQueue returns the oldest new items first.
func (db *DB) TriageQueue(ctx context.Context, limit int) ([]backlog.Item, error) {
	items, err := db.queryItems(ctx, `
		SELECT `+itemColumns+` FROM items i WHERE i.status = 'new' ORDER BY i.created_at, i.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("triage queue: %w", err)
	}
	return items, nil
}

// Stats are the backlog's counts.
type Stats struct {
	ByStatus map[backlog.Status]int
	ByKind   map[backlog.Kind]int
	Total    int
	Outbox   OutboxCounts
}

// Stats reads the counts table (kept by triggers) and the outbox states.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	s := Stats{ByStatus: map[backlog.Status]int{}, ByKind: map[backlog.Kind]int{}}
	rows, err := db.read.QueryContext(ctx, `SELECT status, kind, n FROM item_counts WHERE n > 0`)
	if err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st backlog.Status
		var k backlog.Kind
		var n int
		if err := rows.Scan(&st, &k, &n); err != nil {
			return s, err
		}
		s.ByStatus[st] += n
		s.ByKind[k] += n
		s.Total += n
	}
	if err := rows.Err(); err != nil {
		return s, err
	}
	s.Outbox, err = db.OutboxStats(ctx)
	return s, err
}
