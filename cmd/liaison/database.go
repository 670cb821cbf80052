package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/liaisonbot/liaison/storage"
)

// openDB opens the database at path for a command that writes (run,
// migrate): it creates the file when missing and brings its schema up to
// date. It first checks that this process can write there, so that a
// read-only volume is named as such rather than as SQLite's error 14.
func openDB(ctx context.Context, path string) (*storage.DB, int, error) {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return nil, 0, fmt.Errorf("storage.path: directory %s does not exist; create it or set LIAISON_DB to a path in a writable directory", dir)
	}
	if err := checkWritable(path); err != nil {
		return nil, 0, err
	}
	db, err := storage.Open(ctx, path)
	if err != nil {
		return nil, 0, fmt.Errorf("storage.path: %w", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, 0, err
	}
	return db, applied, nil
}

// openStore opens the configured database for a command that writes:
// PostgreSQL when storage.url is set (migrated once, whoever else starts
// beside), else the SQLite file (openDB).
func openStore(ctx context.Context, s StorageConfig) (*storage.DB, int, error) {
	if s.URL == "" {
		return openDB(ctx, s.Path)
	}
	db, err := storage.OpenPostgres(ctx, s.URL)
	if err != nil {
		return nil, 0, fmt.Errorf("storage.url: %w", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, 0, err
	}
	return db, applied, nil
}

// existingDatabase checks that path is a database file that exists, and
// names the path it looked at when it is not; it creates nothing.
func existingDatabase(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("no database at %s; run `liaison migrate` or `liaison run` first, or set storage.path / LIAISON_DB", absPath(path))
	case err != nil:
		return nil, fmt.Errorf("storage.path: %w", err)
	case fi.IsDir():
		return nil, fmt.Errorf("storage.path: %s is a directory; set storage.path / LIAISON_DB to the database file in it", absPath(path))
	}
	return fi, nil
}

// openExisting loads the configuration of a command that never talks to
// Slack (no token checks) and opens its existing database: openExistingDB.
func openExisting(ctx context.Context, g globals) (Config, *storage.DB, error) {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return Config{}, nil, err
	}
	if cfg.Storage.URL == "" {
		db, err := openExistingDB(ctx, cfg.Storage.Path)
		return cfg, db, err
	}
	db, err := storage.OpenPostgres(ctx, cfg.Storage.URL)
	if err != nil {
		return cfg, nil, fmt.Errorf("storage.url: %w", err)
	}
	if err := checkSchema(ctx, db, cfg.Storage.where()); err != nil {
		db.Close()
		return cfg, nil, err
	}
	return cfg, db, nil
}

// openExistingDB opens the database at path for a command that only reads
// it (export, digest preview, backup, …). It never creates a database, and
// it refuses one whose schema is not this binary's instead of migrating it
// behind the back of a bot that may be running on it.
func openExistingDB(ctx context.Context, path string) (*storage.DB, error) {
	if _, err := existingDatabase(path); err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, path)
	if err != nil {
		// Even a reader writes SQLite's -shm file beside the database.
		if werr := checkWritable(path); werr != nil {
			return nil, werr
		}
		return nil, fmt.Errorf("storage.path: %w", err)
	}
	if err := checkSchema(ctx, db, absPath(path)); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkSchema refuses a database (named where) whose schema is not this binary's.
func checkSchema(ctx context.Context, db *storage.DB, where string) error {
	have, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	want, err := db.LatestVersion()
	if err != nil {
		return err
	}
	return schemaMismatch(where, have, want)
}

// schemaMismatch says what to do when a database's schema is not want.
func schemaMismatch(where string, have, want int) error {
	switch {
	case have < want:
		return fmt.Errorf("%s is at schema version %d and this liaison reads version %d; run `liaison migrate` first", where, have, want)
	case have > want:
		return fmt.Errorf("%s is at schema version %d, newer than this liaison knows (%d); upgrade liaison", where, have, want)
	}
	return nil
}

// checkWritable says, in terms an operator can act on, why this process
// cannot write the database at path: the file, the -wal and -shm files
// SQLite keeps beside it, and the directory it creates them in must all be
// writable by the user liaison runs as.
func checkWritable(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		switch {
		case err == nil:
			f.Close()
		case errors.Is(err, os.ErrNotExist):
		case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EROFS):
			return notWritable(path, p, err)
		default:
			return fmt.Errorf("storage.path: %w", err)
		}
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-write-check-*")
	switch {
	case err == nil:
		f.Close()
		os.Remove(f.Name())
		return nil
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EROFS):
		return notWritable(path, dir, err)
	default:
		return fmt.Errorf("storage.path: %w", err)
	}
}

// notWritable is the error for a database whose file or directory
// (blocker) this process may not write, with what to do about it.
func notWritable(path, blocker string, cause error) error {
	uid := os.Geteuid()
	what := ""
	switch blocker {
	case path:
	case filepath.Dir(path):
		what = "its directory " + blocker + " is "
	default:
		what = "SQLite's " + blocker + " is "
	}
	facts, fix := "", fmt.Sprintf("make it writable by uid %d (e.g. chown %d %s)", uid, uid, blocker)
	if fi, err := os.Stat(blocker); err == nil {
		facts = fmt.Sprintf(" (mode %s)", fi.Mode())
		if owner, ok := fileOwner(fi); ok {
			facts = fmt.Sprintf(" (mode %s, owner uid %d)", fi.Mode(), owner)
			if owner == uid {
				fix = fmt.Sprintf("give its owner write permission (e.g. chmod u+w %s)", blocker)
			}
		}
	}
	if errors.Is(cause, syscall.EROFS) {
		facts = " (a read-only file system)"
		fix = "mount it read-write"
	}
	return fmt.Errorf("cannot write %s: %snot writable by uid %d%s; %s, or set storage.path / LIAISON_DB to a place that uid can write",
		absPath(path), what, uid, facts, fix)
}

// absPath is path made absolute for messages, or path when that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
