package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/storage"
)

// readOnlyCommands are the commands that read a database and must never create one.
var readOnlyCommands = [][]string{{"export"}, {"export", "--format", "csv"}, {"digest", "preview"}}

func TestReadOnlyCommandsRefuseAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	for name, dbPath := range map[string]string{
		"absolute":          filepath.Join(dir, "liaison.db"),
		"relative":          "liaison.db",
		"missing directory": filepath.Join(dir, "no", "such", "liaison.db"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(dir)
			abs, _ := filepath.Abs(dbPath)
			want := "liaison: no database at " + abs + "; run `liaison migrate` or `liaison run` first, or set storage.path / LIAISON_DB\n"
			for _, args := range readOnlyCommands {
				stdout, stderr, code := runCLI(t, []string{"LIAISON_DB=" + dbPath}, args...)
				if code != 1 || stderr != want || stdout != "" {
					t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1 and\n%s", args, code, stdout, stderr, want)
				}
				if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("%v created %s", args, dbPath)
				}
			}
		})
	}
}

func TestReadOnlyCommandsRefuseAnUnmigratedDatabase(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	if err := os.WriteFile(dbPath, nil, 0o600); err != nil { // an empty file is an SQLite database at version 0
		t.Fatal(err)
	}
	latest := latestSchema(t)
	env := []string{"LIAISON_DB=" + dbPath}
	want := fmt.Sprintf("liaison: %s is at schema version 0 and this liaison reads version %d; run `liaison migrate` first\n", dbPath, latest)
	for _, args := range readOnlyCommands {
		if _, stderr, code := runCLI(t, env, args...); code != 1 || stderr != want {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", args, code, stderr, want)
		}
	}
	if v := schemaOf(t, dbPath); v != 0 {
		t.Errorf("schema version %d after the refusals; a read-only command migrated the database", v)
	}
	migratedDB(t, dbPath)
	for _, args := range readOnlyCommands {
		if _, stderr, code := runCLI(t, env, args...); code != 0 {
			t.Errorf("%v after migrate: exit %d\n%s", args, code, stderr)
		}
	}
}

// schemaOf reads the schema version of the database at path.
func schemaOf(t *testing.T, path string) int {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// skipAsRoot skips a test of file permissions, which root passes anyway.
func skipAsRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		t.Skip("root may write anything: run the tests as another user to check permissions")
	}
}

// chmod sets path's mode and restores a writable one when the test ends,
// so that the temporary directory can be removed.
func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o755) })
}

func TestUnwritableDirectorySaysWhoCannotWriteWhat(t *testing.T) {
	skipAsRoot(t)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "liaison.db")
	chmod(t, dir, 0o555)
	uid := os.Geteuid()
	want := fmt.Sprintf("liaison: cannot write %s: its directory %s is not writable by uid %d (mode dr-xr-xr-x, owner uid %d); "+
		"give its owner write permission (e.g. chmod u+w %s), or set storage.path / LIAISON_DB to a place that uid can write\n",
		dbPath, dir, uid, uid, dir)

	env := []string{"LIAISON_DB=" + dbPath, "SLACK_BOT_TOKEN=" + validTokens["SLACK_BOT_TOKEN"], "SLACK_APP_TOKEN=" + validTokens["SLACK_APP_TOKEN"],
		"LIAISON_HTTP_ADDR=", "LIAISON_SLACK_API_URL=http://127.0.0.1:1/api/"}
	for _, args := range [][]string{{"migrate"}, {"run"}} {
		if _, stderr, code := runCLI(t, env, args...); code != 1 || stderr != want {
			t.Errorf("%v: exit %d, stderr\n%s\nwant 1 and\n%s", args, code, stderr, want)
		}
	}
	if strings.Contains(want, "(14)") {
		t.Error("SQLite's own code reached the message")
	}
}

func TestReadOnlyDatabaseFileSaysWhoCannotWriteIt(t *testing.T) {
	skipAsRoot(t)
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	migratedDB(t, dbPath)
	chmod(t, dbPath, 0o444)
	uid := os.Geteuid()
	want := fmt.Sprintf("liaison: cannot write %s: not writable by uid %d (mode -r--r--r--, owner uid %d); "+
		"give its owner write permission (e.g. chmod u+w %s), or set storage.path / LIAISON_DB to a place that uid can write\n",
		dbPath, uid, uid, dbPath)
	if _, stderr, code := runCLI(t, []string{"LIAISON_DB=" + dbPath}, "migrate"); code != 1 || stderr != want {
		t.Errorf("migrate: exit %d, stderr\n%s\nwant 1 and\n%s", code, stderr, want)
	}
}

func TestReadOnlyCommandOnAnUnwritableDirectorySaysSo(t *testing.T) {
	skipAsRoot(t)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "liaison.db")
	migratedDB(t, dbPath) // closed cleanly: no -wal or -shm is left
	chmod(t, dir, 0o555)
	_, stderr, code := runCLI(t, []string{"LIAISON_DB=" + dbPath}, "export")
	if want := fmt.Sprintf("liaison: cannot write %s: its directory %s is not writable by uid %d", dbPath, dir, os.Geteuid()); code != 1 || !strings.HasPrefix(stderr, want) {
		t.Errorf("export: exit %d, stderr\n%s\nwant 1 and a message starting\n%s", code, stderr, want)
	}
}

func TestDirectoryOfAnotherOwnerSuggestsChown(t *testing.T) {
	skipAsRoot(t)
	dir := string(filepath.Separator)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if owner, ok := fileOwner(fi); !ok || owner == os.Geteuid() {
		t.Skip("the root directory is ours here")
	}
	err = checkWritable(filepath.Join(dir, "liaison.db"))
	if err == nil {
		t.Skip("the root directory is writable here")
	}
	uid := os.Geteuid()
	if want := fmt.Sprintf("make it writable by uid %d (e.g. chown %d %s)", uid, uid, dir); !strings.Contains(err.Error(), want) {
		t.Errorf("checkWritable = %v, want it to say %q", err, want)
	}
}
