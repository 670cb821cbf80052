package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// BenchmarkCaptureGroupCommit measures captures committed per second when
// 64 callers capture at once (group commit), synchronous=FULL.
func BenchmarkCaptureGroupCommit(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				n := sampleItem(fmt.Sprintf("1700000000.%06d", i), "U1", "U1", fmt.Sprintf("Dark mode for reports number %d", i))
				n.EventID = fmt.Sprint("Ev", i)
				n.Confirm = func(r CaptureResult) []OutboxMessage {
					return []OutboxMessage{{Key: fmt.Sprint("reply:", i), Channel: "C1", ThreadTS: "1.1", Text: "Captured", Blocks: `[{"type":"section"}]`}}
				}
				if _, err := db.Capture(ctx, n); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	i := 0
	for b.Loop() {
		i++
		work <- i
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "captures/s")
}
