package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/scheduler"
	"github.com/liaisonbot/liaison/storage"
)

func TestRunServesHelpHealthAndStopsCleanly(t *testing.T) {
	fake := slackfake.New(t)
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run"}, fakeEnv(fake, dbPath), &stdout, &stderr) }()

	fake.WaitConnections(1)
	addr := listenAddr(t, fake, &stderr)

	env := fake.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	if ack := fake.WaitAck(env.EnvelopeID); !strings.Contains(string(ack.Payload), "/backlog help") {
		t.Errorf("/backlog help ack = %s", ack.Payload)
	}
	m, _ := fake.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> help"})
	fake.WaitCall("chat.postMessage", func(c slackfake.Call) bool { return c.Param("thread_ts") == m.TS })

	code, health := getHealth(t, addr)
	if code != http.StatusOK || health["status"] != "ok" || health["db"] != "ok" || health["slack"] != "connected" {
		t.Errorf("healthz = %d %v, want 200 ok/ok/connected", code, health)
	}
	var metrics []byte
	readMetrics := func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(metrics), "liaison_outbox_pending 0")
	}
	// The reply was posted; the gauge follows once it is recorded as sent.
	fake.WaitFor("the outbox to drain", readMetrics)
	for _, want := range []string{`liaison_envelopes_total{type="slash_commands"} 1`, "liaison_ack_seconds_count",
		`liaison_slack_api_calls_total{method="chat.postMessage"} 1`, "liaison_outbox_pending 0"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancel, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return within 15s of cancel")
	}
	// The last connection to close checkpoints and removes the WAL: the DB is closed.
	if _, err := os.Stat(dbPath + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s-wal still exists after run returned: the database was not closed (%v)", dbPath, err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the http listener is still up after run returned")
	}
	for _, tok := range []string{slackfake.BotToken, slackfake.AppToken} {
		if strings.Contains(stderr.String(), tok) || strings.Contains(stdout.String(), tok) {
			t.Error("a token reached the output")
		}
	}
	var starting, warnings int
	for _, l := range logLines(t, stderr.String()) {
		if l["msg"] == "starting" {
			starting++
			if l["config"] != "none: defaults and environment" || l["database"] != dbPath || l["level"] != "INFO" {
				t.Errorf("start-up line = %v", l)
			}
		}
		if msg, _ := l["msg"].(string); strings.HasPrefix(msg, "no admins: nobody can triage") && l["level"] == "WARN" {
			warnings++
		}
	}
	if starting != 1 || warnings != 1 {
		t.Errorf("run logged %d start-up lines and %d no-admin warnings, want 1 and 1:\n%s", starting, warnings, stderr.String())
	}
}

func TestHealthUnavailableWhenDisconnectedOrDBClosed(t *testing.T) {
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fake := slackfake.New(t)
	b := bot.New(bot.Config{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL()}, db, log, nil, scheduler.New(context.Background(), log))
	srv := httpHandler(db, b, prometheus.NewRegistry(), log, nil)

	get := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	// Not running, so not connected.
	code, body := get()
	if code != http.StatusServiceUnavailable || body != `{"status":"unavailable","db":"ok","slack":"disconnected"}`+"\n" {
		t.Errorf("healthz before connecting = %d %s", code, body)
	}
	db.Close()
	code, body = get()
	if code != http.StatusServiceUnavailable || body != `{"status":"unavailable","db":"unavailable","slack":"disconnected"}`+"\n" {
		t.Errorf("healthz with the DB closed = %d %s", code, body)
	}
}

func TestRunFailsFastWithoutTokens(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr syncBuffer
	start := time.Now()
	err := run(context.Background(), []string{"run"}, []string{"LIAISON_DB=x.db"}, &stdout, &stderr)
	if err == nil {
		t.Fatal("run without tokens succeeded")
	}
	for _, want := range []string{"slack.bot_token: missing; set SLACK_BOT_TOKEN", "slack.app_token: missing; set SLACK_APP_TOKEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat("x.db"); !errors.Is(err, os.ErrNotExist) {
		t.Error("run created the database before checking its configuration")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %v to refuse; it should not try to connect", d)
	}
}

func TestRunRefusesMissingDatabaseDirectory(t *testing.T) {
	fake := slackfake.New(t)
	env := fakeEnv(fake, filepath.Join(t.TempDir(), "no", "such", "dir", "liaison.db"))
	err := run(context.Background(), []string{"run"}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "storage.path: directory") || !strings.Contains(err.Error(), "LIAISON_DB") {
		t.Errorf("run with a missing directory = %v", err)
	}
}

