package bot

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/storage"
)

// The load benchmarks drive the real bot — slack-go's Socket Mode client
// over a real websocket, a real SQLite file with synchronous=FULL — with
// capture mentions spread over loadChannels channels. Each figure is one
// whole run per iteration; run them with -benchtime=1x -count=3 and quote
// the medians. CPU and RSS are the test process's, the test Slack included.
//
//	go test -run '^$' -bench 'Load' -benchtime=1x -count=3 ./bot/

const (
	loadCaptures = 2000
	loadChannels = 20
)

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMiB is the process's peak resident set size.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// loadMention is the i-th capture mention of a load run.
func loadMention(run, i int) slackfake.Message {
	return slackfake.Message{Channel: fmt.Sprintf("C0LOAD%02d", i%loadChannels), User: fmt.Sprintf("U0%04d", i%500),
		Text: fmt.Sprintf("%sfeature: %s (run %d, %d)", bot, sentence(run*loadCaptures+i), run, i)}
}

// waitAcks waits for the ack of every envelope and returns the latencies
// and the time the last one arrived.
func waitAcks(h *harness, envs []slackfake.Envelope) ([]time.Duration, time.Time) {
	lat := make([]time.Duration, 0, len(envs))
	var last time.Time
	for _, e := range envs {
		a := h.slack.WaitAck(e.EnvelopeID)
		lat = append(lat, a.Latency)
		if a.At.After(last) {
			last = a.At
		}
	}
	return lat, last
}

// BenchmarkLoadBurst sends 2,000 capture mentions at once and reports
// captures committed (fsync'ed) and acked per second, ack p50/p99, CPU per
// 1,000 captures and peak RSS.
func BenchmarkLoadBurst(b *testing.B) {
	h := startBenchBot(b)
	run := 0
	var rate, cpu float64
	var lat []time.Duration
	for b.Loop() {
		run++
		envs := make([]slackfake.Envelope, 0, loadCaptures)
		cpu0 := cpuSeconds()
		start := time.Now()
		for i := range loadCaptures {
			_, env := h.slack.SendMention(loadMention(run, i))
			envs = append(envs, env)
		}
		sent := time.Since(start)
		l, last := waitAcks(h, envs)
		rate = loadCaptures / last.Sub(start).Seconds()
		b.ReportMetric(float64(sent.Milliseconds()), "send-ms")
		cpu = (cpuSeconds() - cpu0) / loadCaptures * 1000
		lat = l
		b.StopTimer()
		h.slack.WaitWithin(time.Minute, "the captures' after-ack work", func() bool { return h.inFlight() == 0 })
		b.StartTimer()
	}
	b.ReportMetric(rate, "captures/s")
	b.ReportMetric(cpu, "cpu-s/1000")
	b.ReportMetric(peakRSSMiB(), "peak-rss-MiB")
	reportLatencies(b, lat)
}

// BenchmarkLoadSteady sends 200 capture mentions a second for 10 s and
// reports ack p50/p99.
func BenchmarkLoadSteady(b *testing.B) {
	h := startBenchBot(b)
	run := 0
	var lat []time.Duration
	for b.Loop() {
		run++
		envs := make([]slackfake.Envelope, 0, loadCaptures)
		tick := time.NewTicker(5 * time.Millisecond)
		for i := range loadCaptures {
			<-tick.C
			_, env := h.slack.SendMention(loadMention(run, i))
			envs = append(envs, env)
		}
		tick.Stop()
		lat, _ = waitAcks(h, envs)
		b.StopTimer()
		h.slack.WaitWithin(time.Minute, "the captures' after-ack work", func() bool { return h.inFlight() == 0 })
		b.StartTimer()
	}
	reportLatencies(b, lat)
}

// BenchmarkLoadRawInsert is the ceiling to compare the bot with: single-row
// autocommit inserts into the same schema (triggers and full-text index
// included), on a file with the same pragmas, for 2 s.
func BenchmarkLoadRawInsert(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	var rate float64
	n := 0
	for b.Loop() {
		start := time.Now()
		count := 0
		for time.Since(start) < 2*time.Second {
			n++
			now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
			if _, err := raw.ExecContext(ctx, `
				INSERT INTO items (kind, status, title, body, reporter, capturer, capture,
					source_team, source_channel, source_ts, created_at, updated_at)
				VALUES ('feature', 'new', ?, ?, 'U1', 'U1', 'mention', 'T1', 'C1', ?, ?, ?)`,
				sentence(n), sentence(n), fmt.Sprintf("1700000000.%06d", n), now, now); err != nil {
				b.Fatal(err)
			}
			count++
		}
		rate = float64(count) / time.Since(start).Seconds()
	}
	b.ReportMetric(rate, "inserts/s")
}
