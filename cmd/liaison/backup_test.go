package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// openBot opens and migrates the database at path, as `liaison run` has it.
func openBot(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// captureN captures n items into db, numbered from first.
func captureN(t *testing.T, db *storage.DB, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		if _, err := db.Capture(context.Background(), storage.NewItem{Kind: backlog.KindFeature, Title: fmt.Sprintf("Request %d", i),
			Reporter: "U0BOB", Capturer: "U0ALICE", Capture: backlog.CaptureSlash,
			Source: backlog.Source{Team: "T0ACME", Channel: "C0FEED", TS: fmt.Sprintf("1700000000.%06d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// copyItems reads the ids in a copy and the ids whose capture is not whole
// there (its two votes, two follows and "created" change).
func copyItems(t *testing.T, path string) (ids map[int64]bool, torn []int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT i.id,
		i.vote_count = 2
		AND (SELECT count(*) FROM item_votes v WHERE v.item_id = i.id) = 2
		AND (SELECT count(*) FROM item_followers f WHERE f.item_id = i.id) = 2
		AND EXISTS (SELECT 1 FROM item_changes c WHERE c.item_id = i.id AND c.type = 'created')
		FROM items i`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids = map[int64]bool{}
	for rows.Next() {
		var id int64
		var whole bool
		if err := rows.Scan(&id, &whole); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
		if !whole {
			torn = append(torn, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids, torn
}

func TestBackupWhileTheBotCaptures(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	bot := openBot(t, dbPath)
	captureN(t, bot, 0, 50)

	// The bot keeps capturing, from four writers, through the backup.
	var mu sync.Mutex
	var committed []int64
	var failures []error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				res, err := bot.Capture(context.Background(), storage.NewItem{Kind: backlog.KindBug, Title: "Busy",
					Reporter: "U0BOB", Capturer: "U0ALICE", Capture: backlog.CaptureMention,
					Source: backlog.Source{Team: "T0ACME", Channel: fmt.Sprintf("C0BUSY%d", w), TS: fmt.Sprintf("1.%07d", i)}})
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					committed = append(committed, res.Item.ID)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(committed) }
	waitFor(t, "100 captures beside the backup", func() bool { return count() >= 100 })

	mu.Lock()
	before := append([]int64{}, committed...)
	mu.Unlock()
	dest := filepath.Join(dir, "backups", "liaison-backup.db")
	if err := os.Mkdir(filepath.Dir(dest), 0o700); err != nil {
		t.Fatal(err)
	}
	out := runOK(t, dbEnv(dbPath), "backup", dest)
	after := count()
	waitFor(t, "captures after the backup", func() bool { return count() >= after+20 })
	stopWriters()
	if len(failures) > 0 {
		t.Fatalf("a capture failed while the backup ran: %v", failures[0])
	}

	ids, torn := copyItems(t, dest)
	if len(torn) > 0 {
		t.Errorf("captures only partly in the copy: %v", torn)
	}
	for i := int64(1); i <= 50; i++ {
		if !ids[i] {
			t.Errorf("the copy lacks #%d, captured before the backup", i)
		}
	}
	var missing int
	for _, id := range before {
		if !ids[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("the copy lacks %d of the %d captures committed before the backup began", missing, len(before))
	}
	report, err := storage.CheckCopy(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("backed up %s to %s: %d bytes, %d items, schema version %d, integrity check ok\n",
		dbPath, dest, fi.Size(), len(ids), report.SchemaVersion)
	if out != want {
		t.Errorf("backup printed %q, want %q", out, want)
	}
	assertNoTempFiles(t, filepath.Dir(dest))
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// assertNoTempFiles fails if dir holds anything but backups (*.db).
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".db") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s left in %s", e.Name(), dir)
		}
	}
}

func TestBackupRefusesToOverwriteWithoutForce(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	bot := openBot(t, dbPath)
	captureN(t, bot, 0, 2)
	dest := filepath.Join(t.TempDir(), "copy.db")
	runOK(t, dbEnv(dbPath), "backup", dest)
	first, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	captureN(t, bot, 2, 3)

	err = run(context.Background(), []string{"backup", dest}, dbEnv(dbPath), io.Discard, io.Discard)
	if want := fmt.Sprintf("backup: %s already exists; pass --force to replace it, or choose another name", dest); err == nil || err.Error() != want {
		t.Errorf("backup over a file = %v, want %q", err, want)
	}
	if b, _ := os.ReadFile(dest); string(b) != string(first) {
		t.Error("a refused backup changed the file")
	}

	for _, args := range [][]string{{"backup", dest, "--force"}, {"backup", "--force", dest}} {
		if out := runOK(t, dbEnv(dbPath), args...); !regexp.MustCompile(`: \d+ bytes, 5 items, `).MatchString(out) {
			t.Errorf("%v printed %q, want 5 items", args, out)
		}
		if ids, _ := copyItems(t, dest); len(ids) != 5 {
			t.Errorf("after %v the copy holds %d items, want 5", args, len(ids))
		}
	}
	assertNoTempFiles(t, filepath.Dir(dest))

	err = run(context.Background(), []string{"backup", "--force", dbPath}, dbEnv(dbPath), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is the database itself") {
		t.Errorf("backup over the database itself = %v", err)
	}
}

func TestFailedForcedBackupKeepsThePreviousCopy(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	bot := openBot(t, dbPath)
	captureN(t, bot, 0, 200)
	bot.Close()
	closeDB(t, dbPath)
	// Damage the items' leaf pages: the database opens (its schema is
	// whole), but the copy fails part way through reading it.
	leaves := tableRowsCmd(t, dbPath, `SELECT pageno FROM dbstat WHERE name = 'items' AND pagetype = 'leaf'`)
	if len(leaves) < 2 {
		t.Fatalf("items fill %d leaf pages; want a few", len(leaves))
	}
	b, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range leaves {
		for i := (p - 1) * 4096; i < p*4096; i++ {
			b[i] = 0xA5
		}
	}
	if err := os.WriteFile(dbPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()
	dest := filepath.Join(backups, "copy.db")
	if err := os.WriteFile(dest, []byte("the previous backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"backup", "--force", dest}, dbEnv(dbPath), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("backup of a damaged database = %v, want SQLite's malformed error", err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "the previous backup" {
		t.Errorf("the failed backup left %q where the previous one was", b)
	}
	assertNoTempFiles(t, backups)
}

// tableRowsCmd runs a one-column integer query on the file at path.
func tableRowsCmd(t *testing.T, path, query string) []int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// closeDB checkpoints and closes the database at path for good, so the
// whole of it is in the one file.
func closeDB(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE`); err != nil {
		t.Fatal(err)
	}
}

func TestBackupRefusesAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	err := run(context.Background(), []string{"backup", filepath.Join(dir, "copy.db")}, dbEnv(dbPath), io.Discard, io.Discard)
	want := fmt.Sprintf("no database at %s; run `liaison migrate` or `liaison run` first, or set storage.path / LIAISON_DB", dbPath)
	if err == nil || err.Error() != want {
		t.Errorf("backup of a missing database = %v, want %q", err, want)
	}
	if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
		t.Error("backup created the database")
	}
	for args, want := range map[string]string{"backup": "liaison backup: missing FILE", "backup a.db b.db": `liaison backup: unexpected argument "b.db"`} {
		if err := run(context.Background(), strings.Fields(args), dbEnv(dbPath), io.Discard, io.Discard); !errors.As(err, new(usageError)) || err.Error() != want {
			t.Errorf("%s = %v, want the usage error %q", args, err, want)
		}
	}
}
