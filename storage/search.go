package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"weak"

	"github.com/liaisonbot/liaison/backlog"
)

// stopwords are words too common to say two requests are alike.
var stopwords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "that": true, "this": true, "from": true,
	"are": true, "was": true, "can": true, "you": true, "our": true, "not": true, "but": true,
	"have": true, "has": true, "would": true, "should": true, "could": true, "please": true,
	"when": true, "what": true, "into": true, "some": true, "more": true, "all": true, "any": true,
	"feature": true, "feedback": true, "bug": true, "idea": true, "request": true, "need": true,
	"want": true, "like": true, "they": true, "them": true, "their": true, "there": true, "will": true,
}

// similarWords returns the significant words of text, in lower case: at
// least three letters, not a stopword, each once, at most 12.
func similarWords(text string) []string {
	seen := map[string]bool{}
	var words []string
	for _, w := range textWords(text) {
		if len([]rune(w)) < 3 || stopwords[w] || seen[w] {
			continue
		}
		seen[w] = true
		words = append(words, w)
		if len(words) == 12 {
			break
		}
	}
	return words
}

// similarWindow is how many of a word's newest items Similar reads. A word
// in fewer items is read whole; for a commoner one, how far back the window
// reaches tells how common it is.
const similarWindow = 64

// distinctive reports whether a word in df of total items is rare enough
// that sharing it alone makes two items alike: it is in at most
// similarWindow items, or in one in 200.
func distinctive(df, total float64) bool { return df <= max(similarWindow, total/200) }

// Each query yields, per word of a JSON array, the word's window: the ids
// of its newest items, newest first, comma-separated; and on every row the
// number of items and the newest id, to tell how common a word is.
var (
	// titleWindows reads title_words, the stemmed words of open items'
	// titles (migration 0007); word_stems gives the stems, and has no
	// word that no title has.
	titleWindows = `
		SELECT (SELECT coalesce(group_concat(item_id), '') FROM (
				SELECT item_id FROM title_words w WHERE w.stem = s.stem
				ORDER BY item_id DESC LIMIT ` + strconv.Itoa(similarWindow) + `)),
			(SELECT coalesce(sum(n), 0) FROM item_counts WHERE status IN (` + openStatuses + `)),
			(SELECT coalesce(max(id), 0) FROM items)
		FROM (SELECT DISTINCT stem FROM word_stems WHERE word IN (SELECT value FROM json_each(?))) s`

	// bodyWindows reads items_fts (title and body, every item); the words
	// come quoted by ftsPhrase.
	bodyWindows = `
		SELECT (SELECT coalesce(group_concat(rowid), '') FROM (
				SELECT rowid FROM items_fts WHERE items_fts MATCH q.value
				ORDER BY rowid DESC LIMIT ` + strconv.Itoa(similarWindow) + `)),
			(SELECT coalesce(sum(n), 0) FROM item_counts),
			(SELECT coalesce(max(id), 0) FROM items)
		FROM json_each(?) q`

	// openByID reads the open items among a JSON array of ids; the unary +
	// keeps SQLite on the id lookups rather than a status index.
	openByID = `SELECT ` + itemColumns + ` FROM items i
		WHERE i.id IN (SELECT CAST(value AS BIGINT) FROM json_each(?)) AND +i.status IN (` + openStatuses + `)`
)

// Similar returns up to limit open items sharing significant words with
// text, best match first, leaving out exclude: items whose titles share
// them or, when no title does, items sharing them anywhere in title or
// body.
//
// An item matches when it shares two of the words, or one distinctive
// word; matches rank by the summed rarity of the words they share (inverse
// document frequency, as in bm25), then newest first. Each word costs one
// bounded read, its newest similarWindow items, so a lookup costs about the
// same at any backlog size: a common word is matched within its window
// only, which is where common words meet anyway.
func (db *DB) Similar(ctx context.Context, text string, exclude int64, limit int) ([]backlog.Item, error) {
	words := similarWords(text)
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = ftsPhrase(w)
	}
	for _, pass := range []struct {
		query string
		words []string
	}{{titleWindows, words}, {bodyWindows, quoted}} {
		if db.pg {
			pass.query, pass.words = pgWindows[pass.query], words
		}
		list, err := json.Marshal(pass.words)
		if err != nil {
			return nil, fmt.Errorf("similar items: %w", err)
		}
		ids, err := db.similarIDs(ctx, pass.query, string(list), exclude)
		if err != nil {
			return nil, fmt.Errorf("similar items: %w", err)
		}
		items, err := db.openItems(ctx, ids, limit)
		if err != nil {
			return nil, fmt.Errorf("similar items: %w", err)
		}
		if len(items) > 0 {
			return items, nil
		}
	}
	return nil, nil
}

// similarEntry is one item in one word's window.
type similarEntry struct {
	id          int64
	idf         float64
	distinctive bool
}

// similarEntries recycles the entries of similarIDs, a few thousand bytes a
// lookup.
var similarEntries = sync.Pool{New: func() any { return new([]similarEntry) }}

