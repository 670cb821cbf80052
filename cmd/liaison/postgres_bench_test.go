package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/storage/pgtest"
)

// BenchmarkBurstOnPostgres sends the delivery issue's capture burst — 1,000
// mentions over 20 channels at once — to the built binary on SQLite, on
// PostgreSQL, and to two replicas on one PostgreSQL, in the same run. Ack
// latency is from each envelope's first send; "late" counts envelopes not
// acked within Slack's 3 s (left for Slack to redeliver).
//
//	eval "$(scripts/test-postgres start $(mktemp -d))"
//	go test -run '^$' -bench BurstOnPostgres -benchtime=1x -count=3 ./cmd/liaison/
func BenchmarkBurstOnPostgres(b *testing.B) {
	bin := buildBinary(b)
	for _, c := range []struct {
		name     string
		pg       bool
		replicas int
	}{{"sqlite", false, 1}, {"postgres", true, 1}, {"postgres-2-replicas", true, 2}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				fake := slackfake.New(b)
				env := fakeEnv(fake, filepath.Join(b.TempDir(), "liaison.db"))
				if c.pg {
					fake.Spread()
					env = append(env, "LIAISON_DATABASE_URL="+pgtest.Schema(b))
				}
				env = append(env, "LIAISON_LOG_LEVEL=error", "LIAISON_HTTP_ADDR=")
				var pids []int
				for range c.replicas {
					cmd := exec.Command(bin, "run")
					cmd.Env = env
					if err := cmd.Start(); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
					pids = append(pids, cmd.Process.Pid)
				}
				botCPU := func() float64 {
					var s float64
					for _, pid := range pids {
						s += procCPU(b, pid)
					}
					return s
				}
				fake.WaitFor("the replicas connected", func() bool { return fake.OpenConnections() == c.replicas })

				const n, channels = 1000, 20
				cpu0 := botCPU()
				start := time.Now()
				sent := map[string]time.Time{}
				for i := range n {
					_, e := fake.SendMention(slackfake.Message{Channel: fmt.Sprintf("C0PGB%02d", i%channels), User: fmt.Sprintf("U0%04d", i%500),
						Text: fmt.Sprintf("<@%s> feature: request %d about %s", slackfake.BotUserID, i, loadWords[i%len(loadWords)])})
					sent[e.EnvelopeID] = e.SentAt
				}
				first := map[string]time.Time{}
				for deadline := time.Now().Add(30 * time.Second); len(first) < n && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					for _, a := range fake.Acks() {
						if _, ok := first[a.EnvelopeID]; !ok {
							first[a.EnvelopeID] = a.At
						}
					}
				}
				cpu := botCPU() - cpu0
				var lat []time.Duration
				var last time.Time
				late := n - len(first)
				for id, at := range first {
					d := at.Sub(sent[id])
					lat = append(lat, d)
					if d > 3*time.Second {
						late++
					}
					if at.After(last) {
						last = at
					}
				}
				b.ReportMetric(float64(len(first))/last.Sub(start).Seconds(), "captures/s")
				reportPercentiles(b, "ack", lat)
				b.ReportMetric(float64(late), "late")
				b.ReportMetric(cpu, "bot-cpu-s")
			}
		})
	}
}
