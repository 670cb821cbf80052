package bot

import (
	"fmt"
	"sort"
	"strings"
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

// BenchmarkCaptureSlash measures a /feedback capture end to end: envelope
// sent → item committed in SQLite → confirmation rendered with the
// similar-items lookup (it rides in the ack) → ack received.
func BenchmarkCaptureSlash(b *testing.B) {
	h := startBenchBot(b)
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	i := 0
	for b.Loop() {
		i++
		env := h.slack.SendSlash("/feedback", "feature: "+sentence(i), "U0ALICE", "C0GENERAL")
		lat = append(lat, h.slack.WaitAck(env.EnvelopeID).Latency)
	}
	b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "captures/s")
	reportLatencies(b, lat)
}

// BenchmarkCaptureMention measures a mention capture: the item, its history
// event and the event_id ledger row commit in one transaction before the
// ack; the threaded confirmation follows it. captures/s counts the whole
// path, confirmation and permalink included.
func BenchmarkCaptureMention(b *testing.B) {
	h := startBenchBot(b)
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	i := 0
	for b.Loop() {
		i++
		_, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE",
			Text: fmt.Sprintf("%sbug: %s", bot, sentence(i))})
		lat = append(lat, h.slack.WaitAck(env.EnvelopeID).Latency)
		// The confirmation, similar-items lookup and permalink follow the
		// ack; let them finish so each ack is measured on a quiet bot.
		h.slack.WaitFor("idle", func() bool { return h.bot.Busy() == 0 })
	}
	b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "captures/s")
	reportLatencies(b, lat)
}

// words is a product vocabulary for realistic, varied request titles.
var words = strings.Fields(`dashboard export report chart filter search login password invoice billing
	mobile offline sync calendar reminder webhook api token audit permission role team workspace
	notification email slack integration import csv pdf print theme dark layout table column sort
	timezone language translation onboarding signup trial upgrade plan seat approval workflow`)

// sentence makes the i-th title: five words drawn deterministically.
func sentence(i int) string {
	w := make([]string, 5)
	x := uint64(i)*2654435761 + 1
	for j := range w {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		w[j] = words[x%uint64(len(words))]
	}
	return strings.Join(w, " ")
}
