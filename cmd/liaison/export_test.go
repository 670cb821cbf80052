package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// TestExportJSONHasEverySpecField captures through the running bot, as a
// workspace would, then reads the item back with `liaison export`.
func TestExportJSONHasEverySpecField(t *testing.T) {
	fake := slackfake.New(t)
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	env := fakeEnv(fake, dbPath)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run"}, env, io.Discard, io.Discard) }()
	fake.WaitConnections(1)

	m := fake.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Dark mode for reports\nAnalysts work late."})
	fake.WaitAck(fake.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m)).EnvelopeID)
	fake.WaitCall("chat.getPermalink", nil)

	// export works while the bot runs
	var out bytes.Buffer
	fake.WaitFor("the permalink in the export", func() bool {
		out.Reset()
		if err := run(context.Background(), []string{"export", "--format", "json"}, env, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(out.String(), "https://fake.slack.com/archives/")
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	var raw []map[string]any
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("export is not one JSON array: %v\n%s", err, out.String())
	}
	if len(raw) != 1 {
		t.Fatalf("%d items exported, want 1", len(raw))
	}
	got := raw[0]
	for _, field := range []string{"id", "kind", "status", "capture", "title", "body", "permalink", "source_channel", "source_ts",
		"reporter", "assignee", "tracker_url", "labels", "voters", "followers", "votes", "score", "reach", "impact",
		"confidence", "effort", "duplicate_of", "created_at", "updated_at"} {
		if _, ok := got[field]; !ok {
			t.Errorf("field %q missing", field)
		}
	}
	want := map[string]any{
		"id": 1.0, "kind": "feature", "status": "new", "capture": "reaction",
		"title": "Dark mode for reports", "body": "Dark mode for reports\nAnalysts work late.",
		"source_channel": "C0GENERAL", "source_ts": m.TS, "reporter": "U0BOB", "assignee": "", "tracker_url": "",
		"labels": []any{}, "voters": []any{"U0BOB", "U0ALICE"}, "followers": []any{"U0BOB", "U0ALICE"}, "votes": 2.0,
		"score": nil, "reach": nil, "impact": nil, "confidence": nil, "effort": nil, "duplicate_of": nil,
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if p, _ := got["permalink"].(string); !strings.HasPrefix(p, "https://fake.slack.com/archives/C0GENERAL/p") {
		t.Errorf("permalink = %q", p)
	}
	for _, k := range []string{"created_at", "updated_at"} {
		s, _ := got[k].(string)
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil || !strings.HasSuffix(s, "Z") || time.Since(ts) > time.Hour {
			t.Errorf("%s = %q: want RFC 3339 UTC, now-ish", k, s)
		}
	}
}

func TestExportEmptyAndCSV(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	migratedDB(t, dbPath)
	env := []string{"LIAISON_DB=" + dbPath}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"export"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[]\n" {
		t.Errorf("empty export = %q, want []", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"export", "--format", "csv"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 1 || !reflect.DeepEqual(rows[0], csvHeader) {
		t.Errorf("empty CSV = %v, %v", rows, err)
	}
	if err := run(context.Background(), []string{"export", "--format", "xml"}, env, io.Discard, io.Discard); err == nil {
		t.Error("--format xml accepted")
	}
}
