package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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
	bin := filepath.Join(b.TempDir(), "liaison")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
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

var loadWords = strings.Fields(`dashboard export report chart filter search login password invoice billing
	mobile offline sync calendar reminder webhook api token audit permission role team workspace`)

// reportPercentiles reports p50 and p99 of ds in milliseconds.
func reportPercentiles(b *testing.B, name string, ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.50), name+"-p50-ms")
	b.ReportMetric(pct(0.99), name+"-p99-ms")
}

// procCPU is a process's user and system CPU seconds, from /proc/PID/stat.
func procCPU(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which is in parentheses): utime is
	// the 14th field of the line, stime the 15th, in clock ticks (100/s).
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

// procCPURate is the share of a core the process used over the last 200 ms.
func procCPURate(b *testing.B, pid int) float64 {
	c0 := procCPU(b, pid)
	time.Sleep(200 * time.Millisecond)
	return (procCPU(b, pid) - c0) / 0.2
}

// procPeakRSS is a process's peak resident set (VmHWM) in MiB.
func procPeakRSS(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
