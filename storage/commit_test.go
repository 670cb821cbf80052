package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGroupCommitSharesTransactions(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	groups0, writes0 := db.Commits()
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.Capture(ctx, sampleItem(fmt.Sprintf("1700000000.%06d", i), "U1", "U1", fmt.Sprintf("Request %d", i)))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var count int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("items = %d, want %d", count, n)
	}
	groups, writes := db.Commits()
	groups, writes = groups-groups0, writes-writes0
	if writes != n {
		t.Errorf("writes committed = %d, want %d", writes, n)
	}
	if groups >= n {
		t.Errorf("%d commits for %d concurrent captures: writes waiting together did not share a transaction", groups, n)
	}
	t.Logf("%d captures in %d commits", n, groups)
}

func TestGroupCommitFailedWriteUndoesOnlyItself(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	release := holdCommitter(t, db) // the three writes below land in one group
	boom := errors.New("boom")
	results := make([]chan error, 3)
	for i := range results {
		results[i] = make(chan error, 1)
		go func() {
			results[i] <- db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO processed_events (event_id, processed_at) VALUES (?, 'x')`, fmt.Sprint("ev", i)); err != nil {
					return err
				}
				if i == 1 {
					return boom
				}
				return nil
			})
		}()
	}
	waitQueued(t, db, 3)
	close(release)
	for i, ch := range results {
		err := <-ch
		if want := i == 1; errors.Is(err, boom) != want {
			t.Errorf("write %d: err = %v", i, err)
		}
	}
	for i := range 3 {
		seen, err := db.EventSeen(ctx, fmt.Sprint("ev", i))
		if err != nil {
			t.Fatal(err)
		}
		if want := i != 1; seen != want {
			t.Errorf("ev%d stored = %v, want %v", i, seen, want)
		}
	}
}

func TestGroupCommitFailureFailsEveryWriteInIt(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	release := holdCommitter(t, db)
	results := make([]chan error, 2)
	for i := range results {
		results[i] = make(chan error, 1)
		go func() {
			results[i] <- db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO processed_events (event_id, processed_at) VALUES (?, 'x')`, fmt.Sprint("ev", i))
				if err != nil || i == 0 {
					return err
				}
				// A vote for no item, its foreign key checked only at commit:
				// the group's commit fails.
				if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
					return err
				}
				_, err = tx.ExecContext(ctx, `INSERT INTO item_votes (item_id, "user", created_at) VALUES (999999, 'U1', 'x')`)
				return err
			})
		}()
	}
	waitQueued(t, db, 2)
	close(release)
	for i, ch := range results {
		if err := <-ch; err == nil {
			t.Errorf("write %d succeeded though its group failed", i)
		}
	}
	for i := range 2 {
		if seen, _ := db.EventSeen(ctx, fmt.Sprint("ev", i)); seen {
			t.Errorf("ev%d stored from a group that failed", i)
		}
	}
}

func TestWritesQueuedBeforeCloseCommit(t *testing.T) {
	sqliteOnly(t)
	db := openTest(t)
	ctx := context.Background()
	if err := db.MarkEventProcessed(ctx, "ev1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.MarkEventProcessed(ctx, "ev2"); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close: err = %v, want ErrClosed", err)
	}
}

func TestPruneOutboxKeepsWhatIsPendingOrAwaited(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return old }
	msgs := []OutboxMessage{
		{Key: "sent", Channel: "C1", Text: "a"},
		{Key: "parent", Channel: "C1", Text: "b"},
		{Key: "child", Channel: "C1", Text: "c", ThreadOf: "parent"},
		{Key: "pending", Channel: "C1", Text: "d"},
	}
	if err := db.Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"sent", "parent"} {
		r, ok := readOutbox(t, db, key)
		if !ok {
			t.Fatalf("%s is not in the outbox", key)
		}
		if err := db.OutboxSent(ctx, r.ID, "C1", "1.1"); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.PruneOutbox(ctx, old.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the one sent message nothing waits for", n, err)
	}
	for _, key := range []string{"parent", "child", "pending"} {
		if _, ok := readOutbox(t, db, key); !ok {
			t.Errorf("%s was pruned", key)
		}
	}
}

func TestRefusalThatWroteNothingDoesNotReplayItsGroup(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTest(t)
	release := holdCommitter(t, db)
	refused := errors.New("refused")
	var runs atomic.Int64 // how often write 0 ran: a replay runs it twice
	results := make([]chan error, 3)
	for i := range results {
		results[i] = make(chan error, 1)
		go func() {
			results[i] <- db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
				if i == 0 {
					runs.Add(1)
				}
				if i == 1 {
					var n int
					_ = tx.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n)
					return refused // read, wrote nothing
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO processed_events (event_id, processed_at) VALUES (?, 'x')`, fmt.Sprint("ev", i))
				return err
			})
		}()
	}
	waitQueued(t, db, 3)
	groups0, _ := db.Commits()
	close(release)
	for i, ch := range results {
		if err := <-ch; errors.Is(err, refused) != (i == 1) {
			t.Errorf("write %d: err = %v", i, err)
		}
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("write 0 ran %d times: the refusal replayed its group", n)
	}
	if groups, _ := db.Commits(); groups-groups0 != 2 {
		t.Errorf("%d groups committed, want 2 (the held write's, then the three)", groups-groups0)
	}
	for _, ev := range []string{"ev0", "ev2"} {
		if seen, _ := db.EventSeen(ctx, ev); !seen {
			t.Errorf("%s not stored", ev)
		}
	}
}
