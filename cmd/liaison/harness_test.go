package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// syncBuffer collects a command's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeEnv is the environment of SPEC §8 pointing at a test Slack.
func fakeEnv(fake *slackfake.Server, dbPath string) []string {
	return []string{
		"SLACK_BOT_TOKEN=" + slackfake.BotToken,
		"SLACK_APP_TOKEN=" + slackfake.AppToken,
		"LIAISON_SLACK_API_URL=" + fake.APIURL(),
		"LIAISON_DB=" + dbPath,
		"LIAISON_HTTP_ADDR=127.0.0.1:0",
		"LIAISON_LOG_LEVEL=debug",
		"LIAISON_LOG_FORMAT=json",
	}
}

// listenAddr waits for the "http listening" log line and returns its address.
func listenAddr(t *testing.T, fake *slackfake.Server, logs *syncBuffer) string {
	t.Helper()
	var addr string
	fake.WaitFor("the http listening log line", func() bool {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "http listening" {
				addr = line.Addr
				return true
			}
		}
		return false
	})
	return addr
}

// getHealth asks /healthz and returns its status code and its one-line JSON body.
func getHealth(t *testing.T, addr string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if bytes.Count(body, []byte("\n")) != 1 {
		t.Errorf("healthz body %q is not one line", body)
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("healthz body %q: %v", body, err)
	}
	return resp.StatusCode, m
}

// buildLiaison builds the static binary into the test's temp dir (skipped
// under -short).
func buildLiaison(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return buildBinary(t)
}

// buildBinary builds the static binary, as the Dockerfile does, into tb's temp dir.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "liaison")
	build := exec.Command("scripts/build-static", bin)
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("scripts/build-static: %v\n%s", err, out)
	}
	return bin
}

// validTokens is an environment with well-formed tokens.
var validTokens = map[string]string{
	"SLACK_BOT_TOKEN": "xoxb-1-2-abc",
	"SLACK_APP_TOKEN": "xapp-1-A1-2-def",
}

// writeFile writes content as a config.yaml in a temp dir and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCLI runs the command line as main does and returns what it printed and
// its exit status.
func runCLI(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut syncBuffer
	code = report(run(context.Background(), args, env, &out, &errOut), &errOut)
	return out.String(), errOut.String(), code
}

// migratedDB creates a database at path with `liaison migrate`.
func migratedDB(t *testing.T, path string) {
	t.Helper()
	if _, stderr, code := runCLI(t, []string{"LIAISON_DB=" + path}, "migrate"); code != 0 {
		t.Fatalf("migrate %s: exit %d\n%s", path, code, stderr)
	}
}

// loadWords vary the load test's capture text, as real requests do.
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
