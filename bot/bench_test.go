package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

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
			h.slack.WaitFor("idle", func() bool { return h.inFlight() == 0 })
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
