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

// benchAcks sends one envelope per iteration and reports ack latency
// percentiles and throughput (unit names what is counted). With quiet, each
// iteration also waits for the bot's post-ack work, so acks are measured on
// a bot with nothing else to do.
func benchAcks(b *testing.B, unit string, quiet bool, send func(h *harness, i int) slackfake.Envelope) {
	h := startBenchBot(b)
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	i := 0
	for b.Loop() {
		i++
		lat = append(lat, h.slack.WaitAck(send(h, i).EnvelopeID).Latency)
		if quiet {
			h.slack.WaitFor("idle", func() bool { return h.bot.Busy() == 0 })
		}
	}
	b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), unit)
	reportLatencies(b, lat)
}

// BenchmarkAckSlashHelp measures, end to end through the real slack-go client
// and a websocket, the time from the test Slack sending `/backlog help` to
// receiving its ack (with the help in the payload).
func BenchmarkAckSlashHelp(b *testing.B) {
	benchAcks(b, "acks/s", false, func(h *harness, _ int) slackfake.Envelope {
		return h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	})
}

// BenchmarkAckMention measures the ack of an app_mention, which also writes
// its event_id to the processed-events ledger in SQLite before the ack.
func BenchmarkAckMention(b *testing.B) {
	benchAcks(b, "acks/s", false, func(h *harness, _ int) slackfake.Envelope {
		_, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + "help"})
		return env
	})
}

// BenchmarkCaptureSlash measures a /feedback capture end to end: envelope
// sent → item committed in SQLite → confirmation rendered with the
// similar-items lookup (it rides in the ack) → ack received.
func BenchmarkCaptureSlash(b *testing.B) {
	benchAcks(b, "captures/s", false, func(h *harness, i int) slackfake.Envelope {
		return h.slack.SendSlash("/feedback", "feature: "+sentence(i), "U0ALICE", "C0GENERAL")
	})
}

// BenchmarkCaptureMention measures a mention capture: the item, its history
// event and the event_id ledger row commit in one transaction before the
// ack; the threaded confirmation, similar items and permalink follow it.
// captures/s counts that whole path.
func BenchmarkCaptureMention(b *testing.B) {
	benchAcks(b, "captures/s", true, func(h *harness, i int) slackfake.Envelope {
		_, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE",
			Text: fmt.Sprintf("%sbug: %s", bot, sentence(i))})
		return env
	})
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
