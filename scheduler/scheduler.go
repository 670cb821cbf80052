// Package scheduler runs named jobs on schedules, each in its own time
// zone, on robfig/cron. It knows no Slack and no SQL.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is work a schedule runs. due is the time it was scheduled for.
type Job = func(ctx context.Context, due time.Time) error

// Timing says when a job runs: Next after t, and Prev, the last run at or
// before t (which tells a run its due time).
type Timing = interface {
	Next(t time.Time) time.Time
	Prev(t time.Time) time.Time
}

// Scheduler runs named jobs on their schedules. A job's panic is recovered
// and logged; a run still going when the next is due is skipped. Jobs can
// be added and removed while it runs.
type Scheduler struct {
	log    *slog.Logger
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	entries map[string]cron.EntryID
}

// New makes a stopped scheduler; jobs run with contexts derived from ctx.
func New(ctx context.Context, log *slog.Logger) *Scheduler {
	adapter := cronLogger{log}
	ctx, cancel := context.WithCancel(ctx)
	return &Scheduler{
		log: log,
		// Recover sits inside SkipIfStillRunning, so a run that panics
		// still frees the job for its next run.
		cron:    cron.New(cron.WithLogger(adapter), cron.WithChain(cron.SkipIfStillRunning(adapter), cron.Recover(adapter))),
		ctx:     ctx,
		cancel:  cancel,
		entries: map[string]cron.EntryID{},
	}
}

// Add schedules job under name, replacing a job of the same name. Its
// errors are logged once, with the job's name.
func (s *Scheduler) Add(name string, t Timing, job Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.entries[name]; ok {
		s.cron.Remove(id)
	}
	s.entries[name] = s.cron.Schedule(t, cron.FuncJob(func() {
		due := t.Prev(time.Now()) // cron fires at, or just after, the time Next gave
		if err := job(s.ctx, due); err != nil {
			s.log.Error("scheduled job failed", "job", name, "due", due, "err", err)
		}
	}))
}

// Remove unschedules the job called name; unknown names are ignored.
func (s *Scheduler) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.entries[name]; ok {
		s.cron.Remove(id)
		delete(s.entries, name)
	}
}

// Start runs the scheduler in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels running jobs' context, and waits for them
// until ctx ends.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	s.cancel()
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: jobs still running at shutdown: %w", ctx.Err())
	}
}

// cronLogger sends cron's own logging to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
