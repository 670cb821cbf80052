package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

func TestDigestPreviewOffline(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte(`timezone: Europe/Berlin
digests:
  - name: weekly-stakeholders
    channel: C0123STAKE
    schedule: "weekly mon 09:00"
    kinds: [feature]
`), 0o600)
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Migrate(ctx)
	for i, title := range []string{"Dark mode <!here>", "Login bug"} {
		kind := backlog.KindFeature
		if i == 1 {
			kind = backlog.KindBug
		}
		if _, err := db.Capture(ctx, storage.NewItem{Kind: kind, Title: title, Body: title, Reporter: "U0A", Capturer: "U0A",
			Capture: backlog.CaptureSlash}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	env := []string{"LIAISON_DB=" + dbPath}

	var out bytes.Buffer
	if err := run(ctx, []string{"--config", cfgPath, "digest", "preview"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"BACKLOG DIGEST — WEEKLY-STAKEHOLDERS", "(Europe/Berlin)", "New 1", "#1 Dark mode <!here>"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Login bug") {
		t.Error("the preview ignores the subscription's kinds")
	}

	out.Reset()
	if err := run(ctx, []string{"--config", cfgPath, "digest", "preview", "--format", "blocks", "--since", "36h"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(out.Bytes(), &blocks); err != nil || len(blocks) == 0 || blocks[0]["type"] != "header" {
		t.Errorf("blocks output = %v (%v):\n%s", blocks, err, out.String())
	}
	if strings.Contains(out.String(), "<!here>") {
		t.Error("the Block Kit output carries a raw <!here>")
	}
	for _, bad := range [][]string{{"digest"}, {"digest", "preview", "--since", "soon"}, {"digest", "preview", "--subscription", "nope"}} {
		if err := run(ctx, append([]string{"--config", cfgPath}, bad...), env, io.Discard, io.Discard); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}

func TestDigestPreviewWritesTheChart(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Migrate(ctx)
	db.Close()
	env := []string{"LIAISON_DB=" + dbPath}
	chart := filepath.Join(dir, "trend.png")
	var stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "preview", "--chart", chart}, env, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(chart); err == nil || !strings.Contains(stderr.String(), "no chart: nothing was opened") {
		t.Errorf("an empty backlog: chart written %v, said %q", err == nil, stderr.String())
	}
	db, _ = storage.Open(ctx, dbPath)
	db.Capture(ctx, storage.NewItem{Kind: backlog.KindFeature, Title: "Dark mode", Body: "Dark mode", Reporter: "U0A", Capturer: "U0A", Capture: backlog.CaptureSlash})
	db.Close()
	stderr.Reset()
	if err := run(ctx, []string{"digest", "preview", "--chart", chart}, env, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(chart)
	if err != nil {
		t.Fatalf("no chart written: %s", stderr.String())
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 1200 || cfg.Height != 600 {
		t.Errorf("chart = %+v, %v; want a 1200x600 PNG", cfg, err)
	}
	if !strings.Contains(stderr.String(), "chart written to "+chart) {
		t.Errorf("stderr = %q", stderr.String())
	}
}
