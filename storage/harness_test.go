package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage/pgtest"
)

// The suite runs on SQLite, or on PostgreSQL when LIAISON_TEST_STORAGE is
// "postgres": then LIAISON_TEST_DATABASE_URL names the server, and each
// test gets a schema of its own (scripts/test-postgres starts one).
func onPostgres() bool { return os.Getenv("LIAISON_TEST_STORAGE") == "postgres" }

// newStore names a fresh, empty database for this test: a file in a
// temporary directory, or a PostgreSQL schema dropped when the test ends.
func newStore(t testing.TB) string {
	t.Helper()
	if !onPostgres() {
		return filepath.Join(t.TempDir(), "liaison.db")
	}
	return pgtest.Schema(t)
}

// openAt opens the database newStore named (SQLite or PostgreSQL).
func openAt(ctx context.Context, store string) (*DB, error) {
	if onPostgres() {
		return OpenPostgres(ctx, store)
	}
	return Open(ctx, store)
}

// sqliteOnly skips a test of SQLite's own machinery when the suite runs on PostgreSQL.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if onPostgres() {
		t.Skip("tests SQLite's own machinery; PostgreSQL has none of it")
	}
}

// openTest opens a migrated database in a fresh temporary directory (or
// PostgreSQL schema).
func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := openAt(context.Background(), newStore(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// sampleItem is a reaction capture of message ts in T1/C1, written by
// reporter and captured by capturer.
func sampleItem(ts, reporter, capturer, title string) NewItem {
	return NewItem{
		Kind: backlog.KindFeature, Title: title, Body: title + ". Our users work at night.",
		Reporter: reporter, Capturer: capturer, Capture: backlog.CaptureReaction,
		Source: backlog.Source{Team: "T1", Channel: "C1", TS: ts},
	}
}

// ids are the numbers of items, in order; [] for none.
func ids(items []backlog.Item) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// seedCount numbers seeded messages so every seed call gets new ones.
var seedCount atomic.Int64

// seed captures items with these titles, kinds and reporters, in order.
func seed(t *testing.T, db *DB, specs ...[3]string) {
	t.Helper()
	for _, s := range specs {
		n := sampleItem(fmt.Sprintf("5.%d", seedCount.Add(1)), s[2], s[2], s[0])
		n.Kind = backlog.Kind(s[1])
		n.Body = s[0]
		if _, err := db.Capture(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
}

// f points at v, for score inputs.
func f(v float64) *float64 { return &v }

// capture captures an item with this title and body and returns its id.
func capture(t *testing.T, db *DB, title, body string) int64 {
	t.Helper()
	n := sampleItem(fmt.Sprintf("7.%d", seedCount.Add(1)), "U0A", "U0A", title)
	n.Body = body
	res, err := db.Capture(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	// As the capture's follow-up after its ack does.
	if err := db.CompleteCapture(context.Background(), CaptureFollowUp{Item: res.Item.ID}); err != nil {
		t.Fatal(err)
	}
	return res.Item.ID
}

// titleWords lists the stems title_words holds for item id.
func titleWords(t *testing.T, db *DB, id int64) []string {
	t.Helper()
	got, err := queryStrings(context.Background(), db.read, `SELECT stem FROM title_words WHERE item_id = ? ORDER BY stem`, id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// migrateUpTo applies the migrations after the file's version up to
// version n, each in a transaction of its own, as an older binary would.
func migrateUpTo(ctx context.Context, db *DB, n int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil || current >= n {
		return err
	}
	for _, m := range ms[current:n] {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// labelReference lists a label's items matching status the slow way, by
// rankOrder over items: what List must return.
func labelReference(t *testing.T, db *DB, label, status string) []int64 {
	t.Helper()
	cond := "i.status IN (" + openStatuses + ")"
	args := []any{label}
	if status != "" {
		cond, args = "i.status = ?", append(args, status)
	}
	rows, err := db.read.QueryContext(context.Background(), `SELECT i.id FROM items i
		WHERE i.id IN (SELECT item_id FROM item_labels WHERE label = ?) AND `+cond+` `+rankOrder, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// queryPlan is SQLite's plan for query on the read pool, its steps joined by "; ".
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	sqliteOnly(t)
	rows, err := db.read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "; ")
}

// latestVersion is the schema version the embedded migrations reach.
func latestVersion(t *testing.T) int {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// votersOf lists the users who voted for item id, in the order they voted.
func votersOf(t *testing.T, db *DB, id int64) []string {
	t.Helper()
	v, err := queryStrings(context.Background(), db.read, `SELECT "user" FROM item_votes WHERE item_id = ? ORDER BY rowid`, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// outboxRow is an outbox message's delivery as a test reads it.
type outboxRow struct {
	ID       int64
	State    string
	SentTS   string
	Attempts int
}

// readOutbox reads the outbox message with key; ok is false when there is none.
func readOutbox(t *testing.T, db *DB, key string) (r outboxRow, ok bool) {
	t.Helper()
	err := db.read.QueryRowContext(context.Background(), `SELECT id, state, sent_ts, attempts FROM outbox WHERE key = ?`, key).
		Scan(&r.ID, &r.State, &r.SentTS, &r.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return outboxRow{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return r, true
}

// threadFixture enqueues a post, two replies to go in its thread and an
// unrelated message, at a fixed time.
func threadFixture(t *testing.T) *DB {
	t.Helper()
	db := openTest(t)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	if err := db.Enqueue(context.Background(),
		OutboxMessage{Key: "post", Channel: "C0X", Text: "head", Lane: LaneDigest},
		OutboxMessage{Key: "post:1", Channel: "C0X", Text: "more", ThreadOf: "post", Lane: LaneDigest},
		OutboxMessage{Key: "post:2", Channel: "C0X", Text: "more still", ThreadOf: "post", Lane: LaneDigest},
		OutboxMessage{Key: "other", Channel: "C0Y", Text: "unrelated", Lane: LaneNotify},
	); err != nil {
		t.Fatal(err)
	}
	return db
}

// dueKeys are the keys DueOutbox returns, with their thread ts.
func dueKeys(t *testing.T, db *DB) map[string]string {
	t.Helper()
	due, err := db.DueOutbox(context.Background(), 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range due {
		got[r.Key] = r.ThreadTS
	}
	return got
}

// holdCommitter keeps the committer busy until the returned channel is
// closed, so the writes queued meanwhile land in one group.
func holdCommitter(t *testing.T, db *DB) chan struct{} {
	t.Helper()
	release := make(chan struct{})
	holding := make(chan struct{})
	go db.withTx(context.Background(), func(ctx context.Context, tx *Tx) error {
		close(holding)
		<-release
		return nil
	})
	<-holding
	return release
}

// waitQueued waits until n writes wait in the committer's queue.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for !deadlineWait(func() bool { return len(db.ops) >= n }) {
		t.Fatalf("%d writes never queued (have %d)", n, len(db.ops))
	}
}

// deadlineWait polls cond for up to five seconds and reports whether it held.
func deadlineWait(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return cond()
}

// benchItems is the backlog size of the benchmarks (SPEC's performance bar).
const benchItems = 1_000_000

// productWords are the most frequent words of the generated text.
var productWords = strings.Fields(`dashboard export report chart filter search login password invoice billing
	mobile offline sync calendar reminder webhook api token audit permission role team workspace
	notification email slack integration import csv pdf print theme dark layout table column sort
	timezone language translation onboarding signup trial upgrade plan seat approval workflow
	performance slow crash error upload download attachment comment mention share link archive
	folder tag label priority deadline schedule recurring template automation rule trigger field`)

// vocabulary is productWords followed by made-up words, 30,000 in all:
// text drawn from it with a Zipf distribution has the long tail of real
// requests (a few words everywhere, most words rare).
func vocabulary() []string {
	syllables := strings.Fields("ka lo mi ne su ta ri po va de zu fe go hi ja wu xe yo bi ce")
	words := append([]string{}, productWords...)
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	for i := 0; len(words) < 30_000; i++ {
		w := ""
		for n := i; ; n /= len(syllables) {
			w += syllables[n%len(syllables)]
			if n < len(syllables) {
				break
			}
		}
		if len(w) >= 4 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// benchDB opens a database with benchItems generated items, made once and
// kept at $LIAISON_BENCH_DB (default: liaison-bench.db in the temp dir) so
// later runs reuse it. Generating takes a few minutes on two cores.
func benchDB(b *testing.B) *DB {
	b.Helper()
	path := os.Getenv("LIAISON_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "liaison-bench-1m.db")
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// A new file is generated at generateSchema and migrated after.
	if err := migrateUpTo(ctx, db, generateSchema); err != nil {
		b.Fatal(err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n < benchItems {
		b.Logf("generating %d items in %s (once)", benchItems-n, path)
		start := time.Now()
		if err := generate(ctx, db, n, benchItems); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated in %v", time.Since(start))
	}
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// generateSchema is the schema version generate fills a new file at. The
// migrations after it index the items already there in one pass (0007:
// the words of titles), far faster than their triggers do it item by item.
const generateSchema = 6

// generate inserts items from..to: varied titles, kinds, statuses (mostly
// open), a third scored, votes, some labels and followers, and history.
func generate(ctx context.Context, db *DB, from, to int) error {
	r := rand.New(rand.NewPCG(1, uint64(from)))
	vocab := vocabulary()
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
	statuses := []backlog.Status{"new", "new", "new", "triaged", "triaged", "planned", "in_progress", "shipped", "declined"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 20_000
	for start := from; start < to; start += batch {
		err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
			item, err := tx.PrepareContext(ctx, `
				INSERT INTO items (id, kind, status, title, body, reporter, capturer, capture, vote_count,
					reach, impact, confidence, effort, score, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 'slash', ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer item.Close()
			follow, err := tx.PrepareContext(ctx, `INSERT INTO item_followers (item_id, "user", created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
			if err != nil {
				return err
			}
			defer follow.Close()
			label, err := tx.PrepareContext(ctx, `INSERT INTO item_labels (item_id, label) VALUES (?, ?) ON CONFLICT DO NOTHING`)
			if err != nil {
				return err
			}
			defer label.Close()
			// At generateSchema the history table is still item_events (0009 renames it).
			change, err := tx.PrepareContext(ctx, `INSERT INTO item_events (item_id, actor, type, from_value, to_value, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer change.Close()
			for id := start + 1; id <= min(start+batch, to); id++ {
				kind := backlog.Kinds[r.IntN(3)]
				status := statuses[r.IntN(len(statuses))]
				reporter := fmt.Sprintf("U%07d", r.IntN(20_000))
				created := formatTime(base.Add(time.Duration(id) * 30 * time.Second))
				var reach, impact, conf, effort, score any
				if r.IntN(3) == 0 {
					re, im, co, ef := float64(r.IntN(5000)), backlog.Impacts[r.IntN(5)], float64(10*r.IntN(11)), float64(1+r.IntN(8))
					reach, impact, conf, effort, score = re, im, co, ef, backlog.Score(re, im, co, ef)
				}
				if _, err := item.ExecContext(ctx, id, kind, status, words(3+r.IntN(5)), words(10+r.IntN(30)), reporter, reporter,
					r.IntN(50), reach, impact, conf, effort, score, created, created); err != nil {
					return err
				}
				if _, err := follow.ExecContext(ctx, id, reporter, created); err != nil {
					return err
				}
				if r.IntN(10) == 0 {
					if _, err := label.ExecContext(ctx, id, productWords[r.IntN(20)]); err != nil {
						return err
					}
				}
				if _, err := change.ExecContext(ctx, id, reporter, "created", "", "new", "", created); err != nil {
					return err
				}
				if status != backlog.StatusNew {
					moved := formatTime(base.Add(time.Duration(id)*30*time.Second + time.Hour))
					if _, err := change.ExecContext(ctx, id, "U0ADMIN", "status", "new", status, "a reason", moved); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// measure runs op in b.Loop and reports p50 and p99 latency in ms.
func measure(b *testing.B, op func(i int) error) {
	b.Helper()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		t := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		i++
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
