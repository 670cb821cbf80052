package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestJobsRunRecoverFromPanicsAndCanBeRemoved(t *testing.T) {
	logs := &syncBuf{}
	s := New(context.Background(), slog.New(slog.NewTextHandler(logs, nil)))
	var runs, panics atomic.Int32
	var lastDue atomic.Value
	s.Start()
	defer s.Stop(context.Background())
	s.Add("counter", fast(20*time.Millisecond), func(_ context.Context, due time.Time) error {
		runs.Add(1)
		lastDue.Store(due)
		return nil
	})
	s.Add("panicky", fast(20*time.Millisecond), func(context.Context, time.Time) error {
		panics.Add(1)
		panic("boom")
	})
	s.Add("failing", fast(20*time.Millisecond), func(context.Context, time.Time) error { return errors.New("no luck") })
	waitUntil(t, "three runs and a recovered panic", func() bool { return runs.Load() >= 3 && panics.Load() >= 2 })
	if due := lastDue.Load().(time.Time); due.IsZero() || due.After(time.Now()) {
		t.Errorf("due = %v", due)
	}
	waitUntil(t, "the failing job's error in the log", func() bool {
		return strings.Contains(logs.String(), "job=failing") && strings.Contains(logs.String(), "no luck")
	})
	s.Remove("counter")
	after := runs.Load()
	waitUntil(t, "more panicky runs", func() bool { return panics.Load() >= 5 })
	if runs.Load() > after+1 { // one run may have been in flight
		t.Errorf("removed job ran %d more times", runs.Load()-after)
	}
	s.mu.Lock()
	_, kept := s.entries["counter"]
	s.mu.Unlock()
	if n := len(s.cron.Entries()); kept || n != 2 {
		t.Errorf("after removing one of three jobs: its name kept %v, %d jobs scheduled, want 2", kept, n)
	}
}

func TestStopWaitsForRunningJobsWithDeadline(t *testing.T) {
	s := New(context.Background(), slog.New(slog.NewTextHandler(&syncBuf{}, nil)))
	started := make(chan struct{}, 10)
	s.Add("slow", fast(20*time.Millisecond), func(ctx context.Context, _ time.Time) error {
		started <- struct{}{}
		<-ctx.Done() // Stop cancels it
		return nil
	})
	s.Start()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Errorf("Stop = %v", err)
	}
}