// similarIDs runs one of the window queries with the JSON array words and
// ranks the items in the windows (see Similar), best first, leaving out
// exclude.
func (db *DB) similarIDs(ctx context.Context, query, words string, exclude int64) ([]int64, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, words)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pooled := similarEntries.Get().(*[]similarEntry)
	defer similarEntries.Put(pooled)
	entries := (*pooled)[:0]
	for rows.Next() {
		var window sql.RawBytes
		var total, maxID float64
		if err := rows.Scan(&window, &total, &maxID); err != nil {
			return nil, err
		}
		start := len(entries)
		for rest := window; len(rest) > 0; {
			var id int64
			var ok bool
			if id, rest, ok = nextID(rest); !ok {
				return nil, fmt.Errorf("window %q: not a list of ids", window)
			}
			entries = append(entries, similarEntry{id: id})
		}
		w := entries[start:]
		if len(w) == 0 {
			continue
		}
		df := float64(len(w))
		if len(w) == similarWindow {
			// The window reaches back to its oldest id: the word's share of
			// the ids since then is its share of the backlog.
			df = max(df, min(total, df*total/(maxID-float64(w[len(w)-1].id)+1)))
		}
		idf := math.Log(1 + (total-df+0.5)/(df+0.5))
		dis := distinctive(df, total)
		for i := range w {
			w[i].idf, w[i].distinctive = idf, dis
		}
	}
	*pooled = entries
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Sorted by id, an item's words are adjacent; fold them into one
	// entry each, in place, keeping the matches.
	slices.SortFunc(entries, func(a, b similarEntry) int { return cmp.Compare(b.id, a.id) })
	matches := entries[:0]
	for i := 0; i < len(entries); {
		m, shared := entries[i], 1
		for i++; i < len(entries) && entries[i].id == m.id; i++ {
			m.idf += entries[i].idf
			m.distinctive = m.distinctive || entries[i].distinctive
			shared++
		}
		if (shared >= 2 || m.distinctive) && m.id != exclude {
			matches = append(matches, m)
		}
	}
	// Stable, so that equal scores stay newest first.
	slices.SortStableFunc(matches, func(a, b similarEntry) int { return cmp.Compare(b.idf, a.idf) })
	ids := make([]int64, len(matches))
	for i, m := range matches {
		ids[i] = m.id
	}
	return ids, nil
}

// nextID reads the decimal id at the start of s and skips the comma after it.
func nextID(s []byte) (id int64, rest []byte, ok bool) {
	i := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		id = id*10 + int64(s[i]-'0')
	}
	if i == 0 || i > 18 || (i < len(s) && s[i] != ',') {
		return 0, s, false
	}
	if i < len(s) {
		i++
	}
	return id, s[i:], true
}

// openItems returns the first n open items of ids, in the order of ids,
// reading as many as it still needs at a time.
func (db *DB) openItems(ctx context.Context, ids []int64, n int) ([]backlog.Item, error) {
	if len(ids) == 0 || n <= 0 {
		return nil, nil
	}
	st, err := db.prepared(ctx, openByID)
	if err != nil {
		return nil, err
	}
	var out []backlog.Item
	for len(ids) > 0 && len(out) < n {
		batch := ids[:min(len(ids), n-len(out))]
		ids = ids[len(batch):]
		list, err := json.Marshal(batch)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(ctx, string(list))
		if err != nil {
			return nil, err
		}
		found, err := scanItems(rows)
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]backlog.Item, len(found))
		for _, it := range found {
			byID[it.ID] = it
		}
		for _, id := range batch {
			if it, ok := byID[id]; ok {
				out = append(out, it)
			}
		}
	}
	return out, nil
}

// statements holds, for each DB, the statements prepared by prepared.
var statements sync.Map // weak.Pointer[DB] -> *sync.Map of query -> *sql.Stmt

// prepared returns query prepared on the read pool, once per DB: the
// lookups here run a few fixed statements on every call, and preparing one
// costs about as much as running it. The entry goes when the DB does.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	key := weak.Make(db)
	v, ok := statements.Load(key)
	if !ok {
		var loaded bool
		if v, loaded = statements.LoadOrStore(key, &sync.Map{}); !loaded {
			runtime.AddCleanup(db, func(key weak.Pointer[DB]) { statements.Delete(key) }, key)
		}
	}
	byQuery := v.(*sync.Map)
	if st, ok := byQuery.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := byQuery.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// isWordRune reports whether r belongs to a word, as FTS5's unicode61 sees it.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// textWords splits text into its words, in lower case, as search and
// similar items both read it.
func textWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) })
}

// ftsPhrase quotes a word as an FTS5 phrase, so user text is never FTS5
// syntax; a double quote inside is doubled, as FTS5 reads it.
func ftsPhrase(word string) string { return `"` + strings.ReplaceAll(word, `"`, `""`) + `"` }
