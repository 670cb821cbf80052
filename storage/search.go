package storage

import (
	"context"
	"fmt"
	"strings"
	"unicode"

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

// matchQuery turns free text into an FTS5 query that matches any of its
// significant words; "" when it has none. Words are quoted, so user text can
// never be FTS5 syntax.
func matchQuery(text string) string {
	seen := map[string]bool{}
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) }) {
		if len([]rune(w)) < 3 || stopwords[w] || seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, `"`+w+`"`)
		if len(terms) == 12 {
			break
		}
	}
	return strings.Join(terms, " OR ")
}

// Similar returns up to limit open items whose title or body share words
// with text, best match first (bm25 over the newest 500 matches,
// title weighted), leaving out exclude.
func (db *DB) Similar(ctx context.Context, text string, exclude int64, limit int) ([]backlog.Item, error) {
	q := matchQuery(text)
	if q == "" {
		return nil, nil
	}
	items, err := db.queryItems(ctx, `
		SELECT `+itemColumns+`
		FROM `+rankedMatches+` f
		CROSS JOIN items i ON i.id = f.rowid
		WHERE i.id <> ?
		  AND i.status IN (`+openStatuses+`)
		ORDER BY f.r, i.vote_count DESC
		LIMIT ?`, q, exclude, limit)
	if err != nil {
		return nil, fmt.Errorf("similar items: %w", err)
	}
	return items, nil
}

// isWordRune reports whether r belongs to a word, as FTS5's unicode61 sees it.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
