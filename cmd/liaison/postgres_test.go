package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/storage/pgtest"
)

func TestMigrateToPostgresKeepsEverythingAnExportShows(t *testing.T) {
	url := pgtest.Schema(t)
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	awkwardDB(t, dbPath) // scores, votes, labels, a merge, a decline, a link, hard text
	sqliteEnv := []string{"LIAISON_DB=" + dbPath}
	pgEnv := []string{"LIAISON_DB=" + dbPath, "LIAISON_DATABASE_URL=" + url}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--to-postgres", url}, sqliteEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "8 items") {
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
	for id := int64(1); id <= 8; id++ {
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
	if err != nil || res.Item.ID != 9 {
		t.Errorf("first capture after the move = #%d (%v), want #9", res.Item.ID, err)
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
