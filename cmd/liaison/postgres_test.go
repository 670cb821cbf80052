package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/storage/pgtest"
)

// sqliteWithHistory is a SQLite database at path holding what a backlog
// in use holds: captures with votes, follows, labels, scores, an
// assignee, a tracker link, status moves with notes, a merge and a digest.
func sqliteWithHistory(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)
	db.Now = func() time.Time { now = now.Add(time.Minute); return now }
	var ids []int64
	for i, title := range []string{"Dark mode for reports", "CSV export of invoices", "Export invoices as CSV", "Crash on login <!channel>", "Grüße aus Köln — 日本語 😀"} {
		kind := backlog.KindFeature
		if i == 3 {
			kind = backlog.KindBug
		}
		res, err := db.Capture(ctx, storage.NewItem{Kind: kind, Title: title, Body: title + ". We work at night.",
			Reporter: "U0BOB", Capturer: "U0ALICE", Capture: backlog.CaptureReaction,
			Source: backlog.Source{Team: "T1", Channel: "C1", TS: fmt.Sprintf("1700000000.%06d", i), Permalink: "https://x.slack.com/p" + fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Item.ID)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = db.Vote(ctx, ids[0], "U0CAROL")
	must(err)
	_, err = db.Follow(ctx, ids[1], "U0DAVE")
	must(err)
	_, err = db.SetLabels(ctx, ids[0], "U0ADMIN", []string{"reports", "ui"}, nil)
	must(err)
	_, err = db.SetScore(ctx, ids[0], "U0ADMIN", backlog.ScoreInput{Reach: f64(500), Impact: f64(2), Confidence: f64(0.8), Effort: f64(2)})
	must(err)
	_, err = db.Assign(ctx, ids[0], "U0ADMIN", "U0DEV")
	must(err)
	_, _, err = db.SetStatus(ctx, ids[0], "U0ADMIN", backlog.StatusPlanned, "next quarter", nil)
	must(err)
	_, _, err = db.SetStatus(ctx, ids[3], "U0ADMIN", backlog.StatusShipped, "fixed in 2.1", nil)
	must(err)
	must(db.Merge(ctx, ids[2], ids[1], "U0ADMIN", nil))
	_, err = db.Link(ctx, ids[1], "U0ADMIN", "https://github.com/acme/app/issues/7", nil)
	must(err)
}

func f64(v float64) *float64 { return &v }

func TestMigrateToPostgresKeepsEverythingAnExportShows(t *testing.T) {
	url := pgtest.Schema(t)
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	sqliteWithHistory(t, dbPath)
	sqliteEnv := []string{"LIAISON_DB=" + dbPath}
	pgEnv := []string{"LIAISON_DB=" + dbPath, "LIAISON_DATABASE_URL=" + url}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--to-postgres", url}, sqliteEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "5 items") {
		t.Errorf("migrate said %q, want the items it copied", out.String())
	}
	for _, format := range []string{"json", "csv"} {
		var fromSQLite, fromPG bytes.Buffer
		if err := run(context.Background(), []string{"export", "--format", format}, sqliteEnv, &fromSQLite, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := run(context.Background(), []string{"export", "--format", format}, pgEnv, &fromPG, io.Discard); err != nil {
			t.Fatal(err)
		}
		if fromPG.String() != fromSQLite.String() {
			t.Errorf("%s export from PostgreSQL:\n%s\nfrom SQLite:\n%s", format, fromPG.String(), fromSQLite.String())
		}
	}

	// The history, the stats and the next id come over too.
	ctx := context.Background()
	src, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := storage.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for id := int64(1); id <= 5; id++ {
		want, err1 := src.History(ctx, id)
		got, err2 := dst.History(ctx, id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("history of #%d on PostgreSQL = %+v (%v), want %+v (%v)", id, got, err2, want, err1)
		}
	}
	wantStats, _ := src.Stats(ctx)
	if got, err := dst.Stats(ctx); err != nil || !reflect.DeepEqual(got, wantStats) {
		t.Errorf("stats on PostgreSQL = %+v (%v), want %+v", got, err, wantStats)
	}
	res, err := dst.Capture(ctx, storage.NewItem{Kind: backlog.KindBug, Title: "After the move", Reporter: "U0BOB", Capturer: "U0BOB",
		Capture: backlog.CaptureSlash})
	if err != nil || res.Item.ID != 6 {
		t.Errorf("first capture after the move = #%d (%v), want #6", res.Item.ID, err)
	}

	// A second copy is refused: the target holds items, and stays as it is.
	var errOut bytes.Buffer
	code := report(run(context.Background(), []string{"migrate", "--to-postgres", url}, sqliteEnv, io.Discard, &errOut), &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "already holds items") {
		t.Errorf("second migrate: exit %d, %q; want 1 and that the target already holds items", code, errOut.String())
	}
}

func TestBackupOnPostgresSaysToUsePgDump(t *testing.T) {
	env := []string{"LIAISON_DATABASE_URL=postgres://liaison:hunter2@db.internal:5432/liaison"}
	var errOut bytes.Buffer
	code := report(run(context.Background(), []string{"backup", filepath.Join(t.TempDir(), "copy.db")}, env, io.Discard, &errOut), &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "pg_dump") || strings.Contains(errOut.String(), "hunter2") {
		t.Errorf("backup on PostgreSQL: exit %d, %q; want 1, pg_dump named and no password", code, errOut.String())
	}
}
