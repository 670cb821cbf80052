package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// importSource is a database filled through the capture paths: captures
// (each completed, as after its ack), votes, follows, labels, scores full
// and partial, status changes and a merge.
func importSource(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	dark := capture(t, db, "Dark mode for reports", "Analysts work late, and the white glare hurts.")
	export := capture(t, db, `Export "CSV", with commas`, "Line one\nline two; and a tab\there")
	capture(t, db, "Grüße aus Köln — 日本語 😀", "")
	dup := capture(t, db, "Dark theme for the reporting pages", "Same as the dark mode request.")
	shipped := capture(t, db, "Faster login on Safari", "It takes ten seconds.")
	// Votes out of alphabetical order: their order is kept.
	for _, u := range []string{"U0ZED", "U0BOB"} {
		if _, _, err := db.Vote(ctx, dark, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Follow(ctx, export, "U0CAROL"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetLabels(ctx, dark, "U0ADMIN", []string{"ui", "reports"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetLabels(ctx, export, "U0ADMIN", []string{"reports"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetScore(ctx, dark, "U0ADMIN", backlog.ScoreInput{Reach: f(500), Impact: f(2), Confidence: f(80), Effort: f(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetScore(ctx, export, "U0ADMIN", backlog.ScoreInput{Reach: f(40)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Merge(ctx, dup, dark, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SetStatus(ctx, shipped, "U0ADMIN", backlog.StatusShipped, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Assign(ctx, export, "U0ADMIN", "U0DANA"); err != nil {
		t.Fatal(err)
	}
	return db
}

// exportedItems reads every item as the export does.
func exportedItems(t *testing.T, db *DB) []ExportItem {
	t.Helper()
	var out []ExportItem
	if err := db.EachItem(context.Background(), func(e ExportItem) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// inspect is a connection for the test's checks of db's tables: the
// file opened read-only, or PostgreSQL's pool.
func inspect(t *testing.T, db *DB) *sql.DB {
	t.Helper()
	if db.pg {
		return db.read.DB
	}
	return readOnly(t, db.path)
}

// readOnly opens the file at path read-only for the test's checks.
func readOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// tableRows reads query's rows as text, one string a row.
func tableRows(t *testing.T, conn *sql.DB, query string) []string {
	t.Helper()
	rows, err := conn.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%v", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dumpAll is every row of every ordinary table in the file (FTS5 shadow
// tables included, so an index that changed shows), by table.
func dumpAll(t *testing.T, db *DB) map[string][]string {
	t.Helper()
	conn := inspect(t, db)
	if db.pg {
		out := map[string][]string{}
		for _, name := range tableRows(t, conn, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`) {
			name = strings.Trim(name, "[]")
			rows := tableRows(t, conn, `SELECT * FROM "`+name+`"`)
			slices.Sort(rows)
			out[name] = rows
		}
		return out
	}
	tables := tableRows(t, conn, `SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`)
	out := map[string][]string{}
	for _, row := range tables {
		name, withoutRowid, _ := strings.Cut(strings.Trim(row, "[]"), " ")
		cols := "rowid, *"
		if withoutRowid == "1" {
			cols = "*"
		}
		rows := tableRows(t, conn, `SELECT `+cols+` FROM "`+name+`"`)
		slices.Sort(rows)
		out[name] = rows
	}
	return out
}

// ftsTerms lists items_fts's index, term by item and column, from path.
func ftsTerms(t *testing.T, path string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", dsn(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := conn.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(context.Background(), `CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, items_fts, 'instance')`); err != nil {
		t.Fatal(err)
	}
	rows, err := c.QueryContext(context.Background(), `SELECT term, doc, col FROM temp.fts_terms ORDER BY term, doc, col`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var term, col string
		var doc int64
		if err := rows.Scan(&term, &doc, &col); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %s", term, doc, col))
	}
	return out
}

// importInto imports items into a new database and returns it.
func importInto(t *testing.T, items []ExportItem) *DB {
	t.Helper()
	db := openTest(t)
	res, err := db.Import(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != len(items) || res.Unchanged != 0 {
		t.Fatalf("import = %+v, want %d added", res, len(items))
	}
	return db
}

func TestImportLeavesIndexesAsCapturesDo(t *testing.T) {
	ctx := context.Background()
	src := importSource(t)
	items := exportedItems(t, src)
	dst := importInto(t, items)

	if got := exportedItems(t, dst); !reflect.DeepEqual(got, items) {
		t.Errorf("exported after import:\n%+v\nwant:\n%+v", got, items)
	}
	srcConn, dstConn := inspect(t, src), inspect(t, dst)
	queries := []string{
		`SELECT id, kind, status, title, body, reporter, capturer, capture, source_team, source_channel, source_ts,
			source_thread_ts, permalink, assignee, tracker_url, reach, impact, confidence, effort, score,
			duplicate_of, vote_count, created_at, updated_at FROM items ORDER BY id`,
		`SELECT item_id, "user" FROM item_votes ORDER BY item_id, rowid`,
		`SELECT item_id, "user" FROM item_followers ORDER BY item_id, rowid`,
		`SELECT item_id, label FROM item_labels ORDER BY item_id, label`,
		`SELECT * FROM label_ranks ORDER BY item_id, label`,
		`SELECT status, kind, sum(n) FROM item_counts GROUP BY status, kind HAVING sum(n) > 0 ORDER BY status, kind`,
	}
	if onPostgres() {
		queries = append(queries, `SELECT id, search, title_search FROM items ORDER BY id`)
	} else {
		queries = append(queries, `SELECT * FROM title_words ORDER BY stem, item_id`,
			`SELECT * FROM word_stems ORDER BY word`, `SELECT * FROM title_words_pending`)
	}
	for _, q := range queries {
		want, got := tableRows(t, srcConn, q), tableRows(t, dstConn, q)
		if !slices.Equal(got, want) {
			t.Errorf("%s\nafter import: %v\nafter captures: %v", q, got, want)
		}
	}
	if onPostgres() {
		return // no FTS5 index, no title_words: the columns above are the index
	}
	if want, got := ftsTerms(t, src.path), ftsTerms(t, dst.path); !slices.Equal(got, want) {
		t.Errorf("items_fts after import:\n%v\nafter captures:\n%v", got, want)
	}
	if n := len(tableRows(t, dstConn, `SELECT 1 FROM title_words`)); n == 0 {
		t.Error("title_words is empty after import: similar items would find nothing")
	}

	for _, q := range []string{"dark mode", "commas", "köln", "日本語", "safari"} {
		want, err := src.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dst.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !slices.Equal(ids(got), ids(want)) {
			t.Errorf("Search(%q) after import = %v, after captures %v", q, ids(got), ids(want))
		}
	}
	want, err := src.Similar(ctx, "Dark mode in the reports", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dst.Similar(ctx, "Dark mode in the reports", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !slices.Equal(ids(got), ids(want)) {
		t.Errorf("Similar after import = %v, after captures %v", ids(got), ids(want))
	}
	wantStats, _ := src.Stats(ctx)
	gotStats, err := dst.Stats(ctx)
	if err != nil || !reflect.DeepEqual(gotStats, wantStats) {
		t.Errorf("Stats after import = %+v, %v; want %+v", gotStats, err, wantStats)
	}

	// The next capture takes the next number, and a vote on the merged
	// item goes where the merge sent it.
	next := capture(t, dst, "Something new", "")
	if next != int64(len(items)+1) {
		t.Errorf("the capture after import is #%d, want #%d", next, len(items)+1)
	}
	if target, _, err := dst.Vote(ctx, 4, "U0ERIN"); err != nil || target != 1 {
		t.Errorf("vote on merged #4 went to #%d (%v), want #1", target, err)
	}
	h, err := dst.History(ctx, 2)
	if err != nil || len(h) != 1 || h[0].Type != "imported" {
		t.Errorf("history of an imported item = %+v, %v; want one imported change", h, err)
	}
}

func TestImportTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	items := exportedItems(t, importSource(t))
	dst := importInto(t, items)
	before := dumpAll(t, dst)
	// Times as the export writes them, to the second.
	again := slices.Clone(items)
	for i := range again {
		again[i].Item.CreatedAt = again[i].Item.CreatedAt.Truncate(time.Second)
		again[i].Item.UpdatedAt = again[i].Item.UpdatedAt.Truncate(time.Second)
	}
	res, err := dst.Import(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || res.Unchanged != len(items) {
		t.Errorf("second import = %+v, want all %d unchanged", res, len(items))
	}
	if after := dumpAll(t, dst); !reflect.DeepEqual(after, before) {
		for name := range before {
			if !slices.Equal(after[name], before[name]) {
				t.Errorf("table %s changed:\nbefore %v\nafter  %v", name, before[name], after[name])
			}
		}
	}
}

func TestImportConflictsWriteNothing(t *testing.T) {
	ctx := context.Background()
	items := exportedItems(t, importSource(t))
	dst := importInto(t, items[:2])
	before := dumpAll(t, dst)

	changed := items[0]
	changed.Item.Title = "Dark mode, reworded"
	changed.Voters = []string{"U0BOB"}
	sameSource := items[2]
	sameSource.Item.ID = 40
	sameSource.Item.Source = items[1].Item.Source
	dangling := items[4]
	dangling.Item.ID, dangling.Item.DuplicateOf = 41, 99
	fresh := items[3] // would be new: it is not written either
	fresh.Item.DuplicateOf = 0
	fresh.Item.Status = backlog.StatusNew

	_, err := dst.Import(ctx, []ExportItem{changed, fresh, sameSource, dangling})
	ie, ok := errors.AsType[*ImportError](err)
	if !ok {
		t.Fatalf("import = %v, want an ImportError", err)
	}
	want := []ImportConflict{
		{Index: 0, Field: "title"}, {Index: 0, Field: "voters"},
		{Index: 2, Field: "source_ts"},
		{Index: 3, Field: "duplicate_of"},
	}
	var got []ImportConflict
	for _, c := range ie.Conflicts {
		if c.Problem == "" {
			t.Errorf("conflict %+v says nothing", c)
		}
		got = append(got, ImportConflict{Index: c.Index, Field: c.Field})
	}
	if !slices.Equal(got, want) {
		t.Errorf("conflicts = %+v, want %+v", ie.Conflicts, want)
	}
	for _, c := range ie.Conflicts {
		if c.Field == "duplicate_of" && !strings.Contains(c.Problem, "#99") {
			t.Errorf("duplicate_of conflict %q does not name #99", c.Problem)
		}
		if c.Field == "source_ts" && !strings.Contains(c.Problem, "#2") {
			t.Errorf("source conflict %q does not name #2", c.Problem)
		}
	}
	if after := dumpAll(t, dst); !reflect.DeepEqual(after, before) {
		t.Error("a refused import changed the database")
	}
}

func TestImportIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	items := exportedItems(t, importSource(t))
	// The last item breaks a constraint only its INSERT can check, after
	// every other item was written in the same transaction.
	bad := items[len(items)-1]
	bad.Item.Kind = "idea"
	db := openTest(t)
	before := dumpAll(t, db)
	if _, err := db.Import(ctx, append(slices.Clone(items[:len(items)-1]), bad)); err == nil {
		t.Fatal("an import with a kind the table refuses succeeded")
	}
	if after := dumpAll(t, db); !reflect.DeepEqual(after, before) {
		t.Error("a failed import left rows behind")
	}
	// The committer goes on: the same items without the bad one import.
	if _, err := db.Import(ctx, items[:len(items)-1]); err != nil {
		t.Fatal(err)
	}
}

func TestImportedDuplicateMayComeBeforeItsTarget(t *testing.T) {
	items := exportedItems(t, importSource(t))
	slices.Reverse(items) // #4 (a duplicate of #1) before #1
	db := importInto(t, items)
	it, err := db.Item(context.Background(), 4)
	if err != nil || it.DuplicateOf != 1 || it.Status != backlog.StatusDuplicate {
		t.Errorf("#4 = %+v, %v; want a duplicate of #1", it, err)
	}
}
