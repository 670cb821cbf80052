package storage

import (
	"context"
	"testing"
)

func TestThreadRepliesWaitForTheirPostAndGoInItsThread(t *testing.T) {
	ctx := context.Background()
	db := threadFixture(t)
	if got := dueKeys(t, db); len(got) != 2 || got["post"] != "" || got["other"] != "" {
		t.Fatalf("due before the post is sent = %v, want only the post and the unrelated message", got)
	}
	post, ok := readOutbox(t, db, "post")
	if !ok {
		t.Fatal("the post is not in the outbox")
	}
	if err := db.OutboxSent(ctx, post.ID, "C0X", "1700000000.000100"); err != nil {
		t.Fatal(err)
	}
	got := dueKeys(t, db)
	for _, k := range []string{"post:1", "post:2"} {
		if ts, ok := got[k]; !ok || ts != "1700000000.000100" {
			t.Errorf("%s due %v with thread ts %q, want due in the post's thread 1700000000.000100", k, ok, ts)
		}
	}
}

func TestDeadPostTakesItsWaitingRepliesWithIt(t *testing.T) {
	ctx := context.Background()
	db := threadFixture(t)
	post, ok := readOutbox(t, db, "post")
	if !ok {
		t.Fatal("the post is not in the outbox")
	}
	if err := db.OutboxDead(ctx, post.ID, "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"post": "dead", "post:1": "dead", "post:2": "dead", "other": "pending"} {
		if r, ok := readOutbox(t, db, key); !ok || r.State != want {
			t.Errorf("%s is %q (in the outbox: %v), want %s", key, r.State, ok, want)
		}
	}
	if c, _ := db.OutboxStats(ctx); c != (OutboxCounts{Pending: 1, Dead: 3}) {
		t.Errorf("outbox counts = %+v, want 1 pending and 3 dead", c)
	}
}
