package storage

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPostedConfirmationIsFoundWhereItLanded(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return old }
	id := capture(t, db, "Dark mode", "Dark mode for reports")
	msgs := []OutboxMessage{
		{Key: "reply:thread", ItemID: id, Channel: "C1", ThreadTS: "7.1", Text: "Captured", Lane: LaneReply},
		{Key: "reply:dm", ItemID: id, Channel: "U0BOB", Text: "Captured", Lane: LaneReply},
		{Key: "reply:ephemeral", ItemID: id, Channel: "C1", EphemeralUser: "U0BOB", Text: "Captured", Lane: LaneReply},
		{Key: "reply:answer", Channel: "C1", ThreadTS: "7.1", Text: "Top items", Lane: LaneReply},
		{Key: "event:1:thread", ItemID: id, Channel: "C1", ThreadTS: "7.1", Text: "Shipped", Lane: LaneNotify},
	}
	if err := db.Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	// Where Slack says each landed: a DM sent to a user id lands in its D… channel.
	landed := map[string][2]string{
		"reply:thread": {"C1", "8.1"}, "reply:dm": {"D0BOB", "8.2"}, "reply:ephemeral": {"", "8.3"},
		"reply:answer": {"C1", "8.4"}, "event:1:thread": {"C1", "8.5"},
	}
	for key, at := range landed {
		r, ok := readOutbox(t, db, key)
		if !ok {
			t.Fatalf("%s is not in the outbox", key)
		}
		if err := db.OutboxSent(ctx, r.ID, at[0], at[1]); err != nil {
			t.Fatal(err)
		}
	}
	// Pruned from the outbox, the confirmations are still found.
	if n, err := db.PruneOutbox(ctx, old.Add(time.Hour)); err != nil || n != int64(len(msgs)) {
		t.Fatalf("pruned %d, %v; want all %d", n, err, len(msgs))
	}
	tests := []struct {
		channel, ts string
		want        *Confirmation
	}{
		{"C1", "8.1", &Confirmation{Channel: "C1", TS: "8.1", ThreadTS: "7.1", ItemID: id}},
		{"D0BOB", "8.2", &Confirmation{Channel: "D0BOB", TS: "8.2", ItemID: id}},
		{"U0BOB", "8.2", nil}, // the DM is found by the channel it landed in
		{"C1", "8.3", nil},    // ephemeral: no one can react to it
		{"", "8.3", nil},
		{"C1", "8.4", nil}, // an answer, not about an item
		{"C1", "8.5", nil}, // a notification
		{"C1", "7.1", nil}, // the captured message itself
	}
	for _, tt := range tests {
		got, ok, err := db.ConfirmationAt(ctx, tt.channel, tt.ts)
		switch {
		case err != nil:
			t.Errorf("ConfirmationAt(%q, %q): %v", tt.channel, tt.ts, err)
		case tt.want == nil && ok:
			t.Errorf("ConfirmationAt(%q, %q) = %+v, want none", tt.channel, tt.ts, got)
		case tt.want != nil && (!ok || got != *tt.want):
			t.Errorf("ConfirmationAt(%q, %q) = %+v, %v; want %+v", tt.channel, tt.ts, got, ok, *tt.want)
		}
	}
	if plan := queryPlan(t, db, `SELECT thread_ts, item_id FROM confirmations WHERE channel = ? AND ts = ?`, "C1", "8.1"); !strings.Contains(plan, "PRIMARY KEY") {
		t.Errorf("lookup plan = %q, want the primary key", plan)
	}
}

func TestMarkingSentTwiceRecordsTheFirstLanding(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	id := capture(t, db, "Dark mode", "Dark mode for reports")
	if err := db.Enqueue(ctx, OutboxMessage{Key: "reply:1", ItemID: id, Channel: "C1", Text: "Captured", Lane: LaneReply}); err != nil {
		t.Fatal(err)
	}
	r, _ := readOutbox(t, db, "reply:1")
	for _, ts := range []string{"8.1", "8.2"} {
		if err := db.OutboxSent(ctx, r.ID, "C1", ts); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := db.ConfirmationAt(ctx, "C1", "8.1"); !ok {
		t.Error("the first landing is not recorded")
	}
	if c, ok, _ := db.ConfirmationAt(ctx, "C1", "8.2"); ok {
		t.Errorf("a second mark recorded %+v", c)
	}
}

func TestMigrationRecordsTheConfirmationsAlreadySent(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir()+"/liaison.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateUpTo(ctx, db, 9); err != nil {
		t.Fatal(err)
	}
	now := formatTime(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	for _, q := range []string{
		`INSERT INTO items (id, kind, status, title, body, reporter, capturer, capture, created_at, updated_at) VALUES (1, 'feature', 'new', 't', 'b', 'U0A', 'U0A', 'mention', ?1, ?1)`,
		`INSERT INTO outbox (key, item_id, channel, thread_ts, text, state, sent_ts, lane, next_attempt_at, created_at) VALUES ('reply:a', 1, 'C1', '7.1', 'c', 'sent', '8.1', 0, ?1, ?1)`,
		`INSERT INTO outbox (key, item_id, channel, text, state, sent_ts, lane, next_attempt_at, created_at) VALUES ('reply:b', 1, 'U0A', 'c', 'sent', '8.2', 0, ?1, ?1)`,
		`INSERT INTO outbox (key, item_id, channel, text, state, sent_ts, lane, next_attempt_at, created_at) VALUES ('reply:c', 1, 'C1', 'c', 'pending', '', 0, ?1, ?1)`,
		`INSERT INTO outbox (key, item_id, channel, text, state, sent_ts, lane, next_attempt_at, created_at) VALUES ('event:1:thread', 1, 'C1', 'n', 'sent', '8.4', 1, ?1, ?1)`,
	} {
		if _, err := db.write.ExecContext(ctx, q, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := db.ConfirmationAt(ctx, "C1", "8.1"); err != nil || !ok || c.ItemID != 1 || c.ThreadTS != "7.1" {
		t.Errorf("the sent confirmation = %+v, %v, %v; want #1 in thread 7.1", c, ok, err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM confirmations`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d confirmations recorded (%v), want only the one sent to a channel", n, err)
	}
}
