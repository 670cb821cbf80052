package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// capturing runs writers that capture items until stop is called, and
// lists the ids of the captures that have returned.
type capturing struct {
	mu   sync.Mutex
	ids  []int64
	errs []error
	stop func()
}

func startCapturing(t *testing.T, db *DB, writers int) *capturing {
	t.Helper()
	c := &capturing{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				res, err := db.Capture(context.Background(), sampleItem(fmt.Sprintf("8.%d%07d", w, i), "U0A", "U0B", "Busy writer item"))
				c.mu.Lock()
				if err != nil {
					c.errs = append(c.errs, err)
				} else {
					c.ids = append(c.ids, res.Item.ID)
				}
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	var once sync.Once
	c.stop = func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(c.stop)
	return c
}

// committed is a copy of the ids of the captures that have returned.
func (c *capturing) committed() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ids)
}

// assertConsistentCopy checks a copy: it passes integrity_check, holds
// every id in want, and holds each capture whole (its votes, follows and
// "created" change) or not at all.
func assertConsistentCopy(t *testing.T, path string, want []int64) {
	t.Helper()
	report, err := CheckCopy(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	conn := readOnly(t, path)
	have := map[int64]bool{}
	for _, s := range tableRows(t, conn, `SELECT id FROM items`) {
		id, _ := strconv.ParseInt(strings.Trim(s, "[]"), 10, 64)
		have[id] = true
	}
	if int64(len(have)) != report.Items {
		t.Errorf("CheckCopy counted %d items, the copy has %d", report.Items, len(have))
	}
	var missing []int64
	for _, id := range want {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the copy lacks %d captures committed before the backup began, e.g. #%d", len(missing), missing[0])
	}
	if torn := tableRows(t, conn, `SELECT i.id FROM items i
		WHERE i.vote_count <> 2
		   OR (SELECT count(*) FROM item_votes v WHERE v.item_id = i.id) <> 2
		   OR (SELECT count(*) FROM item_followers f WHERE f.item_id = i.id) <> 2
		   OR NOT EXISTS (SELECT 1 FROM item_changes c WHERE c.item_id = i.id AND c.type = 'created')`); len(torn) > 0 {
		t.Errorf("captures only partly in the copy: %v", torn)
	}
	if counts := tableRows(t, conn, `SELECT (SELECT coalesce(sum(n), 0) FROM item_counts) = (SELECT count(*) FROM items)`); !slices.Equal(counts, []string{"[1]"}) {
		t.Error("item_counts in the copy disagree with its items")
	}
}

func TestBackupIsConsistentWhileCapturesCommit(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	c := startCapturing(t, db, 4)
	if !deadlineWait(func() bool { return len(c.committed()) >= 100 }) {
		t.Fatal("the writers committed fewer than 100 captures in 5s")
	}
	before := c.committed()
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := Backup(ctx, db.path, dest); err != nil {
		t.Fatal(err)
	}
	after := len(c.committed())
	// The writers were never held up: they go on committing.
	if !deadlineWait(func() bool { return len(c.committed()) >= after+20 }) {
		t.Error("the writers stopped committing after the backup")
	}
	c.stop()
	if len(c.errs) > 0 {
		t.Fatalf("a capture failed beside the backup: %v", c.errs[0])
	}
	assertConsistentCopy(t, dest, before)
}

func TestBackupRefusesAnExistingCopy(t *testing.T) {
	sqliteOnly(t)
	db := openTest(t)
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(dest, []byte("an older backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Backup(context.Background(), db.path, dest); err == nil {
		t.Error("Backup wrote over a file that was there")
	}
	if b, _ := os.ReadFile(dest); string(b) != "an older backup" {
		t.Errorf("the file there became %q", b)
	}
}

func TestCheckCopyRefusesADamagedFile(t *testing.T) {
	sqliteOnly(t)
	db := openTest(t)
	capture(t, db, "Something to copy", "")
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := Backup(context.Background(), db.path, dest); err != nil {
		t.Fatal(err)
	}
	if r, err := CheckCopy(context.Background(), dest); err != nil || r.Items != 1 || r.SchemaVersion != latestVersion(t) {
		t.Fatalf("CheckCopy of a good copy = %+v, %v", r, err)
	}
	b, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over every page after the first: the schema still reads,
	// the tables do not.
	for i := 4096; i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(dest, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckCopy(context.Background(), dest); err == nil {
		t.Error("CheckCopy passed a damaged file")
	}
}
