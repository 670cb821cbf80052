package storage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// twoReplicas opens two DBs on one PostgreSQL schema, as two replicas do,
// with clocks the test moves; SQLite serves one process and skips.
func twoReplicas(t *testing.T) (a, b *DB, clock *time.Time) {
	t.Helper()
	if !onPostgres() {
		t.Skip("replicas share a database on PostgreSQL only (LIAISON_TEST_STORAGE=postgres)")
	}
	store := newStore(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock = &now
	for _, db := range []**DB{&a, &b} {
		d, err := openAt(context.Background(), store)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.Now = func() time.Time { return *clock }
		*db = d
	}
	return a, b, clock
}

func TestOutboxMessageIsSentByOneReplicaUntilItsLeaseExpires(t *testing.T) {
	ctx := context.Background()
	a, b, clock := twoReplicas(t)
	if err := a.Enqueue(ctx, OutboxMessage{Key: "m1", Channel: "C1", Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	due, err := a.DueOutbox(ctx, 10, nil)
	if err != nil || len(due) != 1 {
		t.Fatalf("due on a = %v, %v; want the message", due, err)
	}
	if ok, _, err := a.ClaimOutbox(ctx, due[0].ID, "C1", 0, 0); err != nil || !ok {
		t.Fatalf("a's claim = %v, %v; want it", ok, err)
	}
	if ok, _, err := b.ClaimOutbox(ctx, due[0].ID, "C1", 0, 0); err != nil || ok {
		t.Errorf("b's claim of a's message = %v, %v; want refused", ok, err)
	}
	if due, err := b.DueOutbox(ctx, 10, nil); err != nil || len(due) != 0 {
		t.Errorf("due on b while a holds the message = %d, %v; want none", len(due), err)
	}
	// b wakes for it when a's claim runs out, not at its next idle poll.
	if next, ok, err := b.NextOutboxDue(ctx, *clock); err != nil || !ok || !next.Equal(clock.Add(OutboxLease)) {
		t.Errorf("b's next due = %v, %v, %v; want when a's claim runs out, %v", next, ok, err, clock.Add(OutboxLease))
	}
	// A send that takes long renews the claim: it stays a's past the first lease.
	*clock = clock.Add(OutboxLease - time.Second)
	if err := a.RenewOutboxClaim(ctx, due[0].ID); err != nil {
		t.Fatal(err)
	}
	*clock = clock.Add(2 * time.Second)
	if ok, _, err := b.ClaimOutbox(ctx, due[0].ID, "C1", 0, 0); err != nil || ok {
		t.Errorf("b's claim of a renewed message = %v, %v; want refused", ok, err)
	}
	// a dies holding it: once the lease runs out, b sends it.
	*clock = clock.Add(OutboxLease + time.Second)
	if due, err := b.DueOutbox(ctx, 10, nil); err != nil || len(due) != 1 {
		t.Errorf("due on b after a's lease = %d, %v; want the message", len(due), err)
	}
	if ok, _, err := b.ClaimOutbox(ctx, due[0].ID, "C1", 0, 0); err != nil || !ok {
		t.Fatalf("b's claim after a's lease = %v, %v; want it", ok, err)
	}
	if err := b.OutboxSent(ctx, due[0].ID, "C1", "1.1"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := a.ClaimOutbox(ctx, due[0].ID, "C1", 0, 0); err != nil || ok {
		t.Errorf("a's claim of a sent message = %v, %v; want refused", ok, err)
	}
}

func TestReplicasSpendOneBudgetPerDestination(t *testing.T) {
	ctx := context.Background()
	a, b, clock := twoReplicas(t)
	var msgs []OutboxMessage
	for i := range 5 {
		msgs = append(msgs, OutboxMessage{Key: fmt.Sprint("m", i), Channel: "C1", Text: "hello"})
	}
	if err := a.Enqueue(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	due, err := a.DueOutbox(ctx, 10, nil)
	if err != nil || len(due) != 5 {
		t.Fatalf("due = %d, %v", len(due), err)
	}
	// One a second, three at once: a sends two, b one, then neither may.
	for i, db := range []*DB{a, b, a} {
		if ok, _, err := db.ClaimOutbox(ctx, due[i].ID, "C1", 1, 3); err != nil || !ok {
			t.Fatalf("claim %d = %v, %v; want it within the burst", i, ok, err)
		}
		if err := db.OutboxSent(ctx, due[i].ID, "C1", fmt.Sprint("1.", i)); err != nil {
			t.Fatal(err)
		}
	}
	ok, retryAt, err := b.ClaimOutbox(ctx, due[3].ID, "C1", 1, 3)
	if err != nil || ok || !retryAt.Equal(clock.Add(time.Second)) {
		t.Errorf("fourth claim = %v, retry at %v, %v; want refused until a second on", ok, retryAt, err)
	}
	// A 429's Retry-After on one replica holds the destination on both.
	*clock = clock.Add(time.Second)
	if err := a.HoldDestination(ctx, "C1", clock.Add(30*time.Second), 1, 3); err != nil {
		t.Fatal(err)
	}
	if ok, retryAt, err := b.ClaimOutbox(ctx, due[3].ID, "C1", 1, 3); err != nil || ok || !retryAt.Equal(clock.Add(30*time.Second)) {
		t.Errorf("claim during Retry-After = %v, retry at %v, %v; want refused until it ends", ok, retryAt, err)
	}
	*clock = clock.Add(30 * time.Second)
	if ok, _, err := b.ClaimOutbox(ctx, due[3].ID, "C1", 1, 3); err != nil || !ok {
		t.Errorf("claim after Retry-After = %v, %v; want it", ok, err)
	}
}

func TestLeaseIsHeldByOneReplicaAtATime(t *testing.T) {
	ctx := context.Background()
	a, b, clock := twoReplicas(t)
	for _, step := range []struct {
		db   *DB
		name string
		want bool
		wait time.Duration
	}{
		{a, "a takes it", true, 0},
		{b, "b while a holds it", false, 0},
		{a, "a renews it", true, time.Minute},
		{b, "b before the renewal runs out", false, time.Minute + time.Second},
		{b, "b after it ran out", true, 0},
		{a, "a after b took it", false, 0},
	} {
		held, err := step.db.TakeLease(ctx, "trackers", 2*time.Minute)
		if err != nil || held != step.want {
			t.Errorf("%s: held = %v, %v; want %v", step.name, held, err, step.want)
		}
		*clock = clock.Add(step.wait)
	}
}

func TestConcurrentCapturesOfOneMessageOnTwoReplicasAreOneItem(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoReplicas(t)
	for i := range 20 {
		n := sampleItem(fmt.Sprintf("9.%d", i), "U1", "U1", "Dark mode")
		res := make(chan CaptureResult, 2)
		errs := make(chan error, 2)
		for _, db := range []*DB{a, b} {
			go func() {
				r, err := db.Capture(ctx, n)
				res <- r
				errs <- err
			}()
		}
		r1, r2 := <-res, <-res
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if r1.Item.ID != r2.Item.ID || r1.Created == r2.Created {
			t.Fatalf("capture %d on both: #%d created=%v and #%d created=%v; want one item, created once", i, r1.Item.ID, r1.Created, r2.Item.ID, r2.Created)
		}
	}
	if s, err := a.Stats(ctx); err != nil || s.Total != 20 {
		t.Errorf("stats = %+v, %v; want 20 items", s, err)
	}
}

func TestRationedMessageIsEnqueuedOnceBetweenReplicas(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoReplicas(t)
	for i := range 20 {
		prefix := fmt.Sprintf("digest-now:C%d:", i)
		oks := make(chan bool, 2)
		for k, db := range []*DB{a, b} {
			go func() {
				_, ok, err := db.EnqueueUnlessRecent(ctx, prefix, 10*time.Minute,
					[]OutboxMessage{{Key: fmt.Sprint(prefix, k), Channel: "C1", Text: "digest"}})
				if err != nil {
					t.Error(err)
				}
				oks <- ok
			}()
		}
		if n := btoi(<-oks) + btoi(<-oks); n != 1 {
			t.Fatalf("trial %d: %d of two simultaneous callers enqueued, want one", i, n)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestTimesReadBackAreUTCWhateverTheHostZone(t *testing.T) {
	if !onPostgres() {
		t.Skip("SQLite stores text in UTC; the zone matters to PostgreSQL's timestamptz")
	}
	if os.Getenv("LIAISON_TEST_ZONE_CHILD") != "" {
		timesReadBackAreUTC(t)
		return
	}
	// The host's zone is fixed when a process starts: each is a process of its own.
	for _, zone := range []string{"Asia/Tokyo", "America/New_York"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTimesReadBackAreUTCWhateverTheHostZone$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TZ="+zone, "LIAISON_TEST_ZONE_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("with TZ=%s: %v\n%s", zone, err, out)
		}
	}
}

// timesReadBackAreUTC runs in a process whose zone is not UTC.
func timesReadBackAreUTC(t *testing.T) {
	if _, off := time.Now().Zone(); off == 0 {
		t.Fatalf("TZ=%s did not move this process off UTC", os.Getenv("TZ"))
	}
	ctx := context.Background()
	db := openTest(t)
	id := capture(t, db, "Dark mode", "")
	f, err := db.StartFiling(ctx, id, "github", time.Minute)
	if err != nil || !f.Started {
		t.Fatalf("first filing = %+v, %v", f, err)
	}
	if f, _ := db.StartFiling(ctx, id, "github", time.Minute); f.Started || !f.Busy {
		t.Errorf("second filing a moment later = %+v, want busy", f)
	}
	var raw time.Time
	if err := db.read.QueryRowContext(ctx, `SELECT created_at FROM items WHERE id = ?`, id).Scan(&raw); err != nil || raw.Location() != time.UTC {
		t.Errorf("created_at read as %v (%v), want a UTC time", raw, err)
	}
}
