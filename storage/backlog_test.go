package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

func TestListFiltersAndRanking(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seed(t, db,
		[3]string{"Dark mode", "feature", "U0A"},     // 1
		[3]string{"Login bug", "bug", "U0B"},         // 2
		[3]string{"CSV export", "feature", "U0A"},    // 3
		[3]string{"Slow reports", "feedback", "U0C"}, // 4
	)
	db.Vote(ctx, 3, "U0X")
	db.Vote(ctx, 3, "U0Y")
	db.Vote(ctx, 2, "U0X")
	db.SetScore(ctx, 4, "U0ADMIN", backlog.ScoreInput{Reach: f(100), Impact: f(1), Confidence: f(50), Effort: f(1)})
	db.SetScore(ctx, 1, "U0ADMIN", backlog.ScoreInput{Reach: f(1000), Impact: f(2), Confidence: f(80), Effort: f(2)})
	db.SetLabels(ctx, 3, "U0ADMIN", []string{"finance"}, nil)
	db.Follow(ctx, 2, "U0A")
	if _, _, err := db.SetStatus(ctx, 4, "U0ADMIN", backlog.StatusShipped, "", nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		f    backlog.Filter
		want []int64
	}{
		{"open by rank: score, then votes, then oldest", backlog.Filter{Open: true}, []int64{1, 3, 2}},
		{"status", backlog.Filter{Status: backlog.StatusShipped}, []int64{4}},
		{"kind", backlog.Filter{Open: true, Kind: backlog.KindFeature}, []int64{1, 3}},
		{"label", backlog.Filter{Open: true, Label: "finance"}, []int64{3}},
		{"by", backlog.Filter{Open: true, By: "U0A"}, []int64{1, 3}},
		{"mine: reported or followed", backlog.Filter{Open: true, Mine: "U0A"}, []int64{1, 3, 2}},
		{"nothing", backlog.Filter{Open: true, Label: "none"}, []int64{}},
	}
	for _, tt := range tests {
		got, err := db.List(ctx, tt.f, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, ids(got), tt.want)
		}
	}
	top, _ := db.Top(ctx, 2)
	if !reflect.DeepEqual(ids(top), []int64{1, 3}) {
		t.Errorf("top 2 = %v", ids(top))
	}
}

func TestSearchRanksTitleAboveBodyAndTreatsInputAsWords(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	n := sampleItem("6.1", "U0A", "U0A", "Reports are slow")
	n.Body = "the dark theme would help when reports load"
	db.Capture(ctx, n)
	seed(t, db, [3]string{"Dark mode for reports", "feature", "U0B"})
	got, err := db.Search(ctx, "dark report", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), []int64{2, 1}) {
		t.Errorf("search = %v, want the title match first", ids(got))
	}
	for _, q := range []string{`"`, `NEAR(`, `*`, `a OR`, `<!channel>`, `-dark`} {
		if _, err := db.Search(ctx, q, 10); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
	if got, _ := db.Search(ctx, "zebra", 10); len(got) != 0 {
		t.Errorf("search for an absent word = %v", ids(got))
	}
}

func TestSetStatusRecordsHistoryAndEnqueuesWithTheChange(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seed(t, db, [3]string{"Dark mode", "feature", "U0A"})
	db.Vote(ctx, 1, "U0B")
	var gotFollowers []string
	notify := func(it backlog.Item, followers []string, changeID int64) []OutboxMessage {
		gotFollowers = followers
		var out []OutboxMessage
		for _, u := range followers {
			out = append(out, OutboxMessage{Key: fmt.Sprintf("e%d:%s", changeID, u), ItemID: it.ID, Channel: u, Text: string(it.Status)})
		}
		return out
	}
	if _, _, err := db.SetStatus(ctx, 1, "U0ADMIN", backlog.StatusTriaged, "", notify); err != nil {
		t.Fatal(err)
	}
	if gotFollowers != nil {
		t.Error("triaged notified followers; only planned, in progress, shipped, declined and merges do")
	}
	it, from, err := db.SetStatus(ctx, 1, "U0ADMIN", backlog.StatusShipped, "", notify)
	if err != nil || from != backlog.StatusTriaged || it.Status != backlog.StatusShipped {
		t.Fatalf("ship = %v, %v, %v", it.Status, from, err)
	}
	if !reflect.DeepEqual(gotFollowers, []string{"U0A", "U0B"}) {
		t.Errorf("notified %v", gotFollowers)
	}
	due, _ := db.DueOutbox(ctx, 10, nil)
	if len(due) != 2 || due[0].Channel != "U0A" || due[0].Text != "shipped" {
		t.Errorf("outbox = %+v", due)
	}
	// Refused transitions change nothing and enqueue nothing.
	var te *backlog.TransitionError
	if _, _, err := db.SetStatus(ctx, 1, "U0ADMIN", backlog.StatusDeclined, "no", notify); !errors.As(err, &te) {
		t.Errorf("shipped → declined = %v, want a TransitionError", err)
	}
	if _, _, err := db.SetStatus(ctx, 99, "U0ADMIN", backlog.StatusPlanned, "", notify); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing item = %v", err)
	}
	due, _ = db.DueOutbox(ctx, 10, nil)
	if len(due) != 2 {
		t.Errorf("%d due after refused changes, want 2", len(due))
	}
	hist, _ := db.History(ctx, 1)
	var changes []string
	for _, e := range hist {
		if e.Type == "status" {
			changes = append(changes, e.From+"→"+e.To)
		}
	}
	if !reflect.DeepEqual(changes, []string{"new→triaged", "triaged→shipped"}) {
		t.Errorf("status history = %v", changes)
	}
}

func TestStatsCountsFollowChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seed(t, db, [3]string{"a", "feature", "U0A"}, [3]string{"b", "bug", "U0A"}, [3]string{"c", "bug", "U0A"})
	db.SetStatus(ctx, 2, "U0ADMIN", backlog.StatusPlanned, "", nil)
	db.Merge(ctx, 3, 2, "U0ADMIN", nil)
	s, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := map[backlog.Status]int{"new": 1, "planned": 1, "duplicate": 1}
	wantKind := map[backlog.Kind]int{"feature": 1, "bug": 2}
	if !reflect.DeepEqual(s.ByStatus, wantStatus) || !reflect.DeepEqual(s.ByKind, wantKind) || s.Total != 3 {
		t.Errorf("stats = %+v", s)
	}
}

func TestOutboxSurvivesReopenAndStates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "liaison.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Migrate(ctx)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	msgs := []OutboxMessage{{Key: "k1", Channel: "U0A", Text: "one"}, {Key: "k2", Channel: "C0X", ThreadTS: "1.1", Text: "two"}}
	if err := db.Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	if err := db.Enqueue(ctx, msgs[0]); err != nil { // same key: nothing new
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return now }
	due, err := db.DueOutbox(ctx, 10, nil)
	if err != nil || len(due) != 2 || due[1].ThreadTS != "1.1" {
		t.Fatalf("after reopen: %+v, %v", due, err)
	}
	db.OutboxSent(ctx, due[0].ID, due[0].Channel, "9.9")
	db.OutboxSent(ctx, due[0].ID, due[0].Channel, "9.10") // a second mark changes nothing
	if r, _ := readOutbox(t, db, "k1"); r.State != "sent" || r.SentTS != "9.9" {
		t.Errorf("k1 = %s %s", r.State, r.SentTS)
	}
	db.OutboxRetry(ctx, due[1].ID, now.Add(time.Minute), "ratelimited", false)
	if due, _ := db.DueOutbox(ctx, 10, nil); len(due) != 0 {
		t.Errorf("a rescheduled message is due early: %+v", due)
	}
	if next, ok, _ := db.NextOutboxDue(ctx, db.Now()); !ok || !next.Equal(now.Add(time.Minute)) {
		t.Errorf("next due = %v %v", next, ok)
	}
	now = now.Add(2 * time.Minute)
	due, _ = db.DueOutbox(ctx, 10, nil)
	if len(due) != 1 || due[0].Attempts != 0 {
		t.Errorf("due after the wait = %+v (a 429 does not use an attempt)", due)
	}
	db.OutboxDead(ctx, due[0].ID, "channel_not_found")
	c, _ := db.OutboxStats(ctx)
	if c != (OutboxCounts{Sent: 1, Dead: 1}) {
		t.Errorf("outbox counts = %+v", c)
	}
}

func TestUnvoteUnfollowLabelsAssignLinkComment(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seed(t, db, [3]string{"Dark mode", "feature", "U0A"})
	db.Vote(ctx, 1, "U0B")
	if ok, _ := db.Unvote(ctx, 1, "U0B"); !ok {
		t.Error("unvote of a vote = false")
	}
	if ok, _ := db.Unvote(ctx, 1, "U0B"); ok {
		t.Error("second unvote = true")
	}
	if v := votersOf(t, db, 1); !reflect.DeepEqual(v, []string{"U0A"}) {
		t.Errorf("voters = %v", v)
	}
	if f, _ := db.Followers(ctx, 1); !reflect.DeepEqual(f, []string{"U0A", "U0B"}) {
		t.Errorf("followers after unvote = %v (unvoting keeps following)", f)
	}
	db.Unfollow(ctx, 1, "U0B")
	if f, _ := db.Followers(ctx, 1); !reflect.DeepEqual(f, []string{"U0A"}) {
		t.Errorf("followers = %v", f)
	}
	it, _ := db.SetLabels(ctx, 1, "U0ADMIN", []string{"ui", "reports"}, nil)
	it, _ = db.SetLabels(ctx, 1, "U0ADMIN", nil, []string{"ui", "absent"})
	if !reflect.DeepEqual(it.Labels, []string{"reports"}) {
		t.Errorf("labels = %v", it.Labels)
	}
	it, _ = db.Assign(ctx, 1, "U0ADMIN", "U0DEV")
	it, _ = db.Link(ctx, 1, "U0ADMIN", "https://tracker.example/ISSUE-1", nil)
	if it.Assignee != "U0DEV" || it.TrackerURL != "https://tracker.example/ISSUE-1" {
		t.Errorf("item = %+v", it)
	}
	if err := db.Comment(ctx, 1, "U0B", "customers ask weekly"); err != nil {
		t.Fatal(err)
	}
	if err := db.Comment(ctx, 5, "U0B", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("comment on a missing item = %v", err)
	}
	hist, _ := db.History(ctx, 1)
	var types []string
	for _, e := range hist {
		types = append(types, e.Type)
	}
	want := []string{"voted", "created", "voted", "unvoted", "unfollowed", "label", "label", "label", "assign", "link", "comment"}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("history = %v\nwant      %v", types, want)
	}
}
