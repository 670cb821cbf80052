package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// followedItem captures an item linked to GitHub acme/app#n and returns its id.
func followedItem(t *testing.T, db *DB, n int) (int64, string) {
	t.Helper()
	id := capture(t, db, fmt.Sprintf("Request %d", n), "body")
	u := fmt.Sprintf("https://github.com/acme/app/issues/%d", n)
	l := TrackerLink{Tracker: "github", Repo: "acme/app", Number: n}
	if _, err := db.Link(context.Background(), id, "U0ADMIN", u, &l); err != nil {
		t.Fatal(err)
	}
	return id, u
}

// notifyCount is a Notifier that counts the changes it is asked about.
func notifyCount(n *int) Notifier {
	return func(it backlog.Item, followers []string, changeID int64) []OutboxMessage {
		*n++
		return []OutboxMessage{{Key: fmt.Sprintf("event:%d:dm:U0BOB", changeID), Channel: "U0BOB", Text: "moved", Lane: LaneNotify}}
	}
}

func TestTrackerUpdateMovesOnlyOnANewState(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id, u := followedItem(t, db, 1)
	notified := 0
	shipped := TrackerUpdate{Item: id, URL: u, ETag: "e1", Seen: "closed:completed", To: backlog.StatusShipped, Note: "acme/app#1 closed as completed"}

	res, err := db.ApplyTrackerUpdate(ctx, shipped, notifyCount(&notified))
	if err != nil || !res.Moved || res.From != backlog.StatusNew || res.Item.Status != backlog.StatusShipped {
		t.Fatalf("first sight of closed: %+v, %v", res, err)
	}
	// The same state again (a poll after a restart): nothing moves.
	if res, err := db.ApplyTrackerUpdate(ctx, shipped, notifyCount(&notified)); err != nil || res.Moved {
		t.Errorf("the same state twice moved the item again: %+v, %v", res, err)
	}
	// A move by hand stays while the tracker says nothing new (a 304).
	if _, _, err := db.SetStatus(ctx, id, "U0ADMIN", backlog.StatusPlanned, "", nil); err != nil {
		t.Fatal(err)
	}
	if res, err := db.ApplyTrackerUpdate(ctx, TrackerUpdate{Item: id, URL: u, ETag: "e1"}, notifyCount(&notified)); err != nil || res.Moved {
		t.Errorf("a 304 moved the item: %+v, %v", res, err)
	}
	if it, _ := db.Item(ctx, id); it.Status != backlog.StatusPlanned {
		t.Errorf("the move by hand was undone: %s", it.Status)
	}
	if notified != 1 {
		t.Errorf("followers were told %d times, want once", notified)
	}
	changes, _ := db.History(ctx, id)
	last := changes[len(changes)-2] // before the move by hand
	if last.Actor != TrackerActor || last.Note != "acme/app#1 closed as completed" {
		t.Errorf("the tracker's change = %+v", last)
	}
	links, err := db.TrackerLinks(ctx, "github", 10)
	if err != nil || len(links) != 1 || links[0].ETag != "e1" || links[0].Seen != "closed:completed" || links[0].Checked.IsZero() {
		t.Errorf("link after polls = %+v, %v", links, err)
	}
}

func TestTrackerUpdateForAReplacedLinkIsDropped(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id, u := followedItem(t, db, 1)
	if _, err := db.Link(ctx, id, "U0ADMIN", "https://example.com/elsewhere", nil); err != nil {
		t.Fatal(err)
	}
	res, err := db.ApplyTrackerUpdate(ctx, TrackerUpdate{Item: id, URL: u, Seen: "closed:completed", To: backlog.StatusShipped}, nil)
	if err != nil || !res.Unfollowed || res.Moved {
		t.Errorf("update of an unlinked issue: %+v, %v", res, err)
	}
	if links, _ := db.TrackerLinks(ctx, "github", 10); len(links) != 0 {
		t.Errorf("links after unlinking: %+v", links)
	}
}

