package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

func TestSimilarRanksItemsSharingMoreOfTheRarerWordsFirst(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	dashboard := capture(t, db, "Dark mode in the dashboard", "")
	reports := capture(t, db, "Reports export is slow", "")
	capture(t, db, "Calendar sync drops events", "")
	got, err := db.Similar(ctx, "Dark mode for reports", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), []int64{dashboard, reports}) {
		t.Errorf("Similar = %v, want [%d %d]: two shared words before one", ids(got), dashboard, reports)
	}
	if got, _ := db.Similar(ctx, "Dark mode for reports", 0, 1); !reflect.DeepEqual(ids(got), []int64{dashboard}) {
		t.Errorf("Similar, limit 1 = %v, want [%d]", ids(got), dashboard)
	}
}

func TestSimilarStemsWordsAsSearchDoes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	id := capture(t, db, "Report export", "")
	got, err := db.Similar(ctx, "Exporting REPORTS", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), []int64{id}) {
		t.Errorf("Similar(other forms of the words) = %v, want [%d]", ids(got), id)
	}
}

func TestSimilarNeverReturnsClosedItemsOrTheExcludedOne(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	open := capture(t, db, "Dark mode for the dashboard", "")
	self := capture(t, db, "Dark mode for the dashboard please", "")
	shipped := capture(t, db, "Dark mode dashboard shipped", "")
	declined := capture(t, db, "Dark mode dashboard declined", "")
	duplicate := capture(t, db, "Dark mode dashboard duplicate", "")
	planned := capture(t, db, "Dark mode dashboard planned", "")
	if _, _, err := db.SetStatus(ctx, shipped, "U0ADMIN", backlog.StatusShipped, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SetStatus(ctx, declined, "U0ADMIN", backlog.StatusDeclined, "not now", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Merge(ctx, duplicate, open, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SetStatus(ctx, planned, "U0ADMIN", backlog.StatusPlanned, "", nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Similar(ctx, "Dark mode for the dashboard", self, 10)
	if err != nil {
		t.Fatal(err)
	}
	got2 := ids(got)
	slices.Sort(got2)
	if want := []int64{open, planned}; !reflect.DeepEqual(got2, want) {
		t.Errorf("Similar = %v, want only the open items %v (not self, shipped, declined or the duplicate)", got2, want)
	}
	// Reopened, an item is found again.
	if _, _, err := db.SetStatus(ctx, shipped, "U0ADMIN", backlog.StatusTriaged, "", nil); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Similar(ctx, "Dark mode for the dashboard", self, 10)
	if !slices.Contains(ids(got), shipped) {
		t.Errorf("Similar after reopening #%d = %v, want it back", shipped, ids(got))
	}
}

func TestSimilarTreatsTextAsWords(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	capture(t, db, "Dark mode", "")
	for _, text := range []string{`"dark" OR NEAR(x* AND -) ^title:`, `{title} : dark`, `dark*`, `"`, `'); DROP TABLE items; --`, `<!channel> dark`} {
		if _, err := db.Similar(ctx, text, 0, 3); err != nil {
			t.Errorf("Similar(%q): %v", text, err)
		}
	}
	if got, err := db.Similar(ctx, `dark*`, 0, 3); err != nil || len(got) != 1 {
		t.Errorf("Similar(dark*) = %v, %v; want the item, * being no syntax", ids(got), err)
	}
	if got, _ := db.Similar(ctx, "a an to the and", 0, 3); got != nil {
		t.Errorf("Similar of short words and stopwords = %v, want nil", got)
	}
	if got, _ := db.Similar(ctx, "dark mode", 0, 0); got != nil {
		t.Errorf("Similar with limit 0 = %v, want nil", got)
	}
}

func TestSimilarSearchesBodiesOnlyWhenNoTitleMatches(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	titled := capture(t, db, "Calendar invites", "nothing in common here")
	bodied := capture(t, db, "Slow page", "the weekly digest breaks")
	got, err := db.Similar(ctx, "weekly digest", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), []int64{bodied}) {
		t.Errorf("Similar(body words only) = %v, want [%d]", ids(got), bodied)
	}
	got, _ = db.Similar(ctx, "calendar digest", 0, 3)
	if !reflect.DeepEqual(ids(got), []int64{titled}) {
		t.Errorf("Similar(a title word and a body word) = %v, want only the title match [%d]", ids(got), titled)
	}
}

func TestTitleWordsFollowTitlesAndStatus(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	id := capture(t, db, "Exporting Reports to CSV", "body words stay out")
	if got, want := titleWords(t, db, id), []string{"csv", "export", "report", "to"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("title words = %v, want %v", got, want)
	}
	var stem string
	if err := db.read.QueryRowContext(ctx, `SELECT stem FROM word_stems WHERE word = 'exporting'`).Scan(&stem); err != nil || stem != "export" {
		t.Errorf("word_stems[exporting] = %q, %v; want export", stem, err)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET title = 'Dark mode' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got, want := titleWords(t, db, id), []string{"dark", "mode"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after a new title: %v, want %v", got, want)
	}
	if _, _, err := db.SetStatus(ctx, id, "U0ADMIN", backlog.StatusShipped, "", nil); err != nil {
		t.Fatal(err)
	}
	if got := titleWords(t, db, id); len(got) != 0 {
		t.Errorf("shipped: %v, want none", got)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET title = 'Dark theme' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got := titleWords(t, db, id); len(got) != 0 {
		t.Errorf("shipped, new title: %v, want none", got)
	}
	if _, _, err := db.SetStatus(ctx, id, "U0ADMIN", backlog.StatusNew, "", nil); err != nil {
		t.Fatal(err)
	}
	if got, want := titleWords(t, db, id), []string{"dark", "theme"}; !reflect.DeepEqual(got, want) {
		t.Errorf("reopened: %v, want %v", got, want)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM title_words`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after delete: %d title words, %v; want 0", n, err)
	}
	// The tokenizer tables are left empty.
	for _, table := range []string{"title_tokens_instances", "title_stems_instances"} {
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows, %v; want 0", table, n, err)
		}
	}
}

func TestTitleWordsHoldExactlyTheOpenStatuses(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	for _, s := range backlog.Statuses {
		res, err := db.write.ExecContext(ctx, `INSERT INTO items (kind, status, title, created_at, updated_at) VALUES ('bug', ?, 'Status words', 'x', 'x')`, s)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if err := db.CompleteCapture(ctx, CaptureFollowUp{Item: id}); err != nil {
			t.Fatal(err)
		}
		if got := len(titleWords(t, db, id)) > 0; got != s.Open() {
			t.Errorf("status %s: title words %v, want them iff open (%v)", s, got, s.Open())
		}
	}
}

func TestWordStemsMapWordsAsWrittenToTheirStems(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	// A stray accent, an accented word, a title-case letter, another script.
	capture(t, db, "\u0301 Reporting Éxports ǅx 日本語", "")
	want := map[string]string{"reporting": "report", "éxports": "export", "ǆx": "ǆx", "日本語": "日本語"}
	for w, stem := range want {
		var got string
		if err := db.read.QueryRowContext(ctx, `SELECT stem FROM word_stems WHERE word = ?`, w).Scan(&got); err != nil || got != stem {
			t.Errorf("word_stems[%q] = %q, %v; want %q", w, got, err, stem)
		}
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM word_stems`).Scan(&n); err != nil || n != len(want) {
		t.Errorf("%d words mapped, %v; want %d", n, err, len(want))
	}
	if got, err := db.Similar(ctx, "exporting REPORTS", 0, 3); err != nil || len(got) != 1 {
		t.Errorf("Similar(exporting REPORTS) = %v, %v; want the item", ids(got), err)
	}
}

func TestMigration7IndexesExistingItems(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateUpTo(ctx, db, 6); err != nil {
		t.Fatal(err)
	}
	for _, it := range []struct {
		status, title, label string
		votes                int
	}{
		{"new", "Dark mode for reports", "ui", 3},
		{"triaged", "Reports export is slow", "ui", 5},
		{"shipped", "Dark mode in the dashboard", "ui", 9},
		{"planned", "Calendar sync", "", 0},
	} {
		now := formatTime(time.Now())
		res, err := db.write.ExecContext(ctx, `INSERT INTO items (kind, status, title, vote_count, created_at, updated_at) VALUES ('feature', ?, ?, ?, ?, ?)`, it.status, it.title, it.votes, now, now)
		if err != nil {
			t.Fatal(err)
		}
		if it.label != "" {
			id, _ := res.LastInsertId()
			if _, err := db.write.ExecContext(ctx, `INSERT INTO item_labels (item_id, label) VALUES (?, ?)`, id, it.label); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := db.Migrate(ctx); err != nil || n != latestVersion(t)-6 {
		t.Fatalf("Migrate = %d, %v", n, err)
	}
	if got, want := titleWords(t, db, 1), []string{"dark", "for", "mode", "report"}; !reflect.DeepEqual(got, want) {
		t.Errorf("item 1 title words = %v, want %v", got, want)
	}
	if got := titleWords(t, db, 3); len(got) != 0 {
		t.Errorf("shipped item 3 title words = %v, want none", got)
	}
	var stem string
	if err := db.read.QueryRowContext(ctx, `SELECT stem FROM word_stems WHERE word = 'reports'`).Scan(&stem); err != nil || stem != "report" {
		t.Errorf("word_stems[reports] = %q, %v", stem, err)
	}
	similar, err := db.Similar(ctx, "dark mode reports", 0, 3)
	if err != nil || !reflect.DeepEqual(ids(similar), []int64{1, 2}) {
		t.Errorf("Similar after the migration = %v, %v; want [1 2]", ids(similar), err)
	}
	list, err := db.List(ctx, backlog.Filter{Open: true, Label: "ui"}, 10)
	if err != nil || !reflect.DeepEqual(ids(list), []int64{2, 1}) {
		t.Errorf("List #ui after the migration = %v, %v; want [2 1] (votes)", ids(list), err)
	}
	for _, table := range []string{"title_tokens_instances", "title_stems_instances"} {
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows, %v; want 0", table, n, err)
		}
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name LIKE 'migrate_%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d migration helper tables left, %v", n, err)
	}
}

func TestLabelListsFollowVotesScoresStatusesAndLabels(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var items []int64
	for i := range 8 {
		id := capture(t, db, fmt.Sprintf("Item %d", i), "")
		items = append(items, id)
		if _, err := db.SetLabels(ctx, id, "U0ADMIN", []string{"billing"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string) {
		t.Helper()
		for _, status := range []string{"", string(backlog.StatusPlanned), string(backlog.StatusShipped)} {
			f := backlog.Filter{Open: status == "", Status: backlog.Status(status), Label: "billing"}
			got, err := db.List(ctx, f, 100)
			if err != nil {
				t.Fatal(err)
			}
			if want := labelReference(t, db, "billing", status); !reflect.DeepEqual(ids(got), want) {
				t.Errorf("%s, status %q: List = %v, want %v", step, status, ids(got), want)
			}
		}
		var stale int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM label_ranks r JOIN items i ON i.id = r.item_id
			WHERE r.status <> i.status OR (r.score IS NULL) <> (i.score IS NULL) OR r.score <> i.score OR r.vote_count <> i.vote_count`).Scan(&stale); err != nil || stale != 0 {
			t.Errorf("%s: %d stale label_ranks rows, %v", step, stale, err)
		}
		var ranks, labels int
		db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM label_ranks), (SELECT count(*) FROM item_labels)`).Scan(&ranks, &labels)
		if ranks != labels {
			t.Errorf("%s: %d label_ranks rows for %d labels", step, ranks, labels)
		}
	}
	check("labelled")
	for i, u := range []string{"U1", "U2", "U3"} {
		if _, _, err := db.Vote(ctx, items[i+2], u); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.Vote(ctx, items[3], "U9"); err != nil {
		t.Fatal(err)
	}
	check("votes")
	if _, err := db.SetScore(ctx, items[5], "U0ADMIN", backlog.ScoreInput{Reach: f(100), Impact: f(2), Confidence: f(80), Effort: f(1)}); err != nil {
		t.Fatal(err)
	}
	check("score")
	if _, _, err := db.SetStatus(ctx, items[2], "U0ADMIN", backlog.StatusPlanned, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SetStatus(ctx, items[4], "U0ADMIN", backlog.StatusShipped, "", nil); err != nil {
		t.Fatal(err)
	}
	check("statuses")
	if err := db.Merge(ctx, items[6], items[7], "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	check("merge")
	if _, err := db.SetLabels(ctx, items[3], "U0ADMIN", nil, []string{"billing"}); err != nil {
		t.Fatal(err)
	}
	check("label removed")
	if _, err := db.Unvote(ctx, items[2], "U1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, items[0]); err != nil {
		t.Fatal(err)
	}
	check("unvote, delete")
}

func TestSearchRanksTitlesHoldingEveryWordFirstThenNewest(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	allTitle := capture(t, db, "Dark mode for reports", "")
	bodyOld := capture(t, db, "Slow page", "dark reports everywhere")
	someTitle := capture(t, db, "Reports are slow", "a dark theme would help")
	allTitleNew := capture(t, db, "Reports in dark colours", "")
	bodyNew := capture(t, db, "Calendar", "dark reports again")
	capture(t, db, "Dark mode alone", "nothing else")
	got, err := db.Search(ctx, "dark report", 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{allTitleNew, allTitle, bodyNew, someTitle, bodyOld}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("Search = %v, want %v: titles with every word, then the rest, newest first", ids(got), want)
	}
	if got, _ := db.Search(ctx, "dark report", 3); !reflect.DeepEqual(ids(got), []int64{allTitleNew, allTitle, bodyNew}) {
		t.Errorf("Search, limit 3 = %v", ids(got))
	}
	if got, _ := db.Search(ctx, "dark report", 0); got != nil {
		t.Errorf("Search, limit 0 = %v, want nil", ids(got))
	}
}

func TestSearchRanksOnlyTheNewestMatches(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	old := capture(t, db, "Export to CSV", "")
	var newest []int64
	for i := range searchWindow {
		newest = append(newest, capture(t, db, fmt.Sprintf("Item %d", i), "about export"))
	}
	got, err := db.Search(ctx, "export", 3)
	if err != nil {
		t.Fatal(err)
	}
	// The title match is older than the window: it ranks with nothing.
	if want := []int64{newest[len(newest)-1], newest[len(newest)-2], newest[len(newest)-3]}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("Search = %v, want the newest matches %v (not #%d, outside the window)", ids(got), want, old)
	}
}

func TestSimilarOnManyDatabasesAtOnce(t *testing.T) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 3 {
		db := openTest(t)
		want := capture(t, db, fmt.Sprintf("Database %d dark mode", i), "")
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					got, err := db.Similar(ctx, "dark mode", 0, 3)
					if err != nil || !reflect.DeepEqual(ids(got), []int64{want}) {
						t.Errorf("database %d: Similar = %v, %v", i, ids(got), err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	// A database opened after another closed gets its own statements.
	path := filepath.Join(t.TempDir(), "again.db")
	for range 2 {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		capture(t, db, "Reopened dark mode", "")
		if got, err := db.Similar(ctx, "dark mode", 0, 5); err != nil || len(got) == 0 {
			t.Errorf("Similar after reopening = %v, %v", ids(got), err)
		}
		db.Close()
	}
}

func TestTitlesLeftPendingAreIndexedBySweep(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	res, err := db.Capture(ctx, sampleItem("8.1", "U1", "U1", "Offline sync for tablets"))
	if err != nil {
		t.Fatal(err)
	}
	if got := titleWords(t, db, res.Item.ID); len(got) != 0 {
		t.Fatalf("title indexed inside the capture (%v): that is after-ack work", got)
	}
	n, err := db.IndexPendingTitles(ctx, 100)
	if err != nil || n != 1 {
		t.Fatalf("IndexPendingTitles = %d, %v; want 1", n, err)
	}
	if got, _ := db.Similar(ctx, "tablets offline", 0, 3); len(got) != 1 || got[0].ID != res.Item.ID {
		t.Errorf("Similar after the sweep = %v", ids(got))
	}
	if n, _ := db.IndexPendingTitles(ctx, 100); n != 0 {
		t.Errorf("a second sweep indexed %d titles, want 0", n)
	}
}
