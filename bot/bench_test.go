package bot

import (
	"sort"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// reportLatencies reports p50 and p99 of ds in milliseconds.
func reportLatencies(b *testing.B, ds []time.Duration) {
	b.Helper()
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) float64 {
		return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "ack-p50-ms")
	b.ReportMetric(pct(0.99), "ack-p99-ms")
}

// BenchmarkAckSlashHelp measures, end to end through the real slack-go client
// and a websocket, the time from the test Slack sending `/backlog help` to
// receiving its ack (with the help in the payload).
func BenchmarkAckSlashHelp(b *testing.B) {
	h := startBenchBot(b)
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	for b.Loop() {
		env := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
		lat = append(lat, h.slack.WaitAck(env.EnvelopeID).Latency)
	}
	b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "acks/s")
	reportLatencies(b, lat)
}

// BenchmarkAckMention measures the ack of an app_mention, which also writes
// its event_id to the processed-events ledger in SQLite before the ack.
func BenchmarkAckMention(b *testing.B) {
	h := startBenchBot(b)
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	for b.Loop() {
		_, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> help"})
		lat = append(lat, h.slack.WaitAck(env.EnvelopeID).Latency)
	}
	b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "acks/s")
	reportLatencies(b, lat)
}
