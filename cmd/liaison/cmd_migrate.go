package main

import (
	"context"
	"fmt"
)

var migrateCommand = command{
	name:    "migrate",
	summary: "create or upgrade the SQLite database",
	about: `Creates the database at storage.path when it is missing, applies every migration it lacks and
prints its schema version. ` + "`liaison run`" + ` does the same at start-up; migrate does it alone, e.g.
before commands that only read (export, digest preview), which never create or upgrade a database.`,
	env:         []string{"LIAISON_DB"},
	readsConfig: true,
	flags:       noFlags(cmdMigrate),
}

// cmdMigrate creates or upgrades the database and says what it did.
func cmdMigrate(ctx context.Context, g globals, _ []string) error {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	db, applied, err := openDB(ctx, cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied == 0 {
		fmt.Fprintf(g.stdout, "%s is up to date at schema version %d\n", cfg.Storage.Path, v)
	} else {
		fmt.Fprintf(g.stdout, "%s: applied %d migration(s); schema version %d\n", cfg.Storage.Path, applied, v)
	}
	return db.Close()
}
