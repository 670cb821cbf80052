package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// BenchmarkBinaryLoad runs the built binary, as an operator would, against
// the test Slack in this process, and measures the bot process alone: 2,000
// capture mentions over 20 channels sent at once (burst), then 2,000 at
// 200 a second (steady). CPU and peak RSS come from /proc for the bot's
// pid, so the test Slack's own work is not counted.
//
//	go test -run '^$' -bench BinaryLoad -benchtime=1x -count=3 ./cmd/liaison/
func BenchmarkBinaryLoad(b *testing.B) {
	bin := buildBinary(b)
	for b.Loop() {
		fake := slackfake.New(b)
		cmd := exec.Command(bin, "run")
		cmd.Env = append(fakeEnv(fake, filepath.Join(b.TempDir(), "liaison.db")), "LIAISON_LOG_LEVEL=warn")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		fake.WaitConnections(1)
		const n, channels = 2000, 20
		send := func(run, i int) slackfake.Envelope {
			_, env := fake.SendMention(slackfake.Message{Channel: fmt.Sprintf("C0LOAD%02d", i%channels), User: fmt.Sprintf("U0%04d", i%500),
				Text: fmt.Sprintf("<@%s> feature: request %d of run %d about %s", slackfake.BotUserID, i, run, loadWords[i%len(loadWords)])})
			return env
		}
		acks := func(envs []slackfake.Envelope) ([]time.Duration, time.Time) {
			var lat []time.Duration
			var last time.Time
			for _, e := range envs {
				a := fake.WaitAck(e.EnvelopeID)
				lat = append(lat, a.Latency)
				if a.At.After(last) {
					last = a.At
				}
			}
			return lat, last
		}

		cpu0 := procCPU(b, cmd.Process.Pid)
		start := time.Now()
		var burst []slackfake.Envelope
		for i := range n {
			burst = append(burst, send(1, i))
		}
		lat, last := acks(burst)
		cpu := procCPU(b, cmd.Process.Pid) - cpu0
		b.ReportMetric(n/last.Sub(start).Seconds(), "burst-captures/s")
		reportPercentiles(b, "burst-ack", lat)
		b.ReportMetric(cpu/n*1000, "burst-cpu-s/1000")

		fake.WaitWithin(time.Minute, "the burst's after-ack work", func() bool { return procCPURate(b, cmd.Process.Pid) < 0.05 })
		var steady []slackfake.Envelope
		tick := time.NewTicker(5 * time.Millisecond)
		for i := range n {
			<-tick.C
			steady = append(steady, send(2, i))
		}
		tick.Stop()
		lat, _ = acks(steady)
		reportPercentiles(b, "steady-ack", lat)
		b.ReportMetric(procPeakRSS(b, cmd.Process.Pid), "peak-rss-MiB")
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}