func TestConfigFlagWorksBeforeAndAfterTheCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "c.yaml")
	dbPath := filepath.Join(dir, "from-config.db")
	if err := os.WriteFile(cfgPath, []byte("storage:\n  path: "+dbPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--config", cfgPath, "migrate"}, {"migrate", "--config", cfgPath}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, nil, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), dbPath) {
			t.Errorf("%v printed %q, want the configured path", args, out.String())
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	env := []string{"LIAISON_DB=" + dbPath}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	latest := latestSchema(t)
	want := fmt.Sprintf("%s: applied %d migration(s); schema version %d\n", dbPath, latest, latest)
	if out.String() != want {
		t.Errorf("first migrate printed %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s is up to date at schema version %d\n", dbPath, latest); out.String() != want {
		t.Errorf("second migrate printed %q, want %q", out.String(), want)
	}
}

// latestSchema is the schema version a new database migrates to.
func latestSchema(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "latest.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil || applied == 0 {
		t.Fatalf("migrate a new database: applied %d, %v", applied, err)
	}
	return applied
}

func TestVersionManifestAndUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "liaison dev (go") {
		t.Errorf("version printed %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"manifest"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "socket_mode_enabled: true") {
		t.Errorf("manifest output lacks socket_mode_enabled: true")
	}
	err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"help"}, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Commands:") {
		t.Errorf("help: %v, %q", err, out.String())
	}
}

// logLines decodes JSON log output, a record per line.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestStartupLogSaysWhatItRunsWith(t *testing.T) {
	path := writeFile(t, `
slack: {bot_token: xoxb-secret-1, app_token: xapp-secret-2}
storage: {path: /data/liaison.db}
admins: {users: [U0ADMIN1, U0ADMIN2], usergroup: S0PRODUCT}
capture:
  channels:
    - {channel: C0FEED, mode: all}
    - {channel: C0BUGS, mode: prefix, kind: bug}
digests:
  - {name: weekly, channel: C0STAKE, schedule: weekly mon 09:00, timezone: Europe/Berlin}
`)
	cfg, err := LoadConfig(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	stored := []storage.Subscription{
		{Name: "weekly", Channel: "C0OLD", Schedule: "daily 09:00", Timezone: "UTC", Origin: "config"}, // replaced by the file's at start
		{Name: "bugs", Channel: "C0DEV", Schedule: "daily 17:30", Timezone: "UTC", Origin: "slack"},
	}
	var out bytes.Buffer
	logStartup(slog.New(slog.NewJSONHandler(&out, nil)), cfg, 9, stored)
	lines := logLines(t, out.String())
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want the one start-up line:\n%s", len(lines), out.String())
	}
	got := lines[0]
	want := map[string]any{
		"level": "INFO", "msg": "starting",
		"config": path, "database": "/data/liaison.db", "migrations_applied": 9.0,
		"admins": []any{"U0ADMIN1", "U0ADMIN2"}, "admin_usergroup": "S0PRODUCT",
		"channels": []any{"C0FEED (all, feedback)", "C0BUGS (prefix, bug)"},
		"digests":  []any{"weekly: C0STAKE, weekly mon 09:00 (Europe/Berlin)", "bugs: C0DEV, daily 17:30 (UTC; made in Slack)"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if strings.Contains(out.String(), "secret") {
		t.Error("a token reached the start-up log")
	}

	// No file, no admins: said so, with a warning.
	out.Reset()
	logStartup(slog.New(slog.NewJSONHandler(&out, nil)), DefaultConfig(), 0, nil)
	lines = logLines(t, out.String())
	if len(lines) != 2 || lines[0]["config"] != "none: defaults and environment" || lines[0]["admin_usergroup"] != "none" ||
		!reflect.DeepEqual(lines[0]["admins"], []any{}) || !reflect.DeepEqual(lines[0]["digests"], []any{}) {
		t.Fatalf("start-up log without a file or admins:\n%s", out.String())
	}
	if lines[1]["level"] != "WARN" || !strings.Contains(lines[1]["msg"].(string), "no admins: nobody can triage") {
		t.Errorf("want a warning that nobody can triage, got %v", lines[1])
	}
}
