package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// TestBinarySignalsAndExitCodes builds the real binary and runs it as an
// operator would: it answers in Slack, exits 0 on SIGTERM, and exits 1 with
// one line per problem when the configuration is wrong.
func TestBinarySignalsAndExitCodes(t *testing.T) {
	bin := buildLiaison(t)
	fake := slackfake.New(t)
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	var stderr syncBuffer
	cmd := exec.Command(bin, "run")
	cmd.Env = fakeEnv(fake, dbPath)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	fake.WaitConnections(1)
	env := fake.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	if ack := fake.WaitAck(env.EnvelopeID); !strings.Contains(string(ack.Payload), "/backlog help") {
		t.Errorf("ack = %s", ack.Payload)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("liaison run exited with %v after SIGTERM, want 0\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("liaison run did not exit within 15s of SIGTERM")
	}
	if _, err := os.Stat(dbPath + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("database not closed: %s-wal remains", dbPath)
	}

	bad := exec.Command(bin, "run")
	bad.Env = []string{"LIAISON_DB=" + dbPath, "SLACK_APP_TOKEN=xoxb-swapped"}
	bad.Dir = t.TempDir()
	out, err := bad.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("run with bad tokens: %v, want exit status 1", err)
	}
	want := "liaison: the configuration has 2 problems:\n" +
		"  slack.bot_token: missing; set SLACK_BOT_TOKEN or slack.bot_token (copy the Bot User OAuth Token from OAuth & Permissions)\n" +
		"  slack.app_token: must start with xapp- (create one under Basic Information → App-Level Tokens with the connections:write scope); this one starts with xoxb-, so it may be the other token\n"
	if string(out) != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}

	// The exit status as a shell sees it: 0 for help and the version, 2 for
	// a mistake in the command line, 1 for a failure.
	noDB := filepath.Join(t.TempDir(), "none.db")
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0}, {[]string{"help", "export"}, 0}, {[]string{"digest", "preview", "-h"}, 0},
		{[]string{"--version"}, 0}, {[]string{"version"}, 0},
		{nil, 2}, {[]string{"frobnicate"}, 2}, {[]string{"export", "--frob"}, 2}, {[]string{"export", "--format", "xml"}, 2},
		{[]string{"digest"}, 2}, {[]string{"--config"}, 2},
		{[]string{"export"}, 1}, {[]string{"digest", "preview"}, 1},
	} {
		c := exec.Command(bin, tt.args...)
		c.Env = []string{"LIAISON_DB=" + noDB}
		c.Dir = t.TempDir()
		out, err := c.CombinedOutput()
		code := 0
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code {
			t.Errorf("liaison %v: exit %d, want %d\n%s", tt.args, code, tt.code, out)
		}
	}
	if _, err := os.Stat(noDB); !errors.Is(err, os.ErrNotExist) {
		t.Error("a read-only command created the database")
	}
}
