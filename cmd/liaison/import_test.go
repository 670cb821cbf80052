package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// awkwardDB fills a database file at path with items that are hard to
// write as CSV and JSON: commas, quotes, newlines, tabs, non-ASCII, empty
// and spaced fields, scores set, partial and unset, labels, a merge, a
// declined item with its reason, an assignee and a tracker link.
func awkwardDB(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	capture := func(kind backlog.Kind, title, body string) int64 {
		t.Helper()
		n++
		src := backlog.Source{Team: "T0ACME", Channel: "C0FEED", TS: fmt.Sprintf("1700000000.%06d", n)}
		if n%2 == 0 {
			src.ThreadTS = "1699999999.000001"
			src.Permalink = fmt.Sprintf("https://acme.slack.com/archives/C0FEED/p1700000000%06d", n)
		}
		res, err := db.Capture(ctx, storage.NewItem{Kind: kind, Title: title, Body: body, Reporter: "U0BOB",
			Capturer: "U0ALICE", Capture: backlog.CaptureReaction, Source: src})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CompleteCapture(ctx, storage.CaptureFollowUp{Item: res.Item.ID}); err != nil {
			t.Fatal(err)
		}
		return res.Item.ID
	}
	dark := capture(backlog.KindFeature, "Dark mode for reports", "Analysts work late.\nThe glare, at 2 a.m., hurts.")
	quotes := capture(backlog.KindBug, `Export says "done", but the file's empty`, `She said: "it's ""broken"""`+"\u00ad-soft\tand tabbed")
	intl := capture(backlog.KindFeedback, "Grüße aus Köln — 日本語のサポート 😀", "Ünïcödé; ñ, ß, €, \u2028 and \u00a0 too")
	capture(backlog.KindFeature, "Empty body", "")
	spaced := capture(backlog.KindFeature, "Leading and trailing spaces", "  spaced out  ")
	odd := capture(backlog.KindBug, `\.`, "=SUM(A1:A2)\n\n#hash\n,")
	dup := capture(backlog.KindFeature, "Dark theme for the reporting pages", "Same as dark mode.")
	declined := capture(backlog.KindFeature, "Blockchain everything", "Please.")

	f := func(v float64) *float64 { return &v }
	if _, err := db.SetScore(ctx, dark, "U0ADMIN", backlog.ScoreInput{Reach: f(500), Impact: f(0.25), Confidence: f(33), Effort: f(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetScore(ctx, quotes, "U0ADMIN", backlog.ScoreInput{Reach: f(1e9), Effort: f(0.01)}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"U0ZED", "U0CAROL"} {
		if _, _, err := db.Vote(ctx, dark, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Follow(ctx, intl, "U0DANA"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Unvote(ctx, spaced, "U0BOB"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetLabels(ctx, dark, "U0ADMIN", []string{"ui", "reports", "dark-mode"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetLabels(ctx, intl, "U0ADMIN", []string{"i18n-ü"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Assign(ctx, odd, "U0ADMIN", "U0DANA"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Link(ctx, odd, "U0ADMIN", "https://github.com/acme/app/issues/7?a=1,b=2", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Merge(ctx, dup, dark, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SetStatus(ctx, declined, "U0ADMIN", backlog.StatusDeclined, "not for us, sorry", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SetStatus(ctx, quotes, "U0ADMIN", backlog.StatusInProgress, "", nil); err != nil {
		t.Fatal(err)
	}
}

// runOK runs a liaison command line with env and returns its stdout.
func runOK(t *testing.T, env []string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, env, &out, io.Discard); err != nil {
		t.Fatalf("liaison %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// dbEnv is the environment of a command on the database at path.
func dbEnv(path string) []string { return []string{"LIAISON_DB=" + path, "LIAISON_HTTP_ADDR="} }

func TestImportRoundTripsByteForByte(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "source.db")
	awkwardDB(t, src)
	srcJSON := runOK(t, dbEnv(src), "export", "--format", "json")
	srcCSV := runOK(t, dbEnv(src), "export", "--format", "csv")
	for _, want := range []string{`\"broken\"`, "日本語", `"duplicate_of":1`, `"score":null`, `"effort":0.01`} {
		if !strings.Contains(srcJSON, want) {
			t.Fatalf("the source export lacks %s: the fixture is not awkward enough\n%s", want, srcJSON)
		}
	}
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "items."+format)
			want := map[string]string{"json": srcJSON, "csv": srcCSV}[format]
			if err := os.WriteFile(file, []byte(want), 0o600); err != nil {
				t.Fatal(err)
			}
			restored := filepath.Join(t.TempDir(), "restored.db")
			out := runOK(t, dbEnv(restored), "import", file)
			if wantOut := fmt.Sprintf("imported 8 items from %s into %s (a new database)\n", file, restored); out != wantOut {
				t.Errorf("import printed %q, want %q", out, wantOut)
			}
			if got := runOK(t, dbEnv(restored), "export", "--format", format); got != want {
				t.Errorf("export after import differs from the file imported:\n%s\nwant:\n%s", got, want)
			}
			// One format in, the other out: the same items either way.
			other := map[string]string{"json": "csv", "csv": "json"}[format]
			if got := runOK(t, dbEnv(restored), "export", "--format", other); got != map[string]string{"json": srcJSON, "csv": srcCSV}[other] {
				t.Errorf("%s export after a %s import differs from the source's", other, format)
			}
		})
	}
}

// validRow is one good item as the JSON export writes it.
func validRow(id int) map[string]any {
	return map[string]any{
		"id": id, "kind": "feature", "status": "new", "capture": "slash",
		"title": fmt.Sprintf("Request %d", id), "body": "", "permalink": "", "source_team": "T0ACME",
		"source_channel": "C0FEED", "source_ts": fmt.Sprintf("1700000000.%06d", id), "source_thread_ts": "",
		"reporter": "U0BOB", "capturer": "U0BOB", "assignee": "", "tracker_url": "",
		"labels": []string{}, "voters": []string{"U0BOB"}, "followers": []string{"U0BOB"}, "votes": 1,
		"score": nil, "reach": nil, "impact": nil, "confidence": nil, "effort": nil, "duplicate_of": nil,
		"created_at": "2026-11-30T09:00:00Z", "updated_at": "2026-11-30T09:00:00Z",
	}
}

// jsonFile writes rows as the JSON export does, one per line.
func jsonFile(t *testing.T, rows []map[string]any) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[")
	for i, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		b.Write(line)
	}
	b.WriteString("\n]\n")
	path := filepath.Join(t.TempDir(), "items.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// csvFile writes rows as the CSV export does; a row's value is its cell
// as written (a value that is not a string is formatted as the export
// formats it).
func csvFile(t *testing.T, rows []map[string]any) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(csvHeader, ",") + "\n")
	for _, r := range rows {
		cells := make([]string, len(csvHeader))
		for i, name := range csvHeader {
			switch v := r[name].(type) {
			case nil:
			case string:
				cells[i] = v
			case []string:
				cells[i] = strings.Join(v, ";")
			default:
				cells[i] = fmt.Sprint(v)
			}
		}
		b.WriteString(strings.Join(cells, ",") + "\n") // no cell here needs quoting
	}
	path := filepath.Join(t.TempDir(), "items.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// badRowCases are rows that break one rule each, with the problem import
// must report for them. Each is row 3 of a file whose rows 1 and 2 are
// good; CSV cells are the values as written.
var badRowCases = []struct {
	name    string
	format  string // "" for both
	change  func(r map[string]any)
	problem string
}{
	{"unknown status", "", func(r map[string]any) { r["status"] = "done" }, `status: unknown status "done"; use new, triaged, planned, in_progress, shipped, declined or duplicate`},
	{"unknown kind", "", func(r map[string]any) { r["kind"] = "feat" }, `kind: unknown kind "feat"; use feedback, feature or bug`},
	{"unknown capture", "", func(r map[string]any) { r["capture"] = "email" }, `capture: unknown capture path "email"; use slash, mention, thread, reaction, channel, shortcut or modal, or leave it empty`},
	{"bad time", "", func(r map[string]any) { r["created_at"] = "30/11/2026" }, `created_at: bad time "30/11/2026": want RFC 3339, like 2026-01-02T15:04:05Z`},
	{"bad time zone-less", "", func(r map[string]any) { r["updated_at"] = "2026-11-30T09:00:00" }, `updated_at: bad time "2026-11-30T09:00:00": want RFC 3339, like 2026-01-02T15:04:05Z`},
	{"duplicate id", "", func(r map[string]any) { r["id"] = 1; r["source_ts"] = "1.1" }, `id: duplicate id 1: row 1 has it too`},
	{"duplicate source", "", func(r map[string]any) { r["source_ts"] = "1700000000.000002" }, `source_ts: the same Slack message as row 2; one message is one item`},
	{"missing title", "", func(r map[string]any) { r["title"] = "" }, `title: missing; every item needs one`},
	{"blank title", "", func(r map[string]any) { r["title"] = "   " }, `title: missing; every item needs one`},
	{"missing id", "", func(r map[string]any) { delete(r, "id") }, `id: missing; every item needs one`},
	{"zero id", "", func(r map[string]any) { r["id"] = 0 }, `id: bad number 0: item numbers start at 1`},
	{"votes not the voters", "", func(r map[string]any) { r["votes"] = 3 }, `votes: is 3 but voters holds 1 user; votes is the number of voters`},
	{"voter twice", "", func(r map[string]any) { r["voters"] = []string{"U0BOB", "U0BOB"}; r["votes"] = 2 }, `voters: "U0BOB" twice`},
	{"label not normalised", "", func(r map[string]any) { r["labels"] = []string{"Billing Ops"} }, `labels: label "Billing Ops" is not written as Liaison writes labels (lower case, words joined by -, at most 40 characters): "billing-ops"`},
	{"duplicate of itself", "", func(r map[string]any) { r["duplicate_of"] = r["id"]; r["status"] = "duplicate" }, `duplicate_of: #3 cannot be a duplicate of itself`},
	{"duplicate without target", "", func(r map[string]any) { r["status"] = "duplicate" }, `duplicate_of: empty, but the status is duplicate; a duplicate names the item it was merged into`},
	{"bad number", "csv", func(r map[string]any) { r["score"] = "high" }, `score: bad number "high": want a number like 2 or 0.5 (empty or null when not set)`},
	{"bad whole number", "csv", func(r map[string]any) { r["votes"] = "one" }, `votes: bad number "one": want a whole number like 42`},
	{"not a number", "csv", func(r map[string]any) { r["reach"] = "NaN" }, `reach: bad number "NaN": want a number like 2 or 0.5 (empty or null when not set)`},
	{"fractional number", "json", func(r map[string]any) { r["votes"] = 1.5 }, `votes: bad number 1.5: want a whole number`},
	{"out of range", "json", func(r map[string]any) { r["effort"] = json.RawMessage("1e999") }, `effort: bad number "1e999": want a number like 2 or 0.5 (empty or null when not set)`},
	{"wrong type id", "json", func(r map[string]any) { r["id"] = "#3" }, `id: wrong type: a string, want a whole number`},
	{"wrong type labels", "json", func(r map[string]any) { r["labels"] = "ui;reports" }, `labels: wrong type: a string, want an array of strings`},
	{"wrong type voter", "json", func(r map[string]any) { r["voters"] = []any{"U0BOB", 7} }, `voters: wrong type: element 2 is a number, want an array of strings`},
	{"wrong type score", "json", func(r map[string]any) { r["score"] = "12" }, `score: wrong type: a string, want a number or null`},
	{"wrong type title", "json", func(r map[string]any) { r["title"] = nil }, `title: wrong type: null, want a string`},
	{"unknown field", "json", func(r map[string]any) { r["colour"] = "red" }, `colour: unknown field: liaison export writes no such field`},
	{"control character", "json", func(r map[string]any) { r["body"] = "bell\a" }, `body: holds the control character U+0007; only tab and newline may appear in text`},
}

func TestImportReportsEveryBadRow(t *testing.T) {
	for _, format := range []string{"json", "csv"} {
		var all []map[string]any
		var wantAll []string
		for _, c := range badRowCases {
			if c.format != "" && c.format != format {
				continue
			}
			t.Run(format+"/"+c.name, func(t *testing.T) {
				bad := validRow(3)
				c.change(bad)
				rows := []map[string]any{validRow(1), validRow(2), bad}
				file := map[string]func(*testing.T, []map[string]any) string{"json": jsonFile, "csv": csvFile}[format](t, rows)
				dbPath := filepath.Join(t.TempDir(), "liaison.db")
				err := run(context.Background(), []string{"import", file}, dbEnv(dbPath), io.Discard, io.Discard)
				if err == nil {
					t.Fatal("import succeeded")
				}
				if errors.As(err, new(usageError)) {
					t.Errorf("a bad row is a usage error (exit 2): %v", err)
				}
				want := fmt.Sprintf("import %s: 1 problem, so nothing was imported; fix them and run it again:\n  row 3 (line 4), %s", file, c.problem)
				if err.Error() != want {
					t.Errorf("error:\n%s\nwant:\n%s", err, want)
				}
				if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
					t.Error("a file with problems created the database")
				}
			})
			// Each bad row again in one file, on rows of their own.
			bad := validRow(len(all) + 100)
			c.change(bad)
			all = append(all, bad)
			wantAll = append(wantAll, strings.SplitN(c.problem, ":", 2)[0])
		}
		t.Run(format+"/all at once", func(t *testing.T) {
			rows := append([]map[string]any{validRow(1), validRow(2)}, all...)
			file := map[string]func(*testing.T, []map[string]any) string{"json": jsonFile, "csv": csvFile}[format](t, rows)
			err := run(context.Background(), []string{"import", file}, dbEnv(filepath.Join(t.TempDir(), "liaison.db")), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("import succeeded")
			}
			lines := strings.Split(err.Error(), "\n  ")[1:]
			if !strings.Contains(err.Error(), fmt.Sprintf(": %d problems,", len(lines))) {
				t.Errorf("the count in %q is not the %d problems listed", strings.SplitN(err.Error(), "\n", 2)[0], len(lines))
			}
			for i, field := range wantAll {
				row := i + 3
				prefix := fmt.Sprintf("row %d (line %d), %s: ", row, row+1, field)
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) }) {
					t.Errorf("no problem reported as %q (%s); got:\n%s", prefix, badRowCases[i].name, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

func TestImportReportsFileProblems(t *testing.T) {
	cases := []struct{ name, file, content, want string }{
		{"empty json", "a.json", "", "the file is empty; want the JSON array that liaison export --format json writes"},
		{"not an array", "a.json", `{"id":1}`, "line 1: want a JSON array of items, as liaison export --format json writes"},
		{"broken json", "a.json", "[\n{\"id\":1,\n\"kind\":}\n]", "line 3: invalid JSON after row 0: invalid character '}' looking for beginning of value"},
		{"trailing data", "a.json", "[]\n[]", "line 2: more after the array's closing ]; want one array"},
		{"not an object", "a.json", "[\n5\n]", "row 1 (line 2): want an object, one item as liaison export writes it, not a number"},
		{"empty csv", "a.csv", "", "the file is empty; want the header row and rows that liaison export --format csv writes"},
		{"unknown column", "a.csv", "id,kind,status,title,created_at,updated_at,colour\n", `line 1: unknown column "colour"; the export's columns are ` + strings.Join(csvHeader, ",")},
		{"missing column", "a.csv", "id,kind,title,created_at,updated_at\n", "line 1: no status column; the header must name it"},
		{"short row", "a.csv", "id,kind,status,title,created_at,updated_at\n1,bug,new\n", "row 1 (line 2): has 3 fields, want 6 as in the header"},
		{"bad quoting", "a.csv", "id,kind,status,title,created_at,updated_at\n1,bug,new,a \"quoted\" title,x,y\n", `line 2: invalid CSV after row 0: bare " in non-quoted-field`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(file, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := run(context.Background(), []string{"import", file}, dbEnv(filepath.Join(t.TempDir(), "liaison.db")), io.Discard, io.Discard)
			if err == nil || !strings.HasSuffix(err.Error(), "\n  "+c.want) {
				t.Errorf("import = %v\nwant it to end with %q", err, c.want)
			}
		})
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	env := dbEnv(dbPath)
	runOK(t, env, "import", jsonFile(t, []map[string]any{validRow(1)}))
	before := runOK(t, env, "export")

	// Three new items and one that contradicts #1: none goes in.
	changed := validRow(1)
	changed["title"] = "Request 1, reworded"
	file := jsonFile(t, []map[string]any{validRow(2), validRow(3), changed, validRow(4)})
	err := run(context.Background(), []string{"import", file}, env, io.Discard, io.Discard)
	want := fmt.Sprintf("import %s: 1 problem, so nothing was imported; fix them and run it again:\n"+
		"  row 3 (line 4), title: item #1 is already in the database with a different title; import into an empty database, or leave this item out", file)
	if err == nil || err.Error() != want {
		t.Errorf("import = %v\nwant:\n%s", err, want)
	}
	// A bad row in the file: nothing goes in either.
	bad := validRow(5)
	bad["kind"] = "feat"
	if err := run(context.Background(), []string{"import", jsonFile(t, []map[string]any{validRow(2), validRow(3), bad})}, env, io.Discard, io.Discard); err == nil {
		t.Error("a file with a bad row imported")
	}
	if after := runOK(t, env, "export"); after != before {
		t.Errorf("a refused import changed the items:\n%s\nwant:\n%s", after, before)
	}
}

func TestImportTwiceChangesNothing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "source.db")
	awkwardDB(t, src)
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "items."+format)
			if err := os.WriteFile(file, []byte(runOK(t, dbEnv(src), "export", "--format", format)), 0o600); err != nil {
				t.Fatal(err)
			}
			restored := filepath.Join(t.TempDir(), "restored.db")
			env := dbEnv(restored)
			runOK(t, env, "import", file)
			before, history := runOK(t, env, "export"), itemHistories(t, restored)
			out := runOK(t, env, "import", file)
			if want := fmt.Sprintf("nothing to import: every item in %s (8) is already in %s, unchanged\n", file, restored); out != want {
				t.Errorf("second import printed %q, want %q", out, want)
			}
			if after := runOK(t, env, "export"); after != before {
				t.Errorf("the second import changed the items:\n%s\nwant:\n%s", after, before)
			}
			if got := itemHistories(t, restored); !slices.Equal(got, history) {
				t.Errorf("the second import changed the history:\n%v\nwant:\n%v", got, history)
			}
		})
	}
}

// itemHistories lists every change of items #1–#20 in the database at path.
func itemHistories(t *testing.T, path string) []string {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for id := int64(1); id <= 20; id++ {
		h, err := db.History(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range h {
			out = append(out, fmt.Sprintf("#%d %+v", id, c))
		}
	}
	return out
}

func TestImportedItemsAreFoundBySearchAndSimilar(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "source.db")
	awkwardDB(t, src)
	file := filepath.Join(dir, "items.csv")
	if err := os.WriteFile(file, []byte(runOK(t, dbEnv(src), "export", "--format", "csv")), 0o600); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(dir, "restored.db")
	runOK(t, dbEnv(restored), "import", file)

	ctx := context.Background()
	db, err := storage.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	found, err := db.Search(ctx, "glare", 5)
	if err != nil || len(found) != 1 || found[0].ID != 1 {
		t.Errorf("Search(glare) = %v, %v; want #1 (a word of its body)", found, err)
	}
	found, err = db.Search(ctx, "köln", 5)
	if err != nil || len(found) != 1 || found[0].ID != 3 {
		t.Errorf("Search(köln) = %v, %v; want #3", found, err)
	}
	similar, err := db.Similar(ctx, "Dark mode in the reports please", 0, 3)
	if err != nil || len(similar) == 0 || similar[0].ID != 1 {
		t.Errorf("Similar = %v, %v; want #1 first (the merged #7 is closed)", similar, err)
	}
	stats, err := db.Stats(ctx)
	if err != nil || stats.Total != 8 || stats.ByStatus[backlog.StatusDuplicate] != 1 || stats.ByStatus[backlog.StatusDeclined] != 1 {
		t.Errorf("Stats = %+v, %v", stats, err)
	}
}

func TestImportCommandLine(t *testing.T) {
	dir := t.TempDir()
	json := jsonFile(t, []map[string]any{validRow(1)})
	noExt := filepath.Join(dir, "items.txt")
	if err := os.WriteFile(noExt, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		usage string // "" when it works
	}{
		{[]string{"import"}, "liaison import: missing FILE"},
		{[]string{"import", json, json}, fmt.Sprintf("liaison import: unexpected argument %q", json)},
		{[]string{"import", "--format", "xml", json}, `liaison import: --format "xml": use json or csv`},
		{[]string{"import", noExt}, "liaison import: " + noExt + " does not end in .json or .csv; say which it is with --format json or --format csv"},
		{[]string{"import", noExt, "--format", "json"}, ""},
		{[]string{"import", "--format", "json", json}, ""},
	} {
		err := run(context.Background(), c.args, dbEnv(filepath.Join(t.TempDir(), "liaison.db")), io.Discard, io.Discard)
		var ue usageError
		switch {
		case c.usage == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.usage != "" && (!errors.As(err, &ue) || err.Error() != c.usage):
			t.Errorf("%v = %v, want the usage error %q", c.args, err, c.usage)
		}
	}
	err := run(context.Background(), []string{"import", filepath.Join(dir, "missing.json")}, dbEnv(filepath.Join(dir, "liaison.db")), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("import of a missing file = %v", err)
	}
}
