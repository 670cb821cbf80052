package storage

import "testing"

func TestRebindForPostgres(t *testing.T) {
	db := &DB{pg: true}
	for _, c := range []struct{ in, want string }{
		{`SELECT id FROM items WHERE a = ? AND b = ?`, `SELECT id FROM items WHERE a = $1 AND b = $2`},
		{`WHERE x MATCH ?2 AND y = ?1 LIMIT ?3`, `WHERE x MATCH $2 AND y = $1 LIMIT $3`},
		{`SELECT '?', "a?b" FROM t WHERE c = ?`, `SELECT '?', "a?b" FROM t WHERE c = $1`},
		{`WHERE +i.status IN ('new') AND (+score > 1)`, `WHERE i.status IN ('new') AND (score > 1)`},
		{`SET vote_count = vote_count + 1, n = n +?`, `SET vote_count = vote_count + 1, n = n +$1`},
		{`FROM label_ranks l CROSS JOIN items i ON i.id = l.item_id`, `FROM label_ranks l JOIN items i ON i.id = l.item_id`},
		{`WHERE id IN (SELECT value FROM json_each(?))`, `WHERE id IN (SELECT value FROM json_array_elements_text($1))`},
		{`SELECT 'it''s' WHERE a = ?`, `SELECT 'it''s' WHERE a = $1`},
	} {
		if got := db.rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) =\n%q, want\n%q", c.in, got, c.want)
		}
	}
	if got := (&DB{}).rebind(`a = ?`); got != `a = ?` {
		t.Errorf("SQLite's query was rebound: %q", got)
	}
}
