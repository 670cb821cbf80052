package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/storage"
)

// TestShellReadsAPipe: `printf … | liaison shell` on a fresh directory
// needs no tokens and no Slack, answers each line and keeps what it
// captured in the configured database.
func TestShellReadsAPipe(t *testing.T) {
	bin := buildLiaison(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "shell")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
	cmd.Stdin = strings.NewReader("/feedback feature: dark mode\n/backlog top\n")
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("liaison shell: %v\nstderr: %s", err, errs.String())
	}
	for _, want := range []string{"Captured as #1 · Feature request · new", "Top 10 open items", "#1 dark mode — feature request · new · 1 vote"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "shell on") {
		t.Errorf("a pipe got the interactive banner:\n%s", out.String())
	}
	db, err := storage.Open(context.Background(), filepath.Join(dir, "liaison-shell.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if it, err := db.Item(context.Background(), 1); err != nil || it.Title != "dark mode" {
		t.Errorf("stored #1 = %+v, %v", it, err)
	}
}

// TestShellRefusesTheBotsDatabase: the shell is a bot of its own; on the
// database `run` uses it would deliver that bot's waiting messages to the
// terminal, so it refuses it and creates nothing.
func TestShellRefusesTheBotsDatabase(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "liaison.db")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"shell", "--db", live}, []string{"LIAISON_DB=" + live}, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is the database `liaison run` uses") {
		t.Errorf("shell on the bot's database = %v", err)
	}
	if _, err := os.Stat(live); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused database was created: %v", err)
	}
}
