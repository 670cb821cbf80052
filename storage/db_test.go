package storage

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMigrateFreshThenIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "liaison.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != latestVersion(t) || applied == 0 {
		t.Errorf("first Migrate applied %d, want %d", applied, latestVersion(t))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A second run on the same file, as after a restart, changes nothing.
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err = db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != 0 {
		t.Errorf("second Migrate applied %d, want 0", applied)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != latestVersion(t) {
		t.Errorf("schema version = %d, want %d", v, latestVersion(t))
	}
	for _, table := range []string{"items", "items_fts", "processed_events"} {
		var n int
		err := db.read.QueryRowContext(ctx,
			`SELECT count(*) FROM sqlite_schema WHERE name = ?`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v", table, n, err)
		}
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	newer := "PRAGMA user_version = 999"
	if onPostgres() {
		newer = "INSERT INTO liaison_schema (version) VALUES (999)"
	}
	if _, err := db.write.ExecContext(ctx, newer); err != nil {
		t.Fatal(err)
	}
	_, err := db.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("Migrate on a newer schema: err = %v, want one saying it is newer", err)
	}
}

func TestPragmasOnEveryPooledConnection(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)

	check := func(name string, pool *sql.DB, n int, wantQueryOnly int) {
		t.Helper()
		// Hold n connections at once so each is a distinct pooled connection.
		conns := make([]*sql.Conn, n)
		for i := range conns {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for i, c := range conns {
			var mode string
			var fk, sync, busy, qo int
			if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" || fk != 1 || sync != 2 || busy != 5000 || qo != wantQueryOnly {
				t.Errorf("%s conn %d: journal_mode=%s foreign_keys=%d synchronous=%d busy_timeout=%d query_only=%d; want wal 1 2 (FULL) 5000 %d",
					name, i, mode, fk, sync, busy, qo, wantQueryOnly)
			}
		}
	}
	check("writer", db.write.DB, 1, 0)
	check("reader", db.read.DB, readers, 1)
}

func TestForeignKeysEnforced(t *testing.T) {
	db := openTest(t)
	_, err := db.write.ExecContext(context.Background(),
		`INSERT INTO items (kind, title, created_at, updated_at, duplicate_of) VALUES ('bug', 't', 'x', 'x', 12345)`)
	if err == nil {
		t.Fatal("insert with a dangling duplicate_of succeeded; foreign keys are off")
	}
}

func TestReadPoolRefusesWrites(t *testing.T) {
	sqliteOnly(t)
	db := openTest(t)
	_, err := db.read.ExecContext(context.Background(), `DELETE FROM processed_events`)
	if err == nil {
		t.Fatal("write through the read pool succeeded")
	}
}

func TestFTSFollowsTitleAndBody(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	res, err := db.write.ExecContext(ctx,
		`INSERT INTO items (kind, title, body, created_at, updated_at) VALUES ('feature', 'Dark mode for dashboard', 'Our users work at night', 'x', 'x')`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	match := func(q string) []int64 {
		t.Helper()
		rows, err := db.read.QueryContext(ctx, `SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid`, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := match("dark"); len(got) != 1 || got[0] != id {
		t.Errorf("match dark = %v, want [%d]", got, id)
	}
	if got := match("night"); len(got) != 1 {
		t.Errorf("match night (body) = %v, want [%d]", got, id)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET title = 'Light theme' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got := match("dark"); len(got) != 0 {
		t.Errorf("after retitle, match dark = %v, want none", got)
	}
	if got := match("light"); len(got) != 1 {
		t.Errorf("after retitle, match light = %v, want [%d]", got, id)
	}
	// A status change is not a text change and must leave the index alone.
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET status = 'triaged' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got := match("light"); len(got) != 0 {
		t.Errorf("after delete, match light = %v, want none", got)
	}
}

func TestProcessedEventsLedger(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	seen, err := db.EventSeen(ctx, "Ev1")
	if err != nil || seen {
		t.Fatalf("EventSeen before marking = %v, %v; want false", seen, err)
	}
	for range 2 { // marking twice is fine
		if err := db.MarkEventProcessed(ctx, "Ev1"); err != nil {
			t.Fatal(err)
		}
	}
	if seen, err := db.EventSeen(ctx, "Ev1"); err != nil || !seen {
		t.Fatalf("EventSeen after marking = %v, %v; want true", seen, err)
	}

	now = now.Add(30 * time.Minute)
	if err := db.MarkEventProcessed(ctx, "Ev2"); err != nil {
		t.Fatal(err)
	}
	n, err := db.PruneEvents(ctx, now.Add(-time.Hour+time.Second))
	if err != nil || n != 0 {
		t.Errorf("prune before an hour passed removed %d, %v; want 0", n, err)
	}
	n, err = db.PruneEvents(ctx, now.Add(-10*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("prune removed %d, %v; want 1 (Ev1)", n, err)
	}
	if seen, _ := db.EventSeen(ctx, "Ev2"); !seen {
		t.Error("Ev2 pruned too early")
	}
}

func TestOpenRejectsDirectory(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	_, err := Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Open(dir) err = %v, want 'is a directory'", err)
	}
}

func TestCloseCheckpointsWAL(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "liaison.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !os.IsNotExist(err) {
		t.Errorf("WAL file still present after Close: %v", err)
	}
}
