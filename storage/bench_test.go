package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

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

// BenchmarkTrend1M counts a digest chart's 12 periods over a million
// items, ending where the generator's items end (about 20,000 created and
// 7,000 closed in the window): unfiltered, and hiding a label.
//
//	go test -run '^$' -bench Trend1M -benchtime 200x -count 3 ./storage/
func BenchmarkTrend1M(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	// The generator leaves closed_at unset; set it as a change of status does.
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET closed_at = updated_at
		WHERE status IN ('shipped', 'declined', 'duplicate') AND closed_at IS NULL`); err != nil {
		b.Fatal(err)
	}
	end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(benchItems * 30 * time.Second)
	bounds := backlog.EqualBounds(end, 7*24*time.Hour/10, backlog.TrendPeriods) // 12 periods of ~2,000 items each
	for name, f := range map[string]backlog.DigestFilter{"all": {}, "hide-label": {None: []string{"internal"}}} {
		b.Run(name, func(b *testing.B) {
			measure(b, func(int) error {
				_, err := db.Trend(ctx, f, bounds)
				return err
			})
		})
	}
}
