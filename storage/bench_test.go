package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

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
			follow, err := tx.PrepareContext(ctx, `INSERT INTO item_followers (item_id, user, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
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

// BenchmarkSearch1M searches for one or two words drawn like the text
// itself (Zipf), so common words come up as often as people type them.
func BenchmarkSearch1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	vocab := vocabulary()
	zipf := rand.NewZipf(rand.New(rand.NewPCG(7, 7)), 1.1, 2, uint64(len(vocab)-1))
	measure(b, func(i int) error {
		q := vocab[zipf.Uint64()]
		if i%2 == 1 {
			q += " " + vocab[zipf.Uint64()]
		}
		_, err := db.Search(ctx, q, 16)
		return err
	})
}

// BenchmarkSimilar1M looks up the items like a new capture, as the bot does
// after each one: the text is the title of an existing item (so drawn like
// every title), and that item is left out.
func BenchmarkSimilar1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	type captured struct {
		id    int64
		title string
	}
	var captures []captured
	rows, err := db.read.QueryContext(ctx, `SELECT id, title FROM items WHERE id % 241 = 7 ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var c captured
		if err := rows.Scan(&c.id, &c.title); err != nil {
			b.Fatal(err)
		}
		captures = append(captures, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	measure(b, func(i int) error {
		c := captures[(i*7919)%len(captures)]
		_, err := db.Similar(ctx, c.title, c.id, 3)
		return err
	})
}

func BenchmarkTop1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	measure(b, func(int) error { _, err := db.Top(ctx, 10); return err })
}

func BenchmarkList1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	filters := []backlog.Filter{
		{Open: true},
		{Status: backlog.StatusPlanned},
		{Open: true, Kind: backlog.KindBug},
		{Open: true, Label: "billing"},
		{Open: true, Mine: "U0000042"},
		{Status: backlog.StatusShipped, By: "U0000042"},
	}
	for _, f := range filters {
		b.Run(fmt.Sprintf("%+v", f), func(b *testing.B) {
			measure(b, func(int) error { _, err := db.List(ctx, f, 16); return err })
		})
	}
}

func BenchmarkStats1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	measure(b, func(int) error { _, err := db.Stats(ctx); return err })
}

func BenchmarkShow1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	measure(b, func(i int) error {
		id := int64(1 + (i*7919)%benchItems)
		if _, err := db.Item(ctx, id); err != nil {
			return err
		}
		if _, err := db.Followers(ctx, id); err != nil {
			return err
		}
		_, err := db.History(ctx, id)
		return err
	})
}

// BenchmarkDigest1M gathers a digest's data over a million items for a
// period holding about 10,000 changes (the generator writes one or two per
// item, 30 s apart).
func BenchmarkDigest1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(benchItems * 30 * time.Second)
	start := end.Add(-6000 * 30 * time.Second)
	var changes int
	db.read.QueryRowContext(ctx, `SELECT count(*) FROM item_changes WHERE created_at >= ? AND created_at < ?`,
		formatTime(start), formatTime(end)).Scan(&changes)
	b.ReportMetric(float64(changes), "changes")
	measure(b, func(int) error {
		_, err := db.DigestData(ctx, backlog.DigestFilter{}, start.Add(-end.Sub(start)), start, end, 7)
		return err
	})
}
