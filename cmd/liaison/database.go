package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/liaisonbot/liaison/storage"
)

// openConfigured loads the configuration of an offline command (no token
// checks) and opens its database, migrated.
func openConfigured(ctx context.Context, g globals) (Config, *storage.DB, error) {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return Config{}, nil, err
	}
	db, _, err := openDB(ctx, cfg.Storage.Path)
	return cfg, db, err
}

// openDB opens the database at path and brings its schema up to date,
// explaining a missing directory in terms of the setting that names it.
func openDB(ctx context.Context, path string) (*storage.DB, int, error) {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return nil, 0, fmt.Errorf("storage.path: directory %s does not exist; create it or set LIAISON_DB to a path in a writable directory", dir)
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
