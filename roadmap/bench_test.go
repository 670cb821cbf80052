package roadmap

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// BenchmarkRoadmapPage renders /roadmap over 10,000 open items (a quarter
// each in progress, planned and triaged, the rest shipped lately), a fifth
// labelled, with the default "none: [internal]" filter; unfiltered and by
// label. It reports p50/p99 per render.
//
//	go test -run '^$' -bench RoadmapPage -benchtime 500x -count 3 ./roadmap/
func BenchmarkRoadmapPage(b *testing.B) {
	db := backlogDB(b)
	statuses := []backlog.Status{backlog.StatusInProgress, backlog.StatusPlanned, backlog.StatusTriaged, backlog.StatusShipped}
	var wg sync.WaitGroup
	work := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				var labels []string
				if i%5 == 0 {
					labels = []string{fmt.Sprintf("area-%d", i%7)}
				}
				add(b, db, backlog.KindFeature, fmt.Sprintf("Request number %d about reports", i), statuses[i%4], labels...)
			}
		}()
	}
	for i := range 10000 {
		work <- i
	}
	close(work)
	wg.Wait()
	srv := New(Config{Labels: backlog.DigestFilter{None: []string{"internal"}}}, db, nil)
	for _, path := range []string{"/roadmap", "/roadmap?label=area-0"} {
		b.Run(path, func(b *testing.B) {
			var ds []time.Duration
			for b.Loop() {
				rec := httptest.NewRecorder()
				start := time.Now()
				srv.page(rec, httptest.NewRequest(http.MethodGet, path, nil))
				ds = append(ds, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("%s = %d", path, rec.Code)
				}
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