func TestTrackerUpdateThatTheStatusRefusesIsKeptAsSeen(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id, u := followedItem(t, db, 1)
	if _, _, err := db.SetStatus(ctx, id, "U0ADMIN", backlog.StatusShipped, "", nil); err != nil {
		t.Fatal(err)
	}
	// Shipped cannot become declined (closed to closed): the state is
	// recorded, the item stays.
	res, err := db.ApplyTrackerUpdate(ctx, TrackerUpdate{Item: id, URL: u, Seen: "closed:not_planned", To: backlog.StatusDeclined, Note: "closed as not planned in acme/app#1"}, nil)
	if err != nil || res.Moved || res.Transition == nil {
		t.Errorf("refused move: %+v, %v", res, err)
	}
	if links, _ := db.TrackerLinks(ctx, "github", 1); links[0].Seen != "closed:not_planned" {
		t.Errorf("seen = %q", links[0].Seen)
	}
}

func TestLinkingTheSameIssueKeepsWhatWasLearnt(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id, u := followedItem(t, db, 1)
	db.ApplyTrackerUpdate(ctx, TrackerUpdate{Item: id, URL: u, ETag: "e1", Seen: "open"}, nil)
	l := TrackerLink{Tracker: "github", Repo: "acme/app", Number: 1}
	if _, err := db.Link(ctx, id, "U0ADMIN", u, &l); err != nil {
		t.Fatal(err)
	}
	if links, _ := db.TrackerLinks(ctx, "github", 1); links[0].ETag != "e1" || links[0].Seen != "open" {
		t.Errorf("relinking forgot the issue's state: %+v", links[0])
	}
	other := TrackerLink{Tracker: "github", Repo: "acme/app", Number: 2}
	db.Link(ctx, id, "U0ADMIN", "https://github.com/acme/app/issues/2", &other)
	if links, _ := db.TrackerLinks(ctx, "github", 1); links[0].Number != 2 || links[0].Seen != "" {
		t.Errorf("linking another issue kept the old state: %+v", links[0])
	}
}

func TestFilingIsClaimedOnce(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id := capture(t, db, "Dark mode", "please")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	if f, err := db.StartFiling(ctx, id, "github", time.Minute); err != nil || !f.Started {
		t.Fatalf("first claim: %+v, %v", f, err)
	}
	if f, _ := db.StartFiling(ctx, id, "github", time.Minute); f.Started || !f.Busy {
		t.Errorf("second claim while the first runs: %+v", f)
	}
	now = now.Add(2 * time.Minute) // the first filer died
	if f, _ := db.StartFiling(ctx, id, "jira", time.Minute); !f.Started {
		t.Errorf("a stale claim was not taken over: %+v", f)
	}
	notified := 0
	l := TrackerLink{Tracker: "jira", Repo: "PROD", Number: 8, URL: "https://acme.atlassian.net/browse/PROD-8", Seen: "jira:new"}
	it, moved, err := db.FinishFiling(ctx, id, "U0ADMIN", l, notifyCount(&notified))
	if err != nil || !moved || it.Status != backlog.StatusPlanned || it.TrackerURL != l.URL || notified != 1 {
		t.Fatalf("finish: %+v moved=%v notified=%d, %v", it, moved, notified, err)
	}
	if f, _ := db.StartFiling(ctx, id, "github", time.Minute); f.Linked != l.URL {
		t.Errorf("asking again after filing: %+v, want the issue filed", f)
	}
	other := capture(t, db, "Other", "x")
	db.Link(ctx, other, "U0ADMIN", "https://linear.app/acme/issue/ENG-1", nil)
	if f, _ := db.StartFiling(ctx, other, "github", time.Minute); f.Other == "" || f.Started {
		t.Errorf("an item linked elsewhere: %+v", f)
	}
	if err := db.AbandonFiling(ctx, other); err != nil {
		t.Error(err)
	}
}

func TestSourceLinksAreTheItemsThenItsDuplicates(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := capture(t, db, "A", "x")
	b := capture(t, db, "B", "x")
	for _, id := range []int64{a, b} {
		if err := db.CompleteCapture(ctx, CaptureFollowUp{Item: id, Permalink: fmt.Sprintf("https://slack.example/p%d", id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Merge(ctx, b, a, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	links, err := db.SourceLinks(ctx, a, 10)
	if err != nil || fmt.Sprint(links) != fmt.Sprint([]string{"https://slack.example/p1", "https://slack.example/p2"}) {
		t.Errorf("source links = %v, %v", links, err)
	}
	if links, _ := db.SourceLinks(ctx, a, 1); len(links) != 1 {
		t.Errorf("limit 1 gave %v", links)
	}
}
