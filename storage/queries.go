package storage

import (
	"context"
	"fmt"
	"strconv"
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
	return scanItems(rows)
}

// smallSet is the size under which a person filter drives a list query
// from its own index instead of walking the ranking index.
const smallSet = 5000

// labelRankOrder is rankOrder over label_ranks, which copies the ranking
// columns of each labelled item (migration 0007); its index
// label_ranks_rank is in this order.
const labelRankOrder = `ORDER BY (l.score IS NULL), l.score DESC, l.vote_count DESC, l.item_id`

// List returns up to limit items matching f, best ranked first. A filter on
// a person with few items drives the query from that set; a label filter
// walks that label's items in rank order (label_ranks); other lists walk
// the ranking index. All stop at limit.
func (db *DB) List(ctx context.Context, f backlog.Filter, limit int) ([]backlog.Item, error) {
	var cte string
	var cteArgs []any
	byDrives, labelDrives := false, false
	switch {
	case f.Mine != "":
		// A person reports and follows few items.
		cte = `SELECT id FROM items WHERE reporter = ? UNION SELECT item_id FROM item_followers WHERE "user" = ?`
		cteArgs = []any{f.Mine, f.Mine}
	case f.By != "" && db.fewer(ctx, `SELECT count(*) FROM (SELECT 1 FROM items WHERE reporter = ? LIMIT ?)`, f.By):
		cte, cteArgs, byDrives = `SELECT id FROM items WHERE reporter = ?`, []any{f.By}, true
	case f.Label != "":
		labelDrives = true
	}
	// With a label driving, the status filter reads label_ranks' copy,
	// which its index holds, so only matching items are read.
	status := "i.status"
	if labelDrives {
		status = "l.status"
	}
	var where []string
	var args []any
	if labelDrives {
		where, args = append(where, "l.label = ?"), append(args, f.Label)
	}
	switch {
	case f.Status != "":
		where, args = append(where, status+" = ?"), append(args, f.Status)
	case f.Open:
		where = append(where, status+" IN ("+openStatuses+")")
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
	q, order := `SELECT `+itemColumns+` FROM items i`, rankOrder
	switch {
	case labelDrives:
		// CROSS JOIN keeps SQLite from reordering: the label's index drives.
		q, order = `SELECT `+itemColumns+` FROM label_ranks l CROSS JOIN items i ON i.id = l.item_id`, labelRankOrder
	case cte != "":
		// CROSS JOIN keeps SQLite from reordering: the small set drives.
		q = `WITH m AS MATERIALIZED (` + cte + `) SELECT ` + itemColumns + ` FROM m CROSS JOIN items i ON i.id = m.id`
		args = append(cteArgs, args...)
	}
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	items, err := db.queryItems(ctx, q+" "+order+" LIMIT ?", append(args, limit)...)
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
// "report" finds "reports"), each a phrase so user text is never FTS5
// syntax; "" when there are none.
func searchQuery(text string) string {
	var terms []string
	for _, w := range searchWords(text) {
		terms = append(terms, ftsPhrase(w))
	}
	return strings.Join(terms, " ")
}

// searchWords are the words of text a search matches: the first ten.
func searchWords(text string) []string {
	words := textWords(text)
	return words[:min(len(words), 10)]
}

// searchWindow bounds full-text ranking: only the newest searchWindow
// matches are ranked, so a query for a word in half the backlog costs about
// the same as a rare one.
const searchWindow = 500

// searchRanked ranks the newest searchWindow matches of ?1 (every word,
// anywhere), those whose titles hold every word (?2) first, then newest
// first, and returns the first ?3 with r (0 for a title match, else 1).
// Ranking reads the window twice, and no document: no bm25, whose word
// weights take a pass over every item holding the word.
var searchRanked = `
	WITH w AS MATERIALIZED (
		SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?1
		ORDER BY rowid DESC LIMIT ` + strconv.Itoa(searchWindow) + `),
	t AS MATERIALIZED (
		SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?2 AND rowid >= (SELECT min(id) FROM w))
	SELECT w.id, t.id IS NULL AS r FROM w LEFT JOIN t ON t.id = w.id
	ORDER BY r, w.id DESC LIMIT ?3`

// Search returns up to limit items whose title or body contain every word
// of q, best match first: among the newest searchWindow matches, those
// whose titles hold every word, then the others, each newest first.
func (db *DB) Search(ctx context.Context, q string, limit int) ([]backlog.Item, error) {
	all := searchQuery(q)
	if all == "" || limit <= 0 {
		return nil, nil
	}
	query, args := `
		SELECT `+itemColumns+`
		FROM (`+searchRanked+`) f
		CROSS JOIN items i ON i.id = f.id
		ORDER BY f.r, f.id DESC`, []any{all, "{title} : (" + all + ")", limit}
	if db.pg {
		query, args = pgSearch, []any{strings.Join(searchWords(q), " "), limit}
	}
	items, err := db.queryItems(ctx, query, args...)
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
			SELECT item_id FROM item_changes WHERE type = 'status' AND to_value = ? AND created_at >= ?)
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
}

// Stats reads the backlog's counts from the counts table, kept by triggers.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	s := Stats{ByStatus: map[backlog.Status]int{}, ByKind: map[backlog.Kind]int{}}
	rows, err := db.read.QueryContext(ctx, `SELECT status, kind, sum(n) FROM item_counts GROUP BY status, kind HAVING sum(n) > 0`)
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
	return s, rows.Err()
}
