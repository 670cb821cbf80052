package storage

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

func TestMigration9RenamesHistoryKeepingRowsIdsAndIndexes(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateUpTo(ctx, db, 8); err != nil {
		t.Fatal(err)
	}
	// A database written by the binary before: two items and their history.
	created := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	shipped := created.Add(time.Hour)
	for _, q := range []string{
		`INSERT INTO items (id, kind, status, title, created_at, updated_at) VALUES (1, 'feature', 'shipped', 'Dark mode', ?1, ?1)`,
		`INSERT INTO items (id, kind, status, title, created_at, updated_at) VALUES (2, 'bug', 'new', 'Login fails', ?1, ?1)`,
		`INSERT INTO item_events (id, item_id, actor, type, to_value, note, created_at) VALUES (1, 1, 'U0A', 'created', 'new', 'slash', ?1)`,
		`INSERT INTO item_events (id, item_id, actor, type, from_value, to_value, note, created_at) VALUES (2, 1, 'U0ADMIN', 'status', 'new', 'shipped', 'done', ?2)`,
		`INSERT INTO item_events (id, item_id, actor, type, to_value, note, created_at) VALUES (3, 2, 'U0B', 'created', 'new', 'slash', ?1)`,
	} {
		if _, err := db.write.ExecContext(ctx, q, formatTime(created), formatTime(shipped)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.Migrate(ctx); err != nil || n != latestVersion(t)-8 {
		t.Fatalf("Migrate = %d, %v; want %d", n, err, latestVersion(t)-8)
	}

	hist, err := db.History(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Actor: "U0A", Type: "created", To: "new", Note: "slash", At: created},
		{Actor: "U0ADMIN", Type: "status", From: "new", To: "shipped", Note: "done", At: shipped},
	}
	if !reflect.DeepEqual(hist, want) {
		t.Errorf("history after the migration = %+v\nwant %+v", hist, want)
	}
	if got, err := db.ChangedTo(ctx, backlog.StatusShipped, created, 10); err != nil || !reflect.DeepEqual(ids(got), []int64{1}) {
		t.Errorf("ChangedTo(shipped) after the migration = %v, %v; want [1]", ids(got), err)
	}

	// The schema names the table and its indexes alike, and nothing still
	// refers to the old name.
	names, err := queryStrings(ctx, db.read, `SELECT type || ' ' || name || ' on ' || tbl_name FROM sqlite_schema
		WHERE tbl_name LIKE 'item\_%' ESCAPE '\' AND name LIKE '%change%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"index item_changes_item on item_changes", "index item_changes_moves on item_changes", // migration 14
		"index item_changes_time on item_changes", "table item_changes on item_changes"}; !reflect.DeepEqual(names, want) {
		t.Errorf("schema = %v, want %v", names, want)
	}
	stale, err := queryStrings(ctx, db.read, `SELECT name FROM sqlite_schema WHERE name LIKE 'item\_events%' ESCAPE '\' OR sql LIKE '%item\_events%' ESCAPE '\'`)
	if err != nil || len(stale) != 0 {
		t.Errorf("schema objects still naming item_events: %v, %v", stale, err)
	}
	for _, q := range []struct{ query, index string }{
		{`SELECT actor FROM item_changes WHERE item_id = 1 ORDER BY id`, "item_changes_item"},
		{`SELECT item_id FROM item_changes WHERE created_at >= '2026'`, "item_changes_time"},
	} {
		if plan := queryPlan(t, db, q.query); !strings.Contains(plan, q.index) {
			t.Errorf("plan of %s = %q, want it to use %s", q.query, plan, q.index)
		}
	}

	// New changes take ids after the old ones: outbox keys name them.
	var changeID int64
	notify := func(_ backlog.Item, _ []string, id int64) []OutboxMessage { changeID = id; return nil }
	if _, _, err := db.SetStatus(ctx, 2, "U0ADMIN", backlog.StatusPlanned, "", notify); err != nil {
		t.Fatal(err)
	}
	if changeID != 4 {
		t.Errorf("the first change after the migration has id %d, want 4", changeID)
	}
	// The foreign key to items came along: an item's changes go with it.
	if _, err := db.write.ExecContext(ctx, `DELETE FROM items WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	if hist, err := db.History(ctx, 2); err != nil || len(hist) != 0 {
		t.Errorf("history of a deleted item = %+v, %v; want none", hist, err)
	}
}

func TestMigration9PostsTheRunOfADigestQueuedBefore(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrateUpTo(ctx, db, 8); err != nil {
		t.Fatal(err)
	}
	// A digest recorded and queued by the binary before, not yet sent.
	end := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO digest_subscriptions (id, name, channel, schedule, timezone, origin, created_at) VALUES (1, 'weekly', 'C0S', 'weekly mon 09:00', 'UTC', 'config', ?1)`,
		`INSERT INTO digest_runs (subscription_id, period_start, period_end, state, outbox_key, created_at) VALUES (1, ?1, ?2, 'posting', 'digest:1:x:0', ?2)`,
		`INSERT INTO outbox (key, channel, text, lane, pace_key, next_attempt_at, created_at) VALUES ('digest:1:x:0', 'C0S', 'digest', 2, 'C0S', ?2, ?2)`,
		`INSERT INTO outbox (key, channel, text, next_attempt_at, created_at) VALUES ('reply:1', 'C0S', 'not a digest', ?2, ?2)`,
	} {
		if _, err := db.write.ExecContext(ctx, q, formatTime(end.AddDate(0, 0, -7)), formatTime(end)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return end.Add(time.Minute) }
	due, err := db.DueOutbox(ctx, 10, nil)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %+v, %v; want the digest and the reply", due, err)
	}
	for _, r := range due {
		if r.Key == "reply:1" {
			if err := db.OutboxSent(ctx, r.ID, r.Channel, "1700.9"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if r, ok, err := db.RunAt(ctx, 1, end); err != nil || !ok || r.State != RunPosting || r.MessageTS != "" {
		t.Errorf("run after another message was sent = %+v, %v, %v; want still posting", r, ok, err)
	}
	for _, r := range due {
		if r.Key == "digest:1:x:0" {
			if err := db.OutboxSent(ctx, r.ID, r.Channel, "1700.1"); err != nil {
				t.Fatal(err)
			}
			if err := db.OutboxSent(ctx, r.ID, r.Channel, "1700.2"); err != nil { // marked already: nothing changes
				t.Fatal(err)
			}
		}
	}
	if r, ok, err := db.RunAt(ctx, 1, end); err != nil || !ok || r.State != "posted" || r.MessageTS != "1700.1" {
		t.Errorf("run after its post was sent = %+v, %v, %v; want posted at 1700.1", r, ok, err)
	}
	// The trigger's statement finds the run by the partial index.
	var trigger string
	if err := db.read.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'digest_runs_posted'`).Scan(&trigger); err != nil {
		t.Fatal(err)
	}
	_, update, _ := strings.Cut(trigger, "BEGIN")
	update, _, _ = strings.Cut(update, ";")
	update = strings.NewReplacer("new.sent_ts", "?", "new.key", "?").Replace(update)
	if plan := queryPlan(t, db, update, "1.1", "digest:1:x:0"); !strings.Contains(plan, "digest_runs_outbox") {
		t.Errorf("plan of the trigger's %s = %q, want it to use digest_runs_outbox", strings.TrimSpace(update), plan)
	}
}
