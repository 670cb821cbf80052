package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

func TestRunsAreUniquePerPeriod(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.ReconcileSubscriptions(ctx, []Subscription{{Name: "weekly", Channel: "C0S", Schedule: "weekly mon 09:00", Timezone: "UTC", CatchUp: time.Hour, TriageDays: 7}}); err != nil {
		t.Fatal(err)
	}
	subs, _ := db.Subscriptions(ctx)
	end := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	msg := []OutboxMessage{{Key: "digest:1:x:0", Channel: "C0S", Text: "digest"}}
	for i, want := range []bool{true, false} {
		created, err := db.StartRun(ctx, subs[0].ID, end.AddDate(0, 0, -7), end, RunPosting, msg)
		if err != nil || created != want {
			t.Errorf("StartRun #%d = %v, %v; want %v", i+1, created, err, want)
		}
	}
	due, _ := db.DueOutbox(ctx, 10, nil)
	if len(due) != 1 {
		t.Fatalf("%d messages queued, want 1", len(due))
	}
	if err := db.OutboxSent(ctx, due[0].ID, due[0].Channel, "1700.1"); err != nil {
		t.Fatal(err)
	}
	if r, ok, _ := db.RunAt(ctx, subs[0].ID, end); !ok || r.State != "posted" || r.MessageTS != "1700.1" {
		t.Errorf("run after delivery = %+v", r)
	}
	if last, ok, _ := db.LastRun(ctx, subs[0].ID); !ok || !last.End.Equal(end) {
		t.Errorf("last run = %+v", last)
	}
}

func TestReconcileKeepsSlackSubscriptionsAndUpdatesConfigOnes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := Subscription{Name: "a", Channel: "C0A", Schedule: "daily 09:00", Timezone: "UTC", Filter: backlog.DigestFilter{Kinds: []backlog.Kind{"bug"}, Any: []string{"x", "y"}}}
	b := Subscription{Name: "b", Channel: "C0B", Schedule: "daily 10:00", Timezone: "UTC"}
	db.ReconcileSubscriptions(ctx, []Subscription{a, b})
	s, err := db.AddSubscription(ctx, Subscription{Channel: "C0S", Schedule: "weekly mon 09:00", Timezone: "Europe/Berlin", CreatedBy: "U0ADMIN"})
	if err != nil || s.Name != "slack-3" {
		t.Fatalf("AddSubscription = %+v, %v", s, err)
	}
	a.Channel = "C0NEW"
	db.ReconcileSubscriptions(ctx, []Subscription{a})
	subs, _ := db.Subscriptions(ctx)
	var names []string
	for _, s := range subs {
		names = append(names, s.Name+":"+s.Channel)
	}
	if !reflect.DeepEqual(names, []string{"a:C0NEW", "slack-3:C0S"}) {
		t.Errorf("after reconcile = %v", names)
	}
	if !reflect.DeepEqual(subs[0].Filter, a.Filter) {
		t.Errorf("filter = %+v", subs[0].Filter)
	}
}

func TestDigestDataCountsAndFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	seed(t, db, [3]string{"Old waiting bug", "bug", "U0A"}) // #1, created 20 Nov
	now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	seed(t, db, [3]string{"Dark mode", "feature", "U0A"}, [3]string{"Login fails", "bug", "U0B"}, [3]string{"CSV", "feature", "U0C"})
	db.SetLabels(ctx, 2, "U0ADMIN", []string{"ui"}, nil)
	now = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	db.SetStatus(ctx, 2, "U0ADMIN", backlog.StatusShipped, "", nil)
	db.SetStatus(ctx, 3, "U0ADMIN", backlog.StatusDeclined, "not reproducible", nil)
	db.SetStatus(ctx, 4, "U0ADMIN", backlog.StatusPlanned, "", nil)

	start, end := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	d, err := db.DigestData(ctx, backlog.DigestFilter{}, start.AddDate(0, 0, -7), start, end, 7)
	if err != nil {
		t.Fatal(err)
	}
	if d.New != 3 || d.PrevNew != 1 || d.Shipped != 1 || d.Planned != 1 || d.Declined != 1 || d.Waiting != 1 || d.Open != 2 {
		t.Errorf("counts = new %d (prev %d) shipped %d planned %d declined %d waiting %d open %d",
			d.New, d.PrevNew, d.Shipped, d.Planned, d.Declined, d.Waiting, d.Open)
	}
	if len(d.DeclinedItems) != 1 || d.DeclinedItems[0].Reason != "not reproducible" {
		t.Errorf("declined = %+v", d.DeclinedItems)
	}
	if len(d.ShippedItems) != 1 || d.ShippedItems[0].Requesters != 1 || d.WaitingItems[0].ID != 1 {
		t.Errorf("shipped %+v waiting %+v", d.ShippedItems, d.WaitingItems)
	}
	bugs, _ := db.DigestData(ctx, backlog.DigestFilter{Kinds: []backlog.Kind{"bug"}}, start, start, end, 7)
	if bugs.New != 1 || bugs.Shipped != 0 || bugs.Declined != 1 {
		t.Errorf("bug filter: new %d shipped %d declined %d", bugs.New, bugs.Shipped, bugs.Declined)
	}
	ui, _ := db.DigestData(ctx, backlog.DigestFilter{Any: []string{"ui"}}, start, start, end, 7)
	noUI, _ := db.DigestData(ctx, backlog.DigestFilter{None: []string{"ui"}}, start, start, end, 7)
	all, _ := db.DigestData(ctx, backlog.DigestFilter{All: []string{"ui", "other"}}, start, start, end, 7)
	if ui.Shipped != 1 || noUI.Shipped != 0 || noUI.New != 2 || all.New != 0 {
		t.Errorf("label filters: any %d none %d/%d all %d", ui.Shipped, noUI.Shipped, noUI.New, all.New)
	}
}
