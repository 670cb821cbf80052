package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

func TestTrendCountsEachPeriod(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	var now time.Time
	db.Now = func() time.Time { return now }
	mk := func(created int, closeOn int, to backlog.Status, labels ...string) {
		now = day(created)
		id := capture(t, db, fmt.Sprintf("item made %d", created), "x")
		if len(labels) > 0 {
			db.SetLabels(ctx, id, "U0ADMIN", labels, nil)
		}
		if closeOn > 0 {
			now = day(closeOn)
			reason := ""
			if to == backlog.StatusDeclined {
				reason = "no"
			}
			if _, _, err := db.SetStatus(ctx, id, "U0ADMIN", to, reason, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk(1, 0, "")                      // before the window, still open
	mk(2, 9, backlog.StatusShipped)   // before, shipped in period 2
	mk(5, 0, "")                      // period 1
	mk(6, 8, backlog.StatusDeclined)  // period 1, declined in period 2
	mk(9, 10, backlog.StatusShipped)  // period 2, shipped in period 2
	mk(12, 0, "", "internal")         // period 3, hidden by the filter below
	mk(13, 20, backlog.StatusShipped) // period 3, shipped after the window
	// Period 1, shipped in period 2, reopened in period 3: still shipped
	// in period 2, closed between.
	mk(5, 9, backlog.StatusShipped)
	now = day(12)
	if _, _, err := db.SetStatus(ctx, 8, "U0ADMIN", backlog.StatusPlanned, "", nil); err != nil {
		t.Fatal(err)
	}
	bounds := []time.Time{day(4), day(8), day(11), day(15)}
	got, err := db.Trend(ctx, backlog.DigestFilter{}, bounds)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ opened, shipped, open int }
	want := []row{{3, 0, 5}, {1, 3, 2}, {2, 0, 5}}
	for i, p := range got {
		if (row{p.Opened, p.Shipped, p.Open}) != want[i] || !p.Start.Equal(bounds[i]) || !p.End.Equal(bounds[i+1]) {
			t.Errorf("period %d = %+v, want opened/shipped/open %v", i, p, want[i])
		}
	}
	got, _ = db.Trend(ctx, backlog.DigestFilter{None: []string{"internal"}}, bounds)
	if p := got[2]; p.Opened != 1 || p.Open != 4 {
		t.Errorf("filtered last period = %+v, want 1 opened and 4 open", p)
	}
}

func TestCountFilteredMatchesACountOfTheItems(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	statuses := []backlog.Status{backlog.StatusNew, backlog.StatusTriaged, backlog.StatusPlanned, backlog.StatusInProgress, backlog.StatusShipped}
	kinds := []backlog.Kind{backlog.KindFeature, backlog.KindBug, backlog.KindFeedback}
	labels := [][]string{nil, {"internal"}, {"billing"}, {"internal", "billing"}, {"ui"}}
	for i := range 60 {
		n := sampleItem(fmt.Sprintf("8.%d", i), "U0A", "U0A", fmt.Sprintf("Item %d", i))
		n.Kind = kinds[i%3]
		res, err := db.Capture(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if l := labels[i%5]; l != nil {
			db.SetLabels(ctx, res.Item.ID, "U0ADMIN", l, nil)
		}
		if st := statuses[i%5]; st != backlog.StatusNew {
			db.SetStatus(ctx, res.Item.ID, "U0ADMIN", st, "", nil)
		}
	}
	filters := []backlog.DigestFilter{
		{}, {None: []string{"internal"}}, {None: []string{"internal", "billing"}},
		{Kinds: []backlog.Kind{backlog.KindBug}}, {Kinds: []backlog.Kind{backlog.KindBug}, None: []string{"internal"}},
		{All: []string{"billing"}}, {Any: []string{"ui", "billing"}, None: []string{"internal"}},
	}
	for _, f := range filters {
		for _, sts := range [][]backlog.Status{{backlog.StatusPlanned}, {backlog.StatusNew, backlog.StatusTriaged, backlog.StatusPlanned, backlog.StatusInProgress}} {
			got, err := db.countFiltered(ctx, sts, f)
			if err != nil {
				t.Fatal(err)
			}
			cond, args := filterSQL(f)
			var want int
			q := `SELECT count(*) FROM items i WHERE i.status IN (` + strings.TrimSuffix(strings.Repeat("?,", len(sts)), ",") + `) AND ` + cond
			var qargs []any
			for _, s := range sts {
				qargs = append(qargs, s)
			}
			if err := db.read.QueryRowContext(ctx, q, append(qargs, args...)...).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("countFiltered(%v, %+v) = %d, want %d", sts, f, got, want)
			}
		}
	}
}
