package scheduler

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// fast is a Timing that fires every so often, for tests that watch real runs.
type fast time.Duration

func (f fast) Next(t time.Time) time.Time { return t.Truncate(time.Duration(f)).Add(time.Duration(f)) }
func (f fast) Prev(t time.Time) time.Time { return t.Truncate(time.Duration(f)) }

// syncBuf is a log sink safe for the jobs' goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// waitUntil polls cond until it holds, failing the test after ten seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not timing the test
	}
}
